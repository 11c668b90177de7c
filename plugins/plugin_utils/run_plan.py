# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Controller-side: which hosts each play of the site playbook has to act on.

Worked out once per run from what the probe (docker_host_info) found on every host before
anything changed, with the same tests the roles make (swarm_membership_problem,
swarm_member_settled, swarm_nodes_problems). Each host's variables are read once: through
``hostvars`` every read of a host costs the controller a merge of all its variables.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible.plugins.filter.core import to_bool
from ansible_collections.dockercluster.swarm.plugins.filter.swarm_member import swarm_member_settled
from ansible_collections.dockercluster.swarm.plugins.filter.swarm_membership import swarm_membership_problem
from ansible_collections.dockercluster.swarm.plugins.filter.swarm_membership_refusal import refusal_message
from ansible_collections.dockercluster.swarm.plugins.filter.swarm_nodes import swarm_nodes_problems

# The variables read of each host, with the roles' defaults.
HOST_SETTINGS = (('swarm_insecure_tcp', False), ('swarm_port_setup', 'daemon'), ('swarm_agent_state', 'present'),
                 ('swarm_backend', 'swarmkit'), ('swarm_manager_force', False), ('swarm_agent_force', False))


def _read(host_vars):
    found = dict((name, host_vars.get(name, default)) for name, default in HOST_SETTINGS)
    probe = host_vars.get('swarm_preflight_probe')
    found['probe'] = probe if isinstance(probe, dict) else {}
    return found


def _swarm(found):
    swarm = found['probe'].get('swarm')
    return swarm if isinstance(swarm, dict) else None


def run_plan(hostvars, managers, agents):
    """dict(refused, prepare, form, join, fanout, seen_ready) for the cluster of ``managers`` and ``agents``.

    - refused: host -> the message swarm_preflight's membership check fails it with
      (swarm_membership_refusal), for the hosts it refuses.
    - prepare: the hosts not in place: without the Docker SDK, not on plain TCP with the daemon
      port setup (mutual TLS and the proxy are checked by their roles), whose listen plan changes
      something or is undecided, or which the membership check has something against. All of
      them when the first manager's state is unknown: the membership check then fails them.
    - form: whether the managers' play has anything to do (not every host is in this cluster in
      its role, agents set to leave aside, or the backend is classic).
    - join: the agents that are not workers of this cluster yet, and those set to leave.
    - fanout: those of them the first manager can join through their engines (swarm_workers): to
      stay, with the swarmkit backend, and in no swarm yet (Swarm state inactive).
    - seen_ready: nothing is to change, and the first manager's probe listed every expected host
      as a Ready node (through the cluster endpoint): the verify's check is made.
    """
    found = dict((host, _read(hostvars[host])) for host in list(managers) + list(agents))
    first = managers[0]
    first_swarm = _swarm(found[first])
    backend = found[first]['swarm_backend']
    cluster_id, manager_addrs = '', []
    if first_swarm and first_swarm.get('ControlAvailable'):
        cluster_id = (first_swarm.get('Cluster') or {}).get('ID') or ''
    if first_swarm:
        manager_addrs = [m['Addr'] for m in first_swarm.get('RemoteManagers') or [] if m and m.get('Addr')]

    # Each host's membership problem ('' for none), judged once: it decides both whether the host
    # is refused and whether it is in place.
    problems = dict((host, swarm_membership_problem(_swarm(found[host]), first_swarm,
                                                    'manager' if host in managers else 'worker', host == first)
                     if first_swarm is not None else '')
                    for host in found)

    def in_place(host):
        item = found[host]
        probe = item['probe']
        return bool(
            (probe.get('docker_sdk') or {}).get('present') and to_bool(item['swarm_insecure_tcp'])
            and item['swarm_port_setup'] == 'daemon' and (probe.get('listen_plan') or {}).get('changed') is False
            and first_swarm is not None and not problems[host])

    def settled(host, role):
        return swarm_member_settled(_swarm(found[host]), manager_addrs, role,
                                    cluster_id if role == 'manager' else None)

    refused = {}
    for host in list(managers) + list(agents):
        is_manager = host in managers
        message = refusal_message(host, problems[host], first, first_swarm is not None, is_manager,
                                  found[host]['swarm_manager_force' if is_manager else 'swarm_agent_force'])
        if message:
            refused[host] = message
    leaving = [host for host in agents if found[host]['swarm_agent_state'] == 'absent']
    staying = [host for host in agents if host not in leaving]
    swarmkit = backend == 'swarmkit'
    all_settled = bool(swarmkit and cluster_id and all(settled(h, 'manager') for h in managers)
                       and all(settled(h, 'worker') for h in staying))
    prepare = [host for host in list(managers) + list(agents) if not in_place(host)]
    join = [host for host in agents if not (swarmkit and host in staying and settled(host, 'worker'))]
    fanout = [host for host in join if swarmkit and host in staying
              and (_swarm(found[host]) or {}).get('LocalNodeState') == 'inactive']
    seen_ready = bool(all_settled and not leaving and not prepare
                      and not swarm_nodes_problems(found[first]['probe'].get('nodes'), list(managers) + staying))
    return dict(refused=refused, prepare=prepare, form=not all_settled, join=join, fanout=fanout,
                seen_ready=seen_ready)
