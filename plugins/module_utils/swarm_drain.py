# -*- coding: utf-8 -*-
# Copyright: dockercluster.swarm contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""A swarm node drained before its engine restarts, and given back its availability after.

What swarm_node_drain decides, as functions pytest calls with a fake engine. The engine is spoken
to through a manager's unix socket with the standard library (docker_ping), as docker_host_info
does: the docker_listen role restarts engines on hosts that may not have the Docker SDK.

Swarm moves a drained node's tasks by stopping each one and then starting its replacement on
another node (swarmkit's restart supervisor waits for the old task to stop), and it never moves
tasks back when the node is active again.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import time
from urllib.parse import quote

# A task in one of these states holds (or is about to hold) a container on its node.
PLACED_STATES = ('assigned', 'accepted', 'preparing', 'ready', 'starting')
ALIVE_STATES = PLACED_STATES + ('running',)
# Not on a node yet: the scheduler has not placed it, or found no node for it (Status.Err says why).
UNPLACED_STATES = ('new', 'allocated', 'pending')
AVAILABILITIES = ('active', 'pause', 'drain')
# Set on the node with its drain, to the availability it had before; removed when it is given back.
# A run interrupted in between leaves it: the next drain of the node takes it as the one before, and the next
# run's node settings (swarm_nodes, from swarm_info's availability_before) give it back.
BEFORE_LABEL = 'dockercluster.swarm.availability-before'


class EngineError(Exception):
    """The engine did not answer, or answered with an error (its own words)."""


class SocketEngine(object):
    """GET and POST on an engine's unix socket; JSON answers. ``request`` is docker_ping's."""

    def __init__(self, path, timeout, request):
        self.path, self.timeout, self.request = path, timeout, request

    def call(self, method, url, body=None):
        try:
            status, text = self.request(self.path, method, url, self.timeout, body=body)
        except (OSError, ValueError) as exc:
            raise EngineError('unix://%s: %s' % (self.path, exc))
        if status != 200:
            try:
                message = json.loads(text).get('message') or text
            except (ValueError, AttributeError):
                message = text
            raise EngineError('%s %s: HTTP %s: %s' % (method, url.split('?')[0], status, message.strip()[:300]))
        if not text.strip():
            return None
        try:
            return json.loads(text)
        except ValueError:
            raise EngineError('%s %s: the answer is not JSON: %r' % (method, url.split('?')[0], text[:200]))

    def node(self, node_id):
        return self.call('GET', '/nodes/%s' % quote(node_id, safe=''))

    def nodes(self):
        return self.call('GET', '/nodes') or []

    def remove_node(self, node_id):
        return self.call('DELETE', '/nodes/%s?force=true' % quote(node_id, safe=''))

    def tasks(self, **filters):
        url = '/tasks'
        if filters:
            url += '?filters=' + quote(json.dumps(filters, sort_keys=True), safe='')
        return self.call('GET', url) or []

    def update_node(self, node_id, version, spec):
        return self.call('POST', '/nodes/%s/update?version=%s' % (quote(node_id, safe=''), int(version)),
                         body=json.dumps(spec))


def update_spec(engine, node_id, edit):
    """Read the node, write ``edit(node)`` (its new Spec, or None: nothing to change) with the
    version read; read and write again when another update came in between (out of sequence).
    Returns the node as it is then (read again after a write)."""
    for attempt in range(3):
        node = engine.node(node_id)
        spec = edit(node)
        if spec is None:
            return node
        try:
            engine.update_node(node_id, node['Version']['Index'], spec)
            return engine.node(node_id)
        except EngineError as exc:
            if 'out of sequence' not in str(exc) or attempt == 2:
                raise
    return None


def availability_of(node):
    return ((node or {}).get('Spec') or {}).get('Availability') or 'active'


def labels_of(node):
    return ((node or {}).get('Spec') or {}).get('Labels') or {}


def availability_before(node):
    """The node's availability before a drain of ours: the label an interrupted run left, while the node is still
    drained, else its own (a node made active or paused since, by hand, keeps what it was given)."""
    recorded = labels_of(node).get(BEFORE_LABEL)
    if recorded in AVAILABILITIES and availability_of(node) == 'drain':
        return recorded
    return availability_of(node)


def role_of(node):
    return ((node or {}).get('Spec') or {}).get('Role') or 'worker'


def hostname_of(node):
    return (((node or {}).get('Description') or {}).get('Hostname')) or (node or {}).get('ID') or ''


def task_state(task):
    return ((task.get('Status') or {}).get('State') or '').lower()


def alive_on(tasks, node_id):
    """The tasks that still hold a container (or are about to) on the node."""
    return [t for t in tasks if t.get('NodeID') == node_id and task_state(t) in ALIVE_STATES]


def running_by_service(tasks, services=None):
    """Service ID -> the number of its tasks meant to run that run (what ``docker service ls`` counts)."""
    counts = {}
    for task in tasks:
        service = task.get('ServiceID')
        if services is not None and service not in services:
            continue
        counts.setdefault(service, 0)
        if (task.get('DesiredState') or '').lower() == 'running' and task_state(task) == 'running':
            counts[service] += 1
    return counts


def starting_elsewhere(tasks, node_id, services):
    """Replacements of the drained node's tasks on their way to run elsewhere. A task the scheduler
    found no node for (pending with an error: e.g. one replica per node and no node free) is not
    waited for."""
    starting = []
    for task in tasks:
        if task.get('ServiceID') not in services or task.get('NodeID') == node_id:
            continue
        if (task.get('DesiredState') or '').lower() not in ('ready', 'running'):
            continue
        state = task_state(task)
        if state in PLACED_STATES or (state in UNPLACED_STATES and not (task.get('Status') or {}).get('Err')):
            starting.append(task)
    return starting


def unplaced_elsewhere(tasks, node_id, services):
    """Replacements of the drained node's tasks that no node took: pending with the scheduler's reason."""
    return ['%s: %s' % (t.get('ID', '')[:12], (t.get('Status') or {}).get('Err'))
            for t in tasks if t.get('ServiceID') in services and t.get('NodeID') != node_id
            and (t.get('DesiredState') or '').lower() in ('ready', 'running')
            and task_state(t) in UNPLACED_STATES and (t.get('Status') or {}).get('Err')]


def node_back(node):
    """Whether the node is Ready (and, a manager, Reachable): ``(ok, what it is now)``."""
    state = ((node.get('Status') or {}).get('State') or 'unknown').lower()
    if state != 'ready':
        return False, 'status %s' % state
    if role_of(node) == 'manager':
        reachability = ((node.get('ManagerStatus') or {}).get('Reachability') or 'unknown').lower()
        if reachability != 'reachable':
            return False, 'manager %s' % reachability
    return True, 'ready' + (', reachable' if role_of(node) == 'manager' else '')


def unknown_nodes(nodes):
    """Host names of the nodes whose status is unknown: a manager that has just started (or taken
    the lead) lists every node it has not heard from again so, until it re-registers (Ready) or
    misses its heartbeats (Down)."""
    return sorted(hostname_of(n) or n.get('ID', '')[:12] for n in nodes
                  if ((n.get('Status') or {}).get('State') or '').lower() == 'unknown')


def short_services(counts, before):
    """Services running fewer tasks than before the drain: service ID -> (now, before)."""
    return dict((service, (counts.get(service, 0), wanted)) for service, wanted in sorted(before.items())
                if counts.get(service, 0) < wanted)


class Drainer(object):
    """Drains a node and gives it back its availability, waiting a bounded time at each step.

    ``engine``: a manager's SocketEngine (or a fake); ``warn``: the module's warn.
    """

    def __init__(self, engine, timeout, warn, interval=0.5, clock=None, sleep=None):
        self.engine, self.timeout, self.warn, self.interval = engine, timeout, warn, interval
        self.clock = clock or time.monotonic
        self.sleep = sleep or time.sleep
        # The result so far once the node's availability was set: a later engine error still reports it.
        self.done = {}

    def set_availability(self, node_id, availability, before=None):
        """Node update with the spec as it is, but the availability, and the label that keeps the one
        ``before`` (none: the label removed); made again on a version race."""
        def edit(node):
            labels = dict(labels_of(node))
            if before is None:
                labels.pop(BEFORE_LABEL, None)
            else:
                labels[BEFORE_LABEL] = before
            if availability_of(node) == availability and labels == labels_of(node):
                return None
            return dict(node.get('Spec') or {}, Availability=availability, Labels=labels)
        return update_spec(self.engine, node_id, edit)

    def drain(self, node_id, check_mode=False):
        node = self.engine.node(node_id)
        before = availability_before(node)
        # Kept on the node while it is drained for us (a node drained by hand has nothing to give back).
        label = before if before != 'drain' else None
        tasks = self.engine.tasks(node=[node_id])
        services = sorted(set(t.get('ServiceID') for t in alive_on(tasks, node_id) if t.get('ServiceID')))
        result = dict(node_id=node_id, hostname=hostname_of(node), role=role_of(node), availability_before=before,
                      changed=availability_of(node) != 'drain' or labels_of(node).get(BEFORE_LABEL) != label,
                      tasks_moved=len(alive_on(tasks, node_id)), timed_out=False,
                      unplaced=[], left=[], waited=0.0)
        # What runs of each of the node's services now: the restore waits until it runs again.
        result['running_before'] = running_by_service(self.engine.tasks(service=services), services) if services else {}
        if check_mode:
            result['availability'] = before
            return result
        self.set_availability(node_id, 'drain', label)
        result['availability'] = 'drain'
        self.done = result
        started = self.clock()
        while True:
            tasks = self.engine.tasks(service=services) if services else []
            left = alive_on(tasks, node_id) + starting_elsewhere(tasks, node_id, services)
            if not left:
                result['unplaced'] = unplaced_elsewhere(tasks, node_id, services)
                break
            if self.clock() - started >= self.timeout:
                result['timed_out'] = True
                result['left'] = sorted('%s (%s on %s)' % (
                    t.get('ID', '')[:12], task_state(t),
                    'this node' if t.get('NodeID') == node_id else t.get('NodeID', '')[:12]) for t in left)
                # What follows is the caller's: docker_listen restarts the engine (which stops them).
                self.warn('%s: after %ss, tasks still on the node or starting elsewhere: %s'
                          % (result['hostname'], self.timeout, ', '.join(result['left'])))
                break
            self.sleep(self.interval)
        result['waited'] = round(self.clock() - started, 1)
        return result

    def wait_back(self, node_id):
        """The node, once Ready (a manager: Reachable); EngineError naming what it was at the timeout.
        Engine errors meanwhile (the engine starting, no leader yet) are waited out."""
        started = self.clock()
        what = 'no answer'
        while True:
            try:
                node = self.engine.node(node_id)
                ok, what = node_back(node)
                if ok:
                    return node
            except EngineError as exc:
                what = str(exc)
            if self.clock() - started >= self.timeout:
                raise EngineError('the node is not back within %ss: %s' % (self.timeout, what))
            self.sleep(self.interval)

    def wait_known(self, started):
        """Waits (until ``started`` + timeout) until no node of the cluster is unknown; at the timeout,
        warns and returns those still unknown. Engine errors meanwhile (no leader yet) are waited out."""
        unknown = []
        while True:
            try:
                unknown = unknown_nodes(self.engine.nodes())
                if not unknown:
                    return []
            except EngineError as exc:
                unknown = unknown or ['(the node list: %s)' % exc]
            if self.clock() - started >= self.timeout:
                self.warn('after %ss, the manager still lists these nodes as unknown (not re-registered since its '
                          'restart): %s' % (self.timeout, ', '.join(unknown)))
                return unknown
            self.sleep(self.interval)

    def restore(self, node_id, availability, running_before, check_mode=False):
        started = self.clock()
        node = self.engine.node(node_id) if check_mode else self.wait_back(node_id)
        if availability is None:  # only back: the node keeps its availability (and any label)
            availability = availability_of(node)
            changed = False
        else:
            changed = availability_of(node) != availability or BEFORE_LABEL in labels_of(node)
        result = dict(node_id=node_id, hostname=hostname_of(node), role=role_of(node), availability=availability,
                      availability_before=availability_of(node), services_short={}, nodes_unknown=[],
                      timed_out=False, changed=changed)
        result['state'] = node_back(node)[1]
        if check_mode:
            return result
        if changed:
            self.set_availability(node_id, availability)
            self.done = result
        # A manager back from its restart lists the other nodes unknown until each has re-registered
        # (a second or two): the next restart or drain waits for a cluster that knows its nodes again.
        if role_of(node) == 'manager':
            result['nodes_unknown'] = self.wait_known(started)
            result['timed_out'] = bool(result['nodes_unknown'])
        while running_before:
            counts = running_by_service(self.engine.tasks(service=sorted(running_before)), running_before)
            short = short_services(counts, running_before)
            if not short:
                break
            if self.clock() - started >= self.timeout:
                result['timed_out'] = True
                result['services_short'] = dict((s, {'running': n, 'before': b}) for s, (n, b) in short.items())
                self.warn('%s is back, but after %ss these services run fewer tasks than before its drain: %s'
                          % (result['hostname'], self.timeout, ', '.join(
                              '%s (%s of %s)' % (s[:12], n, b) for s, (n, b) in short.items())))
                break
            self.sleep(self.interval)
        result['waited'] = round(self.clock() - started, 1)
        return result
