# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Which processes listen on a TCP port, read from /proc (no extra tools on the host).

Used before dockerd is told to listen somewhere: if another program already holds the port,
dockerd would refuse to start, so the module fails first and names the port and the program.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os

TCP_LISTEN = '0A'


def listening_inodes(port, proc='/proc'):
    """Socket inodes in LISTEN state on `port` (IPv4 and IPv6, any local address)."""
    inodes = set()
    for table in ('net/tcp', 'net/tcp6'):
        try:
            with open(os.path.join(proc, table)) as f:
                lines = f.readlines()[1:]
        except (IOError, OSError):
            continue
        for line in lines:
            fields = line.split()
            if len(fields) < 10 or fields[3] != TCP_LISTEN:
                continue
            local_port = int(fields[1].rsplit(':', 1)[1], 16)
            if local_port == port:
                inodes.add(fields[9])
    return inodes


def port_holders(port, proc='/proc'):
    """{pid: command name} of the processes holding a listening socket on `port`."""
    inodes = listening_inodes(port, proc)
    holders = {}
    if not inodes:
        return holders
    wanted = set('socket:[%s]' % inode for inode in inodes)
    for entry in os.listdir(proc):
        if not entry.isdigit():
            continue
        fd_dir = os.path.join(proc, entry, 'fd')
        try:
            fds = os.listdir(fd_dir)
        except (IOError, OSError):
            continue
        for fd in fds:
            try:
                if os.readlink(os.path.join(fd_dir, fd)) in wanted:
                    holders[int(entry)] = command_name(entry, proc)
                    break
            except (IOError, OSError):
                continue
    return holders


def command_name(pid, proc='/proc'):
    try:
        with open(os.path.join(proc, str(pid), 'comm')) as f:
            return f.read().strip()
    except (IOError, OSError):
        return '?'
