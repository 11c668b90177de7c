"""Has dockerd loaded its TLS files? Start time from /proc, change times of the files."""

import os
import subprocess
import time

import pytest
from ansible_collections.dockercluster.swarm.plugins.module_utils.tls_reload import (
    changed_since,
    main_pid,
    process_start_time,
)


def test_main_pid():
    assert main_pid('MainPID=4242\n') == 4242
    assert main_pid('ExecStart=x\nMainPID=17') == 17
    assert main_pid('MainPID=0\n') is None  # not running
    assert main_pid('') is None
    assert main_pid('MainPID=\n') is None


def fake_proc(tmp_path):
    (tmp_path / '42').mkdir()
    # The command name may hold spaces and parentheses: fields are counted after the last ')'.
    rest = ['S'] + ['0'] * 18 + ['250'] + ['0'] * 10
    (tmp_path / '42' / 'stat').write_text('42 (dock erd)) ' + ' '.join(rest) + '\n')
    (tmp_path / 'stat').write_text('cpu 1 2 3\nbtime 1700000000\nprocesses 9\n')
    return str(tmp_path), 250.0 / os.sysconf('SC_CLK_TCK')


def test_process_start_time_from_a_fake_proc(tmp_path):
    proc, after_boot = fake_proc(tmp_path)
    # Now minus the time since boot is the boot time; the process started after_boot later.
    started = process_start_time(42, proc=proc, now=lambda: 1700001000.5, since_boot=lambda: 1000.25)
    assert started == pytest.approx(1700000000.25 + after_boot)
    assert process_start_time(43, proc=proc) is None


def test_process_start_time_falls_back_to_btime(tmp_path):
    proc, after_boot = fake_proc(tmp_path)

    def no_boot_clock():
        raise OSError(22, 'Invalid argument')
    assert process_start_time(42, proc=proc, since_boot=no_boot_clock) == 1700000000 + after_boot


def test_process_start_time_is_precise_to_a_tick():
    """btime alone is truncated to the second: a process started just now could look up to a second
    older, older than a file written just before it (seen: a restarted dockerd taken for stale)."""
    tick = 1.0 / os.sysconf('SC_CLK_TCK')
    for _attempt in range(3):
        before = time.time()
        child = subprocess.Popen(['sleep', '5'])
        after = time.time()
        try:
            started = process_start_time(child.pid)
        finally:
            child.kill()
            child.wait()
        assert before - 2 * tick - 0.01 <= started <= after + 0.01


def test_changed_since(tmp_path):
    old, new = tmp_path / 'old.pem', tmp_path / 'new.pem'
    old.write_text('a')
    new.write_text('b')
    now = time.time()
    os.utime(str(old), (now - 100, now - 100))
    # ctime cannot be set back; a fake stat stands in for a file untouched since long ago.

    class St(object):
        def __init__(self, t):
            self.st_ctime = self.st_mtime = t

    times = {str(old): St(now - 100), str(new): St(now)}
    assert changed_since([str(old), str(new), str(tmp_path / 'gone')], now - 10,
                         stat=lambda p: times[p] if p in times else os.stat(p)) == [str(new)]
    # Real files written just now are newer than a start time in the past, older than one to come.
    assert changed_since([str(new)], now - 10) == [str(new)]
    assert changed_since([str(new)], now + 10) == []
