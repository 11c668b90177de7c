# -*- coding: utf-8 -*-
# Copyright: dockercluster.swarm contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Which running containers a restart of dockerd stops for good, read on the engine's unix socket.

Without live-restore, dockerd stops every container when it stops, and starts again only those whose
restart policy says so. Swarm's tasks are started again by the swarm; the others are the user's.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.dockercluster.swarm.plugins.module_utils.docker_ping import unix_get
from ansible_collections.dockercluster.swarm.plugins.module_utils.host_probe import json_answer

SWARM_TASK_LABEL = 'com.docker.swarm.task.id'
COMES_BACK = ('always', 'unless-stopped')  # the policies dockerd starts a container again by, at its start


def _answer(get, path, url, timeout):
    status, body = get(path, url, timeout)
    return json_answer(status, body, url)


def lost_by_restart(info, running, inspect):
    """``(name, what happens)`` of each running container a restart of dockerd leaves stopped or removed.

    ``info``: the engine's ``GET /info``; ``running``: its ``GET /containers/json``; ``inspect(id)``: a
    container's ``GET /containers/<id>/json``. None are lost with live-restore on.
    """
    if info.get('LiveRestoreEnabled'):
        return []
    lost = []
    for container in running:
        if SWARM_TASK_LABEL in (container.get('Labels') or {}):
            continue
        host = inspect(container['Id']).get('HostConfig') or {}
        name = ((container.get('Names') or ['/' + container['Id'][:12]])[0]).lstrip('/')
        if host.get('AutoRemove'):
            lost.append((name, 'removed (--rm)'))
            continue
        policy = (host.get('RestartPolicy') or {}).get('Name') or 'no'
        if policy not in COMES_BACK:
            lost.append((name, 'left stopped (restart policy %s)' % policy))
    return lost


def read_lost_by_restart(path, timeout=5, get=unix_get):
    """``lost_by_restart`` read on the engine's unix socket ``path``; None when the engine cannot say
    (not answering there), for the caller to say nothing rather than guess."""
    try:
        info = _answer(get, path, '/info', timeout)
        running = _answer(get, path, '/containers/json', timeout)
        return lost_by_restart(info, running, lambda cid: _answer(get, path, '/containers/%s/json' % cid, timeout))
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return None


def lost_warning(service, lost, check_mode):
    """The warning naming what a restart of ``service`` loses; '' when nothing."""
    if not lost:
        return ''
    return ('Restarting %s %s these running containers, which %s start again by themselves: %s. To keep one, give '
            'it a restart policy first (docker update --restart unless-stopped NAME).' % (
                service, 'would stop' if check_mode else 'stops', 'would not' if check_mode else 'do not',
                '; '.join('%s, %s' % item for item in lost)))
