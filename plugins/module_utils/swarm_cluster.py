# -*- coding: utf-8 -*-
# Copyright: dockercluster.swarm contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""What swarm_info and swarm_token share: reading the cluster on one of its active managers."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.dockercluster.swarm.plugins.module_utils import (
    swarm_logic as logic,
)

# A freshly joined node turns Ready within a fraction of a second to a second or two (lab, 10 joins
# at once): poll often, the call is cheap and every wasted interval is on the run's wall clock.
POLL_INTERVAL = 0.25


def poll(snapshot, timeout, sleep, clock, interval=POLL_INTERVAL):
    """Call ``snapshot()`` -> ``(result, check)`` until ``check['ok']`` or ``timeout`` seconds have
    passed (0: once); returns the last pair. swarm_info's and swarm_workers' waits for Ready nodes."""
    deadline = clock() + timeout
    while True:
        result, check = snapshot()
        if check['ok'] or clock() >= deadline:
            return result, check
        sleep(interval)


class ClusterReader(object):
    """Reads the cluster through ``engine``; ``doing`` names the step for engine errors."""

    def __init__(self, module, engine):
        self.module = module
        self.engine = engine
        self.doing = 'reading the swarm state'

    def manager_swarm(self):
        """The engine's swarm state; fails the module unless this host is an active manager."""
        swarm = self.engine.swarm_info()
        if not logic.is_manager(swarm):
            self.module.fail_json(msg=logic.not_manager_message(swarm))
        return swarm

    def inspect(self):
        self.doing = 'inspecting the swarm'
        return self.engine.inspect()

    def nodes(self):
        """The cluster's nodes, summarised (logic.summarize_nodes)."""
        self.doing = 'listing the cluster nodes'
        return logic.summarize_nodes(self.engine.nodes())
