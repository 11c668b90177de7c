# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Controller-side check of the classic discovery settings, with the modules' own parser.

The preflight play runs it on the controller so that a malformed discovery URL, range or token
fails before any host is touched (the modules would only find out after the port setup).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
name: classic_discovery_problem
short_description: What is wrong with classic Swarm discovery settings, or an empty string
version_added: 0.1.0
author: dockercluster.swarm maintainers (@dockercluster)
description:
  - Validates the settings the classic backend builds its discovery URL from, with the same code as
    M(dockercluster.swarm.swarm_token), and returns the error message, or an empty string when valid.
options:
  _input:
    description: Settings; keys C(kind), C(token), C(base), C(kv_hosts), C(kv_path), C(nodes), C(replication).
    type: dict
    required: true
'''

EXAMPLES = r'''
- name: Fail early on a malformed discovery
  ansible.builtin.assert:
    that: (settings | dockercluster.swarm.classic_discovery_problem) == ''
'''

RETURN = r'''
_value:
  description: The error message, or an empty string.
  type: str
'''


def classic_discovery_problem(settings):
    # Imported when called, not when the file loads: docs/architecture.md, "Filters load lazily".
    from ansible_collections.dockercluster.swarm.plugins.module_utils import classic_discovery

    kind = settings.get('kind') or 'token'
    try:
        if kind == 'token':
            base = classic_discovery.normalize_base(settings.get('base'))
            if settings.get('token'):
                classic_discovery.validate_token(settings['token'])
            elif base == classic_discovery.DEFAULT_HOSTED_BASE:
                # Without a token one is created there, in the managers' play, after every engine changed.
                return classic_discovery.HUB_GONE
        elif kind in classic_discovery.KV_KINDS:
            classic_discovery.build(kind, hosts=settings.get('kv_hosts'), path=settings.get('kv_path'))
        elif kind == 'nodes':
            classic_discovery.build(kind, nodes=settings.get('nodes'))
        elif kind == 'file':
            classic_discovery.expand_nodes(settings.get('nodes') or [])
        else:
            classic_discovery.build(kind)
    except ValueError as exc:
        return str(exc)
    if settings.get('replication') and not classic_discovery.replicates(kind):
        return ('replication (several managers, one primary) needs consul, etcd or zk discovery; '
                '%s discovery cannot elect a primary' % kind)
    return ''


class FilterModule(object):
    def filters(self):
        return {'classic_discovery_problem': classic_discovery_problem}
