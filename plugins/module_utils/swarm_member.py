# -*- coding: utf-8 -*-
# Copyright: dockercluster.swarm contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""What swarm_manager and swarm_agent share: input checks, and the member classes' common steps.

``SwarmMember`` is a node of a Swarm-mode cluster in one role (``ROLE``); the modules add
``present()``. ``ClassicMember`` is one of the guide's classic Swarm containers; the modules add
``wanted()``, the container spec from the options.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.dockercluster.swarm.plugins.module_utils import (
    classic_containers as cc,
)
from ansible_collections.dockercluster.swarm.plugins.module_utils import (
    swarm_logic as logic,
)
from ansible_collections.dockercluster.swarm.plugins.module_utils.docker_api import (
    ENGINE_ERRORS,
    engine_error,
    resolve_host,
)


def backend_mismatch(params, classic_only, swarmkit_only, spec=None):
    """A message when options of the other backend are given, else None. Given: a value that is not their
    default (``spec``, the module's argument spec), nor empty."""
    classic = params['backend'] == 'classic'
    spec = spec or {}
    given = [name for name in (swarmkit_only if classic else classic_only)
             if params.get(name) is not None and params[name] not in ('', [], {})
             and params[name] != spec.get(name, {}).get('default')]
    if not given:
        return None
    return '%s only appl%s with backend=%s (this task has backend=%s)' % (
        ', '.join(given), 'ies' if len(given) == 1 else 'y', 'swarmkit' if classic else 'classic', params['backend'])


def check_backend(module, classic_only, swarmkit_only):
    """Fail the module on options of the other backend; True when the backend is classic."""
    error = backend_mismatch(module.params, classic_only, swarmkit_only, module.argument_spec)
    if error:
        module.fail_json(msg=error)
    return module.params['backend'] == 'classic'


def validate(params, check_join, check_more=None):
    """Check and normalise the input before touching the engine; returns (values, error).

    ``check_join(params, values)``, with state=present, and ``check_more(params, values)``, after
    the address checks, are the module's own checks: they return an error message (or None) or
    raise ValueError, and may add to ``values``.
    """
    values = {}
    try:
        values['remote_addrs'] = logic.normalize_manager_addrs(params['remote_addrs'])
        if params['state'] == 'present':
            error = check_join(params, values)
            if error:
                return None, error
        logic.validate_member_addrs(*(params[name] for name in logic.ADDRESS_OPTIONS))
        if check_more:
            check_more(params, values)
        if params['join_timeout'] < 0:
            return None, 'join_timeout: %r must not be negative' % (params['join_timeout'],)
    except ValueError as exc:
        return None, str(exc)
    return values, None


def validated(module, check_join, check_more=None):
    """validate() on the module's parameters; fails the module naming the bad value."""
    values, error = validate(module.params, check_join, check_more)
    if error:
        module.fail_json(msg=error)
    return values


class Member(object):
    """A module run that builds ``result`` step by step; ``doing`` names the step for engine errors."""

    def __init__(self, module, result, doing):
        self.module = module
        self.params = module.params
        self.result = result
        self.doing = doing

    def _fail(self, msg):
        self.module.fail_json(msg=msg, **self._shown())

    def _engine_failed(self, exc):
        engine_error(self.module, exc, self.doing, **self._shown())

    def _shown(self):
        """The result a failure shows: without the join tokens (read on request), which the module's
        no_log options do not mask (only the join token it was given)."""
        return dict((k, v) for k, v in self.result.items() if k not in ('worker_token', 'manager_token'))

    def _run_ip(self, argv):
        ip = self.module.get_bin_path('ip')
        if not ip:
            return 127, '', 'ip (iproute2) not found'
        return self.module.run_command([ip] + list(argv[1:]))


class SwarmMember(Member):
    """Swarm mode: the node as a ``ROLE`` of the cluster at ``remote_addrs``; subclasses add present()."""

    ROLE = None
    # Messages: the node joined in the other role; an active manager would leave without force (%s: the node).
    WRONG_ROLE = None
    MANAGER_LEAVES = None

    def __init__(self, module, engine, values, result):
        super(SwarmMember, self).__init__(module, result, 'reading the swarm state')
        self.engine = engine
        self.remote_addrs = values['remote_addrs']

    def run(self):
        try:
            if self.params['state'] == 'present':
                self.present()
            else:
                self.absent()
        except ENGINE_ERRORS as exc:
            self._engine_failed(exc)
        self.module.exit_json(**self.result)

    def present(self):
        raise NotImplementedError

    def _record(self, swarm):
        facts = logic.membership_facts(swarm)
        self.result.update(node_id=facts['node_id'], role=facts['role'], local_node_state=facts['local_node_state'],
                           manager_addrs=facts['manager_addrs'])
        if facts['node_addr']:
            self.result['advertise_addr'] = facts['node_addr']
        return facts

    def _membership(self, swarm):
        """Where the node stands towards the expected cluster (the cluster_id option, where the module has one)."""
        return logic.classify_membership(swarm, logic.expand_manager_addrs(self.remote_addrs, resolve_host),
                                         self.params.get('cluster_id'), self.ROLE)

    def _choose_advertise(self, interface=None):
        try:
            return logic.choose_advertise_addr(self._run_ip, self.params['advertise_addr'],
                                               interface or self.params['advertise_interface'])[0]
        except ValueError as exc:
            self._fail(str(exc))

    def _refuse_what_the_api_lacks(self, given):
        """Before any leave (and in check mode): an option the engine's API is too old for fails the join or
        init only after the leave, out of every swarm."""
        problem = logic.api_too_old(self.engine, given)
        if problem:
            self._fail(problem)

    def _leave_if_planned(self, steps):
        if logic.LEAVE in steps:
            self.doing = 'leaving the current swarm (forced)'
            self.engine.leave(force=True)

    def _join(self, advertise):
        params = self.params
        self.doing = 'joining the managers at %s' % ', '.join(self.remote_addrs)
        return self.engine.join(self.remote_addrs, params['join_token'], advertise_addr=advertise,
                                listen_addr=params['listen_addr'], data_path_addr=params['data_path_addr'],
                                timeout=params['join_timeout'])

    def _check_joined(self, facts):
        state = facts['local_node_state']
        if state == 'pending':
            self._fail('the node is still pending %ss after asking to join the managers at %s: they could not be '
                       'reached or did not accept it (check 2377/tcp from this host to them, 7946 and 4789 '
                       'between the nodes, and the token). The engine keeps trying in the background; the next '
                       'run makes it leave and join again.' % (self.params['join_timeout'], ', '.join(self.remote_addrs)))
        if state != 'active':
            self._fail('the node ended in state %s: %s' % (state, logic.describe_node(facts)))
        if bool(facts['control_available']) != (self.ROLE == 'manager'):
            self._fail(self.WRONG_ROLE)

    def absent(self):
        swarm = self.engine.swarm_info()
        facts = self._record(swarm)
        state = facts['local_node_state']
        self.result['membership'] = self._membership(swarm)
        if state in ('', 'inactive'):
            return
        manager = facts['control_available'] and state == 'active'
        if state in ('locked', 'error') and not self.params['force']:
            self._fail('the node\'s swarm is %s (%s); it may be a manager, so it leaves only with force=true%s.'
                       % (state, logic.describe_node(facts),
                          ' (or unlock it first with "docker swarm unlock")' if state == 'locked' else ''))
        if manager and not self.params['force']:
            self._fail(self.MANAGER_LEAVES % logic.describe_node(facts))
        force = manager or state != 'active'
        self.result.update(changed=True, actions=[logic.LEAVE])
        if self.module.check_mode:
            return
        self.doing = 'leaving the swarm' + (' (forced)' if force else '')
        self.engine.leave(force=force)
        node_id = self.result['node_id']
        self._record(self.engine.swarm_info())
        # Keep the ID the node had: its entry stays in the managers' node list until removed there
        # (the swarm_agent role removes it).
        self.result.update(node_id=node_id, manager_addrs=[])
        if 'cluster_id' in self.result:
            self.result['cluster_id'] = None


class ClassicMember(Member):
    """Classic Swarm: one of the guide's containers; subclasses add wanted(), its spec (None: no container)."""

    def __init__(self, module, containers, **result):
        super(ClassicMember, self).__init__(
            module, dict(changed=False, actions=[], container_id=None, command=None, differences=[], **result),
            'reading the engine version')
        self.containers = containers

    def wanted(self):
        raise NotImplementedError

    def run(self):
        self.ensure(self.wanted_or_fail())

    def wanted_or_fail(self):
        """wanted() with state=present, else None; a ValueError fails the module."""
        try:
            return self.wanted() if self.params['state'] == 'present' else None
        except ValueError as exc:
            self._fail(str(exc))

    def removed(self):
        """Called once the container is (or would be) gone."""

    def ensure(self, wanted):
        """The container as ``wanted`` (absent when None), then exit."""
        ensure = cc.Ensure(self.containers, self.module.check_mode, self.module._diff)
        try:
            warning = cc.engine_warning(self.containers.version())
            if warning:
                self.module.warn(warning)
            if wanted is None:
                self.doing = 'removing container %s' % self.params['container_name']
                ensure.absent(self.params['container_name'], self.result)
                self.removed()
            else:
                self.result['command'] = wanted['command']
                self.doing = 'ensuring container %s (image %s)' % (wanted['name'], wanted['image'])
                ensure.present(wanted, self.result)
        except ENGINE_ERRORS as exc:
            self._engine_failed(exc)
        self.module.exit_json(**self.result)
