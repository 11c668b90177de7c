# -*- coding: utf-8 -*-
# Copyright: dockercluster.swarm contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Replace a file atomically, with its final mode from the first byte, raising instead of failing.

AnsibleModule.atomic_move does not fit two of our files: it gives a file it creates the umask's
mode (0644) after the rename, and a replaced one the old file's mode before it (a secret would be
readable by everyone for a moment), and on an error it calls fail_json, which exits the module
before a caller can roll back. Here the temporary file gets its mode (and owner) before any data is
written, the rename puts it in place, and every failure is an OSError for the caller.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import errno
import os
import tempfile


def selinux_setter(module, path):
    """A function that gives a temporary file the SELinux context ``path`` has (or would get), or None
    when SELinux is off. Call it before changing anything: the lookups may fail the module."""
    if not module.selinux_enabled():
        return None
    if os.path.exists(path):
        context = module.selinux_context(path)
    else:
        context = module.selinux_default_context(path)
    return lambda tmp: module.set_context_if_different(tmp, context, False)


def atomic_write(path, data, mode, owner=None, set_context=None):
    """Write the bytes ``data`` to ``path`` through a temporary file in the same directory.

    ``mode`` (and ``owner``, a (uid, gid) pair, kept where permitted) are set on the empty temporary
    file, so the data is never readable by more than ``mode`` allows. ``set_context(tmp)`` may label it
    (see selinux_setter). ``path`` must not be a symlink that should stay one: resolve it first.
    Raises OSError; no temporary file is left behind.
    """
    directory = os.path.dirname(path) or '.'
    fd, tmp = tempfile.mkstemp(prefix='.%s.' % os.path.basename(path), dir=directory)
    try:
        try:
            os.fchmod(fd, mode)
            if owner is not None and tuple(owner) != (os.geteuid(), os.getegid()):
                try:
                    os.fchown(fd, owner[0], owner[1])
                except OSError as exc:
                    if exc.errno != errno.EPERM:
                        raise
            view = memoryview(data)
            while view:
                view = view[os.write(fd, view):]
            os.fsync(fd)
        finally:
            os.close(fd)
        if set_context is not None:
            set_context(tmp)
        os.rename(tmp, path)
    except BaseException:
        try:
            os.remove(tmp)
        except OSError:
            pass
        raise
