#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: dockercluster.swarm contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
module: docker_tls_files
short_description: Install a host's Docker TLS files (CA, certificates, private keys) in one trip
version_added: 0.1.0
description:
  - Writes every file of O(files) into the directory O(path) (made when missing, mode 0700), each with
    its own mode, and the O(owner) and O(group) given. A file whose content, mode and ownership already
    are as asked is left alone; a file that changes is written next to its old self and moved over it,
    so a reader never sees half a file.
  - One call per host for what would otherwise be one M(ansible.builtin.copy) task per file (two trips
    per file even when nothing changes). The docker_pki role reads the files on the controller and
    hands them over here.
  - The contents never appear in the module's output, its diff or its logged arguments.
  - With O(state=absent), removes the files the collection installs (C(ca.pem), C(server-cert.pem),
    C(server-key.pem), C(client-cert.pem), C(client-key.pem)) from O(path), then O(path) itself where
    nothing else is left in it. Other files stay, and with them the directory.
author:
  - dockercluster.swarm maintainers (@dockercluster)
extends_documentation_fragment:
  - dockercluster.swarm.attributes
attributes:
  check_mode:
    description: Reports which files would change or go (RV(changed_files)) without touching them.
  diff_mode:
    support: partial
    description: The diff names the files that would change or go, never their contents.
options:
  path:
    description:
      - The directory the files go into, on the managed host.
    type: path
    required: true
  state:
    description:
      - V(present) installs O(files); V(absent) removes the collection's TLS files from O(path).
    type: str
    choices: [present, absent]
    default: present
  files:
    description:
      - The files to install. Required with O(state=present); not taken with O(state=absent).
    type: list
    elements: dict
    suboptions:
      name:
        description:
          - The file's name inside O(path) (no directory part).
        type: str
        required: true
      content:
        description:
          - The file's whole content. Never logged or returned.
        type: str
        required: true
      mode:
        description:
          - The file's permissions, an octal string (V('0600')); a number is the mode itself, as
            M(ansible.builtin.file) takes it (an unquoted YAML C(0600)).
        type: raw
        default: '0644'
  exclusive:
    description:
      - With O(state=present), also remove the collection's TLS files that O(files) does not name (of
        C(ca.pem), C(server-cert.pem), C(server-key.pem), C(client-cert.pem), C(client-key.pem)); a host
        that is no longer a manager loses the managers' client certificate and key. Other files stay.
    type: bool
    default: false
  owner:
    description:
      - Owner of O(path) and of every file; unchanged when not given.
    type: str
  group:
    description:
      - Group of O(path) and of every file; unchanged when not given.
    type: str
notes:
  - Fails before writing anything when a name has a directory part, is given twice, or a mode is not octal.
seealso:
  - module: ansible.builtin.copy
'''

EXAMPLES = r'''
# The files docker_tls_certificates made on the controller (its example), in docker-pki/ next to the inventory.
- name: Install the CA, the server certificate and its key
  dockercluster.swarm.docker_tls_files:
    path: /etc/docker/certs
    owner: root
    group: root
    files:
      - {name: ca.pem, content: "{{ lookup('file', pki_dir ~ '/ca.pem', rstrip=false) }}"}
      - {name: server-cert.pem, content: "{{ lookup('file', node_dir ~ '/server-cert.pem', rstrip=false) }}"}
      - name: server-key.pem
        mode: '0600'
        content: "{{ lookup('file', node_dir ~ '/server-key.pem', rstrip=false) }}"
  vars:
    pki_dir: "{{ inventory_dir }}/docker-pki"
    node_dir: "{{ pki_dir }}/nodes/{{ inventory_hostname }}"

- name: Remove them again (files of yours in the directory stay, and the directory with them)
  dockercluster.swarm.docker_tls_files:
    path: /etc/docker/certs
    state: absent
'''

RETURN = r'''
changed_files:
  description:
    - The files written, then those whose mode or ownership was set, then those O(exclusive) removed; with
      O(state=absent), the files removed (in check mode, those that would be).
  returned: always
  type: list
  elements: str
  sample: [server-cert.pem]
'''

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.dockercluster.swarm.plugins.module_utils.tls_files import (
    FILES_OPTION,
    bad_entries,
    install,
    remove,
    unknown_owners,
)


def present(module):
    params = module.params
    problems = bad_entries(params['files']) + unknown_owners(params['owner'], params['group'])
    if problems:
        module.fail_json(msg='files: ' + '; '.join(problems), changed_files=[])
    return install(module, params['path'], params['files'], params['owner'], params['group'], params['exclusive'])


def absent(module):
    if module.params['files'] is not None:
        module.fail_json(msg='files is not taken with state=absent: it removes the collection\'s TLS files',
                         changed_files=[])
    try:
        return remove(module.check_mode, module.params['path'])
    except OSError as exc:
        module.fail_json(msg='removing the TLS files from %s: %s' % (module.params['path'], exc), changed_files=[])


def run(module):
    path, state = module.params['path'], module.params['state']
    directory_changed, changed_files = present(module) if state == 'present' else absent(module)
    result = dict(changed=directory_changed or bool(changed_files), changed_files=changed_files)
    if module._diff:
        # Names only: the contents include private keys.
        listed = ''.join(name + '\n' for name in changed_files)
        if state == 'present':
            result['diff'] = dict(before='', after=listed,
                                  after_header='%s (files written, or removed by exclusive)' % path)
        else:
            result['diff'] = dict(before=listed, after='', before_header='%s (files removed)' % path)
    module.exit_json(**result)


def main():
    module = AnsibleModule(
        argument_spec=dict(
            path=dict(type='path', required=True),
            state=dict(type='str', choices=['present', 'absent'], default='present'),
            files=FILES_OPTION,
            exclusive=dict(type='bool', default=False),
            owner=dict(type='str'),
            group=dict(type='str'),
        ),
        required_if=[('state', 'present', ['files'])],
        supports_check_mode=True,
    )
    run(module)


if __name__ == '__main__':
    main()
