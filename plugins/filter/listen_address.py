# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Controller-side check of dockerd listen addresses, with the module's own parser.

The port-setup role asserts with it first, so that a bad address fails before the certificates
or anything else are put on the host (the module itself only runs after the PKI role).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
name: listen_address_problem
short_description: What is wrong with a list of dockerd listen addresses, or an empty string
version_added: 0.1.0
author: dockercluster.swarm maintainers (@dockercluster)
description:
  - Validates C(unix://), C(tcp://host:port) and C(fd://) addresses with the same code as
    M(dockercluster.swarm.docker_listen_config) and returns every error, or an empty string.
options:
  _input:
    description: The addresses.
    type: list
    elements: str
    required: true
'''

EXAMPLES = r'''
- name: Fail early on a bad address
  ansible.builtin.assert:
    that: (docker_listen_addresses | dockercluster.swarm.listen_address_problem) == ''
'''

RETURN = r'''
_value:
  description: The error message, or an empty string.
  type: str
'''


def listen_address_problem(addresses):
    # Imported when called, not when the file loads: docs/architecture.md, "Filters load lazily".
    from ansible_collections.dockercluster.swarm.plugins.module_utils.listen_config import validate_listen

    try:
        validate_listen(list(addresses or []))
    except ValueError as exc:
        return str(exc)
    return ''


class FilterModule(object):
    def filters(self):
        return {'listen_address_problem': listen_address_problem}
