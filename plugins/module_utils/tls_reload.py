# -*- coding: utf-8 -*-
# Copyright: dockercluster.swarm contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""Has dockerd loaded the TLS files it is configured with?

dockerd reads its CA, certificate and key once, at start. A file replaced after the daemon
started (a renewed certificate) is not served until the next restart. The check compares the
files' change times (ctime: also moved by a rename into place, unlike mtime by ``cp -p``) with
the start time of the daemon's process, read from ``/proc``: cheap, no network, any Python.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os
import time


def main_pid(show_output):
    """The MainPID from ``systemctl show -p MainPID`` output; None when not running."""
    for line in show_output.splitlines():
        key, sep, value = line.strip().partition('=')
        if sep and key == 'MainPID':
            value = value.strip()
            return int(value) if value.isdigit() and int(value) > 0 else None
    return None


CLOCK_BOOTTIME = getattr(time, 'CLOCK_BOOTTIME', 7)  # the constant is in Python 3.7+, the clock in Linux 2.6.39+


def _seconds_since_boot():
    return time.clock_gettime(CLOCK_BOOTTIME)


def process_start_time(pid, proc='/proc', now=None, since_boot=None):
    """Wall-clock start time (epoch seconds) of a process, None when it cannot be read.

    /proc/PID/stat gives the start in clock ticks since boot. The boot time it is added to is
    now minus the boot clock (CLOCK_BOOTTIME, the clock those ticks count): precise to a tick.
    /proc/stat's btime is only the fallback: it is truncated to the second, which would make a
    daemon restarted within a second of a certificate's install look older than the certificate.
    """
    now, since_boot = now or time.time, since_boot or _seconds_since_boot
    try:
        with open(os.path.join(proc, str(pid), 'stat')) as handle:
            stat = handle.read()
    except (IOError, OSError):
        return None
    # The command name (field 2) is in parentheses and may hold spaces: split after it.
    fields = stat[stat.rfind(')') + 2:].split()
    if len(fields) < 20:
        return None
    started_after_boot = float(fields[19]) / os.sysconf('SC_CLK_TCK')  # field 22 of proc(5): starttime
    try:
        return now() - (since_boot() - started_after_boot)
    except (AttributeError, OSError, ValueError):
        pass
    try:
        with open(os.path.join(proc, 'stat')) as handle:
            boot = [line for line in handle if line.startswith('btime ')]
    except (IOError, OSError):
        return None
    return int(boot[0].split()[1]) + started_after_boot if boot else None


def changed_since(paths, since, stat=None):
    """The paths whose content (ctime or mtime) changed after ``since`` (epoch seconds).

    ``since`` is rounded down to a clock tick, so a file written in the same tick as the start
    could be reported: a margin of a few ticks is still far below any real renewal.
    """
    stat = stat or os.stat
    newer = []
    for path in paths:
        try:
            st = stat(path)
        except (IOError, OSError):
            continue
        if max(st.st_ctime, st.st_mtime) > since + 0.05:
            newer.append(path)
    return newer
