# -*- coding: utf-8 -*-
# Copyright: dockercluster.swarm contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Whether docker_tls_files would change anything, from what docker_host_info read on the host.

The site playbook's probe reads the state of the host's TLS files in its one trip (path_state);
docker_pki then skips the install, a trip that carries the private keys, where nothing differs.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import hashlib


def installed_files_problems(known, directory, files, dir_mode='0700', uid=0, gid=0):
    """What differs between the host (``known``: path -> docker_host_info's state, None when
    missing) and what docker_tls_files would install: ``files`` of {name, content, mode} into
    ``directory`` (mode ``dir_mode``), everything owned by ``uid``:``gid``. Empty when nothing does.
    """
    problems = []

    def owner_and_mode(what, state, mode):
        if state['mode'] != mode:
            problems.append('%s has mode %s, not %s' % (what, state['mode'], mode))
        if (state['uid'], state['gid']) != (uid, gid):
            problems.append('%s is owned by %s:%s, not %s:%s' % (what, state['uid'], state['gid'], uid, gid))

    state = known.get(directory)
    if not state or state.get('type') != 'directory':
        return ['%s is not a directory' % directory]
    owner_and_mode(directory, state, dir_mode)
    for item in files:
        path = '%s/%s' % (directory.rstrip('/'), item['name'])
        state = known.get(path)
        if not state or state.get('type') != 'file':
            problems.append('%s is missing (or not a plain file)' % path)
            continue
        wanted = hashlib.sha1(item['content'].encode('utf-8', 'surrogateescape')).hexdigest()
        if state.get('sha1') != wanted:
            problems.append('%s has other content' % path)
        owner_and_mode(path, state, item['mode'])
    return problems
