# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Controller-side: the permission bits of a path, to repair a mode without a module run."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
name: path_mode
short_description: The permission bits of a path on the controller, as an octal string
version_added: 0.1.0
author: dockercluster.swarm maintainers (@dockercluster)
description:
- Returns the permission bits of the path (as C(stat) reads them, links followed) as four octal digits, for
  example C(0700); an empty string when the path does not exist.
- Runs on the controller, like every filter. docker_pki uses it to run ansible.builtin.file or community.crypto
  only for a directory or private key whose mode is not the one it sets, instead of a module run per path on
  every run.
options:
  _input:
    description: A path on the controller.
    type: path
    required: true
'''

EXAMPLES = r'''
- name: Make the directory, or repair its mode, only when needed
  ansible.builtin.file:
    path: pki
    state: directory
    mode: "0700"
  when: ('pki' | dockercluster.swarm.path_mode) != '0700' or 'pki' is not directory
'''

RETURN = r'''
_value:
  description: Four octal digits, or an empty string when the path does not exist.
  type: str
'''

import os
import stat


def path_mode(path):
    try:
        return '%04o' % stat.S_IMODE(os.stat(os.path.expanduser(str(path))).st_mode)
    except OSError:
        return ''


class FilterModule(object):
    def filters(self):
        return {'path_mode': path_mode}
