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
author:
  - dockercluster.swarm maintainers (@dockercluster)
extends_documentation_fragment:
  - dockercluster.swarm.attributes
attributes:
  check_mode:
    description: Reports which files would change (RV(changed_files)) without writing them.
  diff_mode:
    support: partial
    description: The diff names the files that would change, never their contents.
options:
  path:
    description:
      - The directory the files go into, on the managed host.
    type: path
    required: true
  files:
    description:
      - The files to install.
    type: list
    elements: dict
    required: true
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
          - The file's permissions, an octal string.
        type: str
        default: '0644'
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
'''

RETURN = r'''
changed_files:
  description:
    - The files written, then those whose mode or ownership was set (in check mode, those that would be).
  returned: always
  type: list
  elements: str
  sample: [server-cert.pem]
'''

import os
import tempfile

from ansible.module_utils.basic import AnsibleModule
from ansible.module_utils.common.text.converters import to_bytes


def bad_entries(files):
    """Problems with the file list itself (names, modes), before anything is written."""
    problems, seen = [], set()
    for item in files:
        name = item['name']
        if not name or name in ('.', '..') or '/' in name or '\0' in name:
            problems.append('%r is not a plain file name' % (name,))
        elif name in seen:
            problems.append('%r is given twice' % (name,))
        seen.add(name)
        try:
            int(item['mode'], 8)
        except (TypeError, ValueError):
            problems.append('mode %r of %r is not an octal number' % (item['mode'], name))
    return problems


def current_content(path):
    try:
        with open(path, 'rb') as handle:
            return handle.read()
    except (IOError, OSError):
        return None


class DockerTlsFiles(object):

    def __init__(self, module):
        self.module = module
        self.params = module.params

    def attributes(self, path, mode):
        args = self.module.load_file_common_arguments(dict(path=path, mode=mode, owner=self.params['owner'],
                                                           group=self.params['group']))
        args['path'] = path  # not followed through a link: the file itself is what is checked
        return args

    def ensure_directory(self):
        path = self.params['path']
        changed = not os.path.isdir(path)
        if changed and not self.module.check_mode:
            os.makedirs(path, 0o700)
        if os.path.isdir(path):
            changed = self.module.set_fs_attributes_if_different(self.attributes(path, '0700'), changed)
        return changed

    def stage(self, path, data, mode):
        """The new content in a temporary file beside ``path``, with its final mode before it holds
        anything (a key is never readable by others, not even for a moment)."""
        handle, temp = tempfile.mkstemp(prefix='.%s.' % os.path.basename(path), dir=os.path.dirname(path))
        with os.fdopen(handle, 'wb') as out:
            os.fchmod(out.fileno(), int(mode, 8))
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
        return temp

    def write_all(self, changes):
        """All or nothing: every new file is staged first; only when all are written are they renamed
        over the old ones (a certificate never goes in without its key)."""
        staged = []
        try:
            for path, data, mode in changes:
                staged.append((self.stage(path, data, mode), path))
        except (IOError, OSError) as exc:
            for temp, _path in staged:
                os.unlink(temp)
            self.module.fail_json(msg='nothing was changed: writing beside %s failed: %s' % (path, exc),
                                  changed_files=[])
        for temp, path in staged:
            os.rename(temp, path)

    def run(self):
        params = self.params
        problems = bad_entries(params['files'])
        if problems:
            self.module.fail_json(msg='files: ' + '; '.join(problems), changed_files=[])
        changed = self.ensure_directory()
        changes, changed_files = [], []
        for item in params['files']:
            path = os.path.join(params['path'], item['name'])
            data = to_bytes(item['content'], errors='surrogate_or_strict')
            if current_content(path) != data:
                changes.append((path, data, item['mode']))
                changed_files.append(item['name'])
        if not self.module.check_mode:
            self.write_all(changes)
        for item in params['files']:
            path = os.path.join(params['path'], item['name'])
            # Owner, group and mode of the files that stay (and the owner of new ones); in check
            # mode only reported.
            if os.path.exists(path) and self.module.set_fs_attributes_if_different(
                    self.attributes(path, item['mode']), False) and item['name'] not in changed_files:
                changed_files.append(item['name'])
        result = dict(changed=changed or bool(changed_files), changed_files=changed_files)
        if self.module._diff:
            # Names only: the contents include private keys.
            result['diff'] = dict(before='', after=''.join(name + '\n' for name in changed_files),
                                  after_header='%s (files written)' % params['path'])
        self.module.exit_json(**result)


def main():
    module = AnsibleModule(
        argument_spec=dict(
            path=dict(type='path', required=True),
            files=dict(type='list', elements='dict', required=True, options=dict(
                name=dict(type='str', required=True),
                content=dict(type='str', required=True, no_log=True),
                mode=dict(type='str', default='0644'),
            )),
            owner=dict(type='str'),
            group=dict(type='str'),
        ),
        supports_check_mode=True,
    )
    DockerTlsFiles(module).run()


if __name__ == '__main__':
    main()
