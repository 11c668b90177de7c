# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Controller-side: what docker_tls_files would change, from the state docker_host_info read."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
name: installed_files_problems
short_description: What differs between a host's files and what docker_tls_files would install there
version_added: 0.1.0
author: dockercluster.swarm maintainers (@dockercluster)
description:
- Compares the state M(dockercluster.swarm.docker_host_info) read on the host (its C(stat) result,
  path to type, mode, owner, group and SHA-1) with the files M(dockercluster.swarm.docker_tls_files) would install
  into a directory, and returns what differs, one string per difference; an empty list when nothing does.
- docker_pki uses it to skip the install, a trip that carries the host's private keys, when the site playbook's
  probe found every file as it should be.
options:
  _input:
    description: docker_host_info's C(stat) result.
    type: dict
    required: true
  directory:
    description: The directory the files go into.
    type: str
    required: true
  files:
    description: The files, as docker_tls_files takes them (C(name), C(content), C(mode)).
    type: list
    elements: dict
    required: true
  dir_mode:
    description: The directory's mode.
    type: str
    default: '0700'
  uid:
    description: The owner's user id (of the directory and every file).
    type: int
    default: 0
  gid:
    description: The owner's group id.
    type: int
    default: 0
'''

EXAMPLES = r'''
- name: Install only when something differs
  dockercluster.swarm.docker_tls_files:
    path: /etc/docker/certs
    owner: root
    group: root
    files: "{{ tls_files }}"
  when: probe.stat | dockercluster.swarm.installed_files_problems('/etc/docker/certs', tls_files) | length > 0
'''

RETURN = r'''
_value:
  description: What differs (for example C(/etc/docker/certs/ca.pem has other content)), or an empty list.
  type: list
  elements: str
'''


def installed_files_problems(known, directory, files, dir_mode='0700', uid=0, gid=0):
    # Imported here, not at the top: ansible-core loads every filter file of the collection in each
    # worker that uses one of them (docs/architecture.md, "Filters load lazily").
    from ansible_collections.dockercluster.swarm.plugins.module_utils.installed_files import (
        installed_files_problems as problems,
    )
    return problems(known or {}, directory, files, dir_mode, uid, gid)


class FilterModule(object):
    def filters(self):
        return {'installed_files_problems': installed_files_problems}
