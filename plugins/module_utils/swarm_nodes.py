# -*- coding: utf-8 -*-
# Copyright: dockercluster.swarm contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Day two: each node's labels, availability and role as the inventory declares them.

Pure logic, no I/O: from the cluster's nodes as a manager lists them (the Engine API's node
objects) and what the inventory wants for each host, the node updates to make (one per node that
differs, which the swarm_nodes module makes), the entries an earlier install of a host left (a
machine rebuilt, joined again as a new node), the diff, or why nothing may change (a demotion that
the cluster's quorum does not allow, as Docker judges it).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.dockercluster.swarm.plugins.module_utils import swarm_logic as logic
from ansible_collections.dockercluster.swarm.plugins.module_utils.swarm_drain import BEFORE_LABEL

AVAILABILITIES = ('active', 'pause', 'drain')
# Labels the collection sets itself (swarm_node_drain's record of the availability before its
# drain): never removed by the exclusive mode.
OWN_LABEL_PREFIX = 'dockercluster.swarm.'


def majority(total):
    return total // 2 + 1


def demotion_problem(demoted, total, reachable, left):
    """'' or why demoting the hosts ``demoted`` (names) is refused. Docker's own rule (swarmkit's
    CanRemoveMember, one demotion at a time): the managers that remain must keep a reachable majority of
    themselves, and at least one must remain. ``total`` managers, ``reachable`` of them answering now,
    ``left`` reachable once the demoted ones are gone."""
    if not demoted:
        return ''
    remain = total - len(demoted)
    if remain >= 1 and left >= majority(remain):
        return ''
    one = len(demoted) == 1
    if remain < 1:
        outcome = 'would leave the cluster without a manager'
    else:
        outcome = ('would leave %d manager%s, %d of them reachable%s, fewer than their majority (%d): the cluster '
                   'would lose its quorum' % (remain, '' if remain == 1 else 's', max(left, 0),
                                              '' if reachable == total else ' (%d of %d reachable now)'
                                              % (reachable, total), majority(remain)))
    return ('Demoting %s (listed as %s, %s of this cluster) %s. Nothing was changed. Bring the unreachable '
            'managers back, demote fewer, promote others first, or list %s as %s again.'
            % (', '.join(demoted), 'an agent' if one else 'agents', 'a manager' if one else 'managers', outcome,
               'it' if one else 'them', 'a manager' if one else 'managers'))


def label_text(value):
    """A label value as Docker stores it (a string; YAML's booleans as true/false)."""
    if isinstance(value, bool):
        return 'true' if value else 'false'
    if value is None:
        return ''
    return logic._text(value)


def node_settings(node):
    """What a node (an Engine API node object) has of what the inventory declares."""
    spec = (node or {}).get('Spec') or {}
    return dict(labels=dict((k, label_text(v)) for k, v in (spec.get('Labels') or {}).items()),
                availability=(logic._text(spec.get('Availability')) or 'active').lower(),
                role=(logic._text(spec.get('Role')) or 'worker').lower())


def validate_wanted(item):
    """An inventory entry checked and normalised; raises ValueError naming the host and the value."""
    name = logic._text(item.get('name')).strip()
    if not name:
        raise ValueError('node settings: an entry without a name: %r' % (item,))
    labels = item.get('labels')
    if labels == '':
        labels = None  # INI's empty value: not managed
    if labels is not None and not isinstance(labels, dict):
        raise ValueError('%s: swarm_node_labels must be a mapping (label: value), not %r (an INI [...:vars] value is '
                         'a string: set it in YAML, host_vars or group_vars).' % (name, labels))
    for key, value in (labels or {}).items():
        if not logic._text(key).strip() or isinstance(value, (dict, list, tuple, set)):
            raise ValueError('%s: swarm_node_labels: %r: %r is not a label (a name and a string, number, boolean, '
                             'or null to remove it).' % (name, key, value))
    availability = logic._text(item.get('availability')).strip().lower()
    if availability and availability not in AVAILABILITIES:
        raise ValueError('%s: %s must be one of %s (or empty: left as it is), not %r.'
                         % (name, item.get('availability_from') or 'swarm_node_availability', ', '.join(AVAILABILITIES),
                            item.get('availability')))
    role = logic._text(item.get('role')).strip().lower()
    if role not in ('', 'manager', 'worker'):
        raise ValueError('%s: role must be manager or worker, not %r' % (name, item.get('role')))
    return dict(name=name, node_id=logic._text(item.get('node_id')).strip(),
                addresses=list(item.get('addresses') or []),
                # A key set to null is removed.
                labels=None if labels is None else dict((logic._text(k), None if v is None else label_text(v))
                                                        for k, v in labels.items()),
                exclusive=bool(item.get('exclusive')), availability=availability, role=role)


def created_at(node):
    """A node's CreatedAt (the Engine API's RFC 3339 UTC time) as a text that sorts in time order
    (the fraction padded to nanoseconds), or '' when it has none."""
    text = logic._text((node or {}).get('CreatedAt')).strip()
    if not text:
        return ''
    stamp, _dot, fraction = text.rstrip('Z').partition('.')
    return '%s.%s' % (stamp, fraction.ljust(9, '0'))


def find_node(expected, nodes):
    """The node (raw) of the inventory host ``expected`` (a swarm_logic.expected_nodes() entry): by
    node ID, else its addresses or host name (swarm_logic.node_matches); of several (a node that left
    and joined again leaves an entry that is not Ready), the Ready one, else (just joined, not Ready
    yet) the newest. None when none is, or several are Ready. The ID read before the run is
    not taken when it is not Ready and another entry of the host is (the host joined again in the run)."""
    pairs = [(logic.node_summary(n), n) for n in nodes or []]
    if expected['node_id']:
        same = [(summary, raw) for summary, raw in pairs if summary['id'] == expected['node_id']]
        if same and (same[0][0]['status'] == 'ready' or not any(
                summary['status'] == 'ready' and logic.node_matches(expected, summary) for summary, _raw in pairs)):
            return same[0][1]
    matches = [(summary, raw) for summary, raw in pairs if logic.node_matches(expected, summary)]
    if len(matches) > 1:
        ready = [(summary, raw) for summary, raw in matches if summary['status'] == 'ready']
        if ready or not all(created_at(raw) for _summary, raw in matches):
            matches = ready
        else:
            matches = [max(matches, key=lambda pair: created_at(pair[1]))]
    return matches[0][1] if len(matches) == 1 else None


def replaced_entries(kept, nodes):
    """The entries an earlier install of the machine left, now that its node is ``kept`` (raw; Ready,
    or created after them): not Ready (down, or unknown after a leader change), another ID, the same
    host name and an address in common (a machine rebuilt or reinstalled that joined again as a new
    node). A manager entry's reachability is not asked: its Raft address is the new node's, which
    answers. Raw nodes, or []."""
    mine = logic.node_summary(kept)
    found = []
    for raw in nodes or []:
        other = logic.node_summary(raw)
        if other['id'] == mine['id'] or other['status'] == 'ready' or other['hostname'] != mine['hostname']:
            continue
        older = created_at(raw) and created_at(kept) and created_at(raw) < created_at(kept)
        if (mine['status'] == 'ready' or older) and logic.node_addrs(other) & logic.node_addrs(mine):
            found.append(raw)
    return found


def removal(name, old):
    """The removal of host ``name``'s entry ``old`` (raw): dict(name, node_id, role, before, lines)."""
    have = node_settings(old)
    return dict(name=name, node_id=old.get('ID'), role=have['role'], before=have, lines=[
        'the entry of its earlier install (%s, %s, %s) %sremoved' % (
            old.get('ID'), have['role'], logic.node_summary(old)['status'],
            'demoted and ' if have['role'] == 'manager' else '')])


def plan_node(want, node):
    """The update for one node: dict(name, node_id, labels (the whole set to write) or None,
    availability or None, role or None, before, after, lines), or None when it is as declared."""
    have = node_settings(node)
    after = dict(have, labels=dict(have['labels']))
    lines = []
    if want['labels'] is not None:
        if want['exclusive']:
            for key in sorted(have['labels']):
                if key not in want['labels'] and not key.startswith(OWN_LABEL_PREFIX):
                    del after['labels'][key]
                    lines.append('label %s removed (was %r)' % (key, have['labels'][key]))
        for key in sorted(want['labels']):
            value = want['labels'][key]
            if value is None:
                if key in after['labels']:
                    del after['labels'][key]
                    lines.append('label %s removed (was %r)' % (key, have['labels'][key]))
                continue
            if key not in have['labels']:
                lines.append('label %s=%r added' % (key, value))
            elif have['labels'][key] != value:
                lines.append('label %s: %r -> %r' % (key, have['labels'][key], value))
            after['labels'][key] = value
    if want['availability'] and want['availability'] != have['availability']:
        after['availability'] = want['availability']
        lines.append('availability %s -> %s' % (have['availability'], want['availability']))
    if want['availability'] and BEFORE_LABEL in after['labels']:
        # The availability a drain of ours noted is given back, replaced or declared as it is: no later run
        # may give it back again.
        del after['labels'][BEFORE_LABEL]
        if want['availability'] == have['availability']:
            lines.append('label %s removed (availability %s, as declared)' % (BEFORE_LABEL, want['availability']))
    if want['role'] and want['role'] != have['role']:
        after['role'] = want['role']
        lines.append('%s (%s -> %s)' % ('promoted' if want['role'] == 'manager' else 'demoted',
                                        have['role'], want['role']))
    if not lines:
        return None
    return dict(name=want['name'], node_id=node.get('ID'),
                labels=after['labels'] if after['labels'] != have['labels'] else None,
                availability=after['availability'] if after['availability'] != have['availability'] else None,
                role=after['role'] if after['role'] != have['role'] else None,
                before=have, after=after, lines=lines)


def plan_entries(nodes, entries, remove_replaced=False):
    """The node updates for the checked entries (validate_wanted's output) on the cluster's
    ``nodes``. Returns dict(changes [plan_node()'s, promotions first, demotions last], missing
    [names with no node], removals [with ``remove_replaced``, the entries an earlier install of a
    host left (replaced_entries()), each dict(name, node_id, role, lines)], problem ('' or a
    sentence: then no change may be made), diff {before, after} keyed by host)."""
    # All at once: an address given for several hosts (docker0's) names none of them.
    expected = logic.expected_nodes([dict(name=w['name'], node_id=w['node_id'], addresses=w['addresses'])
                                     for w in entries])
    changes, missing, removals = [], [], []
    for want, identity in zip(entries, expected):
        node = find_node(identity, nodes)
        if node is None:
            missing.append(want['name'])
            continue
        for old in replaced_entries(node, nodes) if remove_replaced else []:
            if old.get('ID') not in [r['node_id'] for r in removals]:
                removals.append(removal(want['name'], old))
        change = plan_node(want, node)
        if change:
            changes.append(change)
    # The removals come first: the managers they take out count no more.
    gone = [r['node_id'] for r in removals]
    managers = [n for n in nodes or [] if node_settings(n)['role'] == 'manager' and n.get('ID') not in gone]
    reachable = [n for n in managers
                 if ((n.get('ManagerStatus') or {}).get('Reachability') or 'reachable') == 'reachable']
    # Promotions first, demotions last, the unreachable managers' first: Docker judges each demotion on the
    # managers that remain, and a reachable one demoted before them could find too few of those reachable.
    answering = [n.get('ID') for n in reachable]
    changes.sort(key=lambda c: ({'manager': 0, None: 1, 'worker': 2}[c['role']],
                                c['role'] == 'worker' and c['node_id'] in answering))
    demoted = [c['name'] for c in changes if c['role'] == 'worker']
    left = len([n for n in reachable if n.get('ID') not in [c['node_id'] for c in changes if c['role'] == 'worker']])
    problem = demotion_problem(demoted, len(managers), len(reachable), left)
    return dict(changes=changes, missing=missing, removals=removals, problem=problem,
                diff=dict(before=dict([(c['name'], c['before']) for c in changes]
                                      + [('%s (entry %s)' % (r['name'], r['node_id']), r['before']) for r in removals]),
                          after=dict((c['name'], c['after']) for c in changes)))
