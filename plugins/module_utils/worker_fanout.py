# -*- coding: utf-8 -*-
# Copyright: dockercluster.swarm contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""What swarm_workers does: join many workers from a manager, through each worker's engine API.

One call on the manager replaces one module run per worker: the manager's engine gives the worker
token and the managers' addresses (the token never leaves the manager), and every worker's engine
is told to join at once, each in its own thread. A worker whose engine is not plainly new to Swarm
mode, or cannot be reached, is left to the host's own join (swarm_agent), which decides and reports.
Engines are objects with swarm_info() and join() (docker_api.SwarmkitEngine); pytest passes fakes.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from concurrent.futures import ThreadPoolExecutor

from ansible_collections.dockercluster.swarm.plugins.module_utils.swarm_logic import (
    api_too_old,
    split_host_port,
    worker_gone,
)

# A worker's outcome.
JOINED = 'joined'          # it joined in this call (in check mode: it would)
REJOINED = 'rejoined'      # a worker of a cluster that is gone, which left it and joined this one
IN_PLACE = 'in_place'      # already a worker of this cluster
LEFT_TO_HOST = 'left_to_host'  # not decided here: the host's own join (swarm_agent) runs
FAILED = 'failed'          # its engine was told to join and did not

# Threads at most: the joins wait on the network and the manager, not on this host's CPU.
MAX_THREADS = 32


def engine_url(address, port):
    """The engine API of the host at ``address`` (a name or IP, with a port that is not the engine's
    or without one): ``tcp://host:port``, an IPv6 host in brackets. ValueError when malformed."""
    host = split_host_port(address)[0]
    return 'tcp://%s:%d' % ('[%s]' % host if ':' in host else host, port)


def worker_token(inspect):
    """The worker token from the manager's swarm inspect; ValueError when it is not there."""
    token = ((inspect or {}).get('JoinTokens') or {}).get('Worker')
    if not token:
        raise ValueError('the manager\'s engine did not give the worker token (swarm inspect has no JoinTokens)')
    return token


def decide(swarm, worker_ids, addrs=(), listed=None):
    """What to do with one worker, from its engine's info()['Swarm']: ``(outcome, reason)``.

    ``worker_ids``: the IDs of the cluster's worker nodes, as the manager lists them; ``listed``: the IDs of
    all its nodes, ``addrs``: its manager addresses. A worker of a cluster that is gone (swarm_logic.worker_gone:
    its managers are this cluster's, made anew while it ran) leaves and joins. Without ``listed``, such a
    worker is left to the host.
    """
    state = (swarm.get('LocalNodeState') or '').lower()
    if state == 'inactive':
        return JOINED, None
    if state == 'active' and not swarm.get('ControlAvailable') and swarm.get('NodeID') in worker_ids:
        return IN_PLACE, None
    if listed is not None and worker_gone(swarm, addrs, listed):
        return REJOINED, None
    return LEFT_TO_HOST, ('its engine is %s in Swarm mode, not a worker of this cluster: the host\'s own '
                          'join decides' % (state or 'in an unknown state'))


def run_one(worker, connect, token, addrs, worker_ids, check_mode, join_timeout, errors, listed=None):
    """Join one worker; the outcome as a dict (name, docker_host, status, node_id, msg).

    ``connect(worker)`` gives the worker's engine; ``errors`` are the exceptions an engine call raises.
    """
    result = dict(name=worker['name'], docker_host=worker['docker_host'], status=LEFT_TO_HOST, node_id=None,
                  msg=None)
    try:
        engine = connect(worker)
        swarm = engine.swarm_info()
    except errors as exc:
        result['msg'] = 'its engine at %s did not answer (%s): the host\'s own join runs' % (
            worker['docker_host'], _explain(exc))
        return result
    result['status'], result['msg'] = decide(swarm, worker_ids, addrs, listed)
    result['node_id'] = swarm.get('NodeID') or None
    if result['status'] not in (JOINED, REJOINED):
        return result
    # Before a leave, in check mode too: the SDK would refuse the option inside the join.
    problem = api_too_old(engine, dict(data_path_addr=worker.get('data_path_addr')))
    if problem:
        result.update(status=FAILED, msg='its engine at %s: %s' % (worker['docker_host'], problem))
    if problem or check_mode:
        return result
    try:
        if result['status'] == REJOINED:
            engine.leave(force=False)  # a worker leaves without force, its managers gone or not
        swarm = engine.join(addrs, token, advertise_addr=worker.get('advertise_addr') or None,
                            listen_addr=worker.get('listen_addr') or '0.0.0.0:2377',
                            data_path_addr=worker.get('data_path_addr') or None, timeout=join_timeout)
    except errors as exc:
        result.update(status=FAILED, msg='joining through its engine at %s failed: %s' % (
            worker['docker_host'], _explain(exc)))
        return result
    state = (swarm.get('LocalNodeState') or '').lower()
    result['node_id'] = swarm.get('NodeID') or None
    if state != 'active':
        result.update(status=FAILED, msg='told to join through its engine at %s, it is %s in Swarm mode%s' % (
            worker['docker_host'], state or 'in an unknown state',
            (': ' + swarm['Error']) if swarm.get('Error') else ''))
    return result


def fan_out(workers, connect, token, addrs, worker_ids, check_mode=False, join_timeout=60, errors=(Exception,),
            listed=None):
    """Every worker's outcome (run_one), in the order given, the joins all at once."""
    if not workers:
        return []
    with ThreadPoolExecutor(max_workers=min(len(workers), MAX_THREADS)) as pool:
        futures = [pool.submit(run_one, worker, connect, token, addrs, worker_ids, check_mode, join_timeout, errors,
                               listed)
                   for worker in workers]
        return [future.result() for future in futures]


def summary(results):
    """The names by outcome, for the playbook: dict(joined, in_place, left_to_host, failed_workers={name: msg}).

    Not ``failed``: Ansible takes a result's ``failed`` key for the task's own failure."""
    names = dict((status, [r['name'] for r in results if r['status'] == status])
                 for status in (JOINED, IN_PLACE, LEFT_TO_HOST))
    names[JOINED] += [r['name'] for r in results if r['status'] == REJOINED]
    names['failed_workers'] = dict((r['name'], r['msg']) for r in results if r['status'] == FAILED)
    return names


def _explain(exc):
    return getattr(exc, 'explanation', None) or str(exc) or type(exc).__name__
