# -*- coding: utf-8 -*-
# Copyright: dockercluster.swarm contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""A host's TLS files (CA, certificates, private keys) written into one directory, all or nothing.

docker_tls_files installs them in a trip of their own; docker_listen_config in the trip that changes
dockerd's listener anyway (the docker_pki role decides which). Contents are never returned or logged.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import grp
import os
import pwd
import tempfile

from ansible.module_utils.common.text.converters import to_bytes

# The names a host's TLS files have in its directory (docker_tls_certificates names them so;
# docker_host_info's tls_dir reads them; docker_tls_files state=absent removes them).
NODE_FILES = ('ca.pem', 'server-cert.pem', 'server-key.pem', 'client-cert.pem', 'client-key.pem')

# The option both modules take (name, content, mode), for their argument specs. mode is raw: YAML reads an
# unquoted 0640 as the number 416, which as a string would be the octal 0416 (others may write the key).
FILES_OPTION = dict(type='list', elements='dict', options=dict(
    name=dict(type='str', required=True),
    content=dict(type='str', required=True, no_log=True),
    mode=dict(type='raw', default='0644'),
))


def octal_mode(value):
    """A file mode as its octal string: a string is read as octal, a number is the mode itself (as
    ansible.builtin.file takes it). None when it is neither, or not a permission mode."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        number = value
    else:
        try:
            number = int(str(value), 8)
        except ValueError:
            return None
    return '%04o' % number if 0 <= number <= 0o7777 else None


def bad_entries(files):
    """Problems with the file list itself (names, modes), before anything is written. Each entry's mode
    is made its octal string."""
    problems, seen = [], set()
    for item in files:
        name = item['name']
        if not name or name in ('.', '..') or '/' in name or '\0' in name:
            problems.append('%r is not a plain file name' % (name,))
        elif name in seen:
            problems.append('%r is given twice' % (name,))
        seen.add(name)
        mode = octal_mode(item['mode'])
        if mode is None:
            problems.append('mode %r of %r is not an octal permission mode' % (item['mode'], name))
        else:
            item['mode'] = mode
    return problems


def unknown_owners(owner=None, group=None):
    """``owner`` and ``group`` names this host does not know (a number is an id, as Ansible takes it), before
    anything is written: the attributes are set after the files."""
    problems = []
    for value, lookup, what in ((owner, pwd.getpwnam, 'owner'), (group, grp.getgrnam, 'group')):
        if value is not None and not value.isdigit():
            try:
                lookup(value)
            except KeyError:
                problems.append('%s %r is not a %s on this host' % (what, value, 'user' if what == 'owner' else what))
    return problems


def current_content(path):
    try:
        with open(path, 'rb') as handle:
            return handle.read()
    except (IOError, OSError):
        return None


def stage(path, data, mode):
    """The new content in a temporary file beside ``path``, with its final mode before it holds
    anything (a key is never readable by others, not even for a moment)."""
    handle, temp = tempfile.mkstemp(prefix='.%s.' % os.path.basename(path), dir=os.path.dirname(path))
    with os.fdopen(handle, 'wb') as out:
        os.fchmod(out.fileno(), int(mode, 8))
        out.write(data)
        out.flush()
        os.fsync(out.fileno())
    return temp


def write_all(changes):
    """All or nothing: every new file is staged first; only when all are written are they renamed
    over the old ones (a certificate never goes in without its key). Raises OSError, nothing changed."""
    staged = []
    try:
        for path, data, mode in changes:
            staged.append((stage(path, data, mode), path))
    except (IOError, OSError) as exc:
        for temp, _path in staged:
            os.unlink(temp)
        raise OSError('writing beside %s failed: %s' % (path, exc))
    for temp, path in staged:
        os.rename(temp, path)


def install(module, path, files, owner=None, group=None, exclusive=False):
    """Write the ``files`` that differ into ``path`` (made 0700 when missing) and set the modes (and
    ``owner``/``group``) of all of them; with ``exclusive``, then remove the NODE_FILES that ``files``
    does not name; in check mode only tell. Returns (directory changed, the names of the files written,
    whose attributes were set, or removed). ``files`` passed bad_entries (each caller checks them with
    its other input, before anything changes). Fails the module, nothing written, when a file cannot be
    written."""

    def attributes(target, mode):
        args = module.load_file_common_arguments(dict(path=target, mode=mode, owner=owner, group=group))
        args['path'] = target  # not followed through a link: the file itself is what is checked
        return args

    directory_changed = not os.path.isdir(path)
    if directory_changed and not module.check_mode:
        os.makedirs(path, 0o700)
    if os.path.isdir(path):
        directory_changed = module.set_fs_attributes_if_different(attributes(path, '0700'), directory_changed)
    changes, names = [], []
    for item in files:
        target = os.path.join(path, item['name'])
        data = to_bytes(item['content'], errors='surrogate_or_strict')
        if current_content(target) != data:
            changes.append((target, data, item['mode']))
            names.append(item['name'])
    if not module.check_mode:
        try:
            write_all(changes)
        except OSError as exc:
            module.fail_json(msg='nothing was changed: %s' % exc, changed_files=[])
    for item in files:
        target = os.path.join(path, item['name'])
        # Owner, group and mode of the files that stay (and the owner of new ones); in check mode
        # only reported.
        if os.path.exists(target) and module.set_fs_attributes_if_different(
                attributes(target, item['mode']), False) and item['name'] not in names:
            names.append(item['name'])
    if exclusive:
        listed = set(item['name'] for item in files)
        stale = [name for name in NODE_FILES if name not in listed and os.path.lexists(os.path.join(path, name))]
        for name in stale:
            if not module.check_mode:
                try:
                    os.unlink(os.path.join(path, name))
                except OSError as exc:
                    module.fail_json(msg='removing %s from %s: %s' % (name, path, exc), changed_files=names)
            names.append(name)
    return directory_changed, names


def remove(check_mode, path):
    """Remove the NODE_FILES in ``path`` (a link as a link), then ``path`` itself where nothing else is
    in it and it is no link (one to a directory stays, with that directory); in check mode only tell.
    Returns (directory removed, the names of the files removed)."""
    if not os.path.isdir(path):
        return False, []
    names = [name for name in NODE_FILES if os.path.lexists(os.path.join(path, name))]
    emptied = not os.path.islink(path) and not [name for name in os.listdir(path) if name not in names]
    if not check_mode:
        for name in names:
            os.unlink(os.path.join(path, name))
        if emptied:
            os.rmdir(path)
    return emptied, names
