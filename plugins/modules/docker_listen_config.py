#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: dockercluster.swarm contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
---
module: docker_listen_config
short_description: Make dockerd listen on TCP (and unix sockets), restart it, verify, roll back
version_added: 0.1.0
description:
  - Sets the addresses the Docker daemon listens on, in the place the host's packaging reads
    them from, restarts the daemon and checks that C(/_ping) answers on every address.
  - C(sysconfig) (CentOS 7 C(docker) package) edits C(OPTIONS) in C(/etc/sysconfig/docker);
    C(default_env) (Debian C(docker.io)) edits C(DOCKER_OPTS) in C(/etc/default/docker);
    C(systemd_dropin) (docker-ce, a unit without such a file) writes a systemd drop-in that runs the
    unit's own command with the C(-H) and TLS flags added, and leaves C(/etc/docker/daemon.json) to
    its owner (a tool that rewrites it as a whole does not undo this module, nor this module it).
    The drop-in names the unit's C(ExecStart) it was derived from and is derived again when that
    changes (a Docker package upgrade).
    C(daemon_json), only when asked for, sets C(hosts) in C(/etc/docker/daemon.json) and writes a
    drop-in that removes the unit's own C(-H fd://), without which dockerd refuses to start.
  - Only the value of the one variable (or the keys named here) changes; comments, other
    variables, other flags and their quoting are kept byte for byte.
  - A C(-H) is recognised as managed by this module when its address is in O(listen), or it is one
    this module added before (O(record_path)); a changed port closes the old one, and a C(-H) the
    user wrote stays. TLS flags/keys are managed when O(tls=true) or plain TCP is allowed. State
    V(absent) removes just those; a file in which nothing else changed since the first write gets
    back its content from before, byte for byte.
  - If writing a file, C(daemon-reload), the restart or the check fails, every file is restored from
    its backup, the O(tls_files) this run wrote included (kept in memory, never in a backup file), and,
    when dockerd was restarted, it is restarted with the old configuration; the task fails, with
    dockerd's own error from the journal after a restart.
  - Needs systemd (C(systemctl), C(journalctl)). Does not need the Docker SDK for Python.
author:
  - dockercluster.swarm maintainers (@dockercluster)
attributes:
  check_mode:
    support: full
    description: Reports the files that would change (with C(--diff), the lines that would change); writes nothing.
  diff_mode:
    support: full
    description:
      - Returns before/after of what it edits in every file that changes, only with C(--diff), and never
        whole files, which can hold credentials (C(http_proxy=http://user:password@...)).
      - The changed lines of an env file (the assignment), the C(hosts) and TLS keys of daemon.json, the whole
        drop-in (all of it written by this module).
options:
  listen:
    description:
      - Addresses dockerd should listen on.
      - V(unix:///path), V(tcp://host:port) (IPv4, V([IPv6]) or host name; port 1-65535) or V(fd://).
      - An IPv6 zone ID (V(tcp://[fe80::1%eth0]:2376)) is accepted on a link-local address (C(fe80::/10))
        only, and only as an interface name or index (1-15 letters, digits, C(_), C(.), C(-)). A zoned
        address is therefore never loopback, so plain TCP on it needs O(allow_insecure_tcp).
      - With C(default_env) the unit already passes C(-H fd://) and docker.socket provides
        C(/var/run/docker.sock); that socket is then reported in RV(provided_by_unit) rather than
        written twice.
    type: list
    elements: str
    default: ['unix:///var/run/docker.sock', 'tcp://0.0.0.0:2375']
  method:
    description:
      - Where the addresses are written. V(auto) reads the unit with C(systemctl show) and picks
        V(sysconfig) when C(EnvironmentFile) is O(sysconfig_path) and C(ExecStart) uses C($OPTIONS),
        V(default_env) when it is O(default_env_path) and C(ExecStart) uses C($DOCKER_OPTS),
        else V(systemd_dropin).
    type: str
    choices: [auto, sysconfig, default_env, systemd_dropin, daemon_json]
    default: auto
  state:
    description:
      - V(present) makes dockerd listen on O(listen).
      - V(absent) removes the O(listen) addresses and the TLS settings this module writes (and,
        for C(daemon_json), the C(hosts) key and the drop-in), leaving everything else.
    type: str
    choices: [present, absent]
    default: present
  allow_insecure_tcp:
    description:
      - Permit plain (unauthenticated) TCP on a non-loopback address, which gives root on the host
        to anyone who can reach the port. The module then warns at every run.
      - 'When V(true) and O(tls=false), C(--tls=false) (C("tls": false) in daemon.json) is written
        explicitly; without it Docker 20.10-26 sleep 15 s at every start and Docker 27+ refuse to start.'
    type: bool
    default: false
  tls:
    description:
      - Serve TCP with TLS and require client certificates (C(--tlsverify)).
      - Needs O(tls_ca_cert), O(tls_cert) and O(tls_key).
    type: bool
    default: false
  tls_ca_cert:
    description: CA certificate on the managed host (C(--tlscacert)); must exist and be readable.
    type: path
  tls_cert:
    description: Server certificate on the managed host (C(--tlscert)); must exist and be readable.
    type: path
  tls_key:
    description: Server private key on the managed host (C(--tlskey)); must exist and be readable.
    type: path
  tls_files_pending:
    description:
      - The TLS files are installed by an earlier task of the same run, which check mode skipped. In
        check mode, a missing O(tls_ca_cert), O(tls_cert) or O(tls_key) is then a warning instead of a
        failure, and the plan is made as if it were there. No effect outside check mode.
      - The docker_listen role sets it in check mode runs (C(--check)).
    type: bool
    default: false
  tls_files:
    description:
      - TLS files to write into O(tls_files_dir) first, in this same run (CA, server certificate and key,
        a manager's client certificate), where their content or mode differs; only with O(state=present).
        Every other input is checked before they are written. With O(tls_cert), O(tls_key) or
        O(tls_ca_cert) among them they need not exist before, and their change restarts dockerd as
        O(restart_on_tls_change) says (in check mode too, where nothing is written).
      - The docker_pki role hands a host's files over here when this module changes the host's listener
        anyway (one trip instead of two). Contents are never logged or returned.
      - The collection's TLS files that O(tls_files) does not name are removed from O(tls_files_dir), as
        M(dockercluster.swarm.docker_tls_files) does with O(dockercluster.swarm.docker_tls_files#module:exclusive=true)
        (a host that is no longer a manager loses the managers' client key); a rollback puts them back.
    type: list
    elements: dict
    suboptions:
      name:
        description: The file's name inside O(tls_files_dir) (no directory part).
        type: str
        required: true
      content:
        description: The file's whole content. Never logged or returned.
        type: str
        required: true
      mode:
        description:
          - The file's permissions, an octal string (V('0600')); a number is the mode itself, as
            M(ansible.builtin.file) takes it (an unquoted YAML C(0600)).
        type: raw
        default: '0644'
  tls_files_dir:
    description:
      - The directory O(tls_files) go into (made with mode 0700 when missing). Default the directory of O(tls_cert).
    type: path
  restart:
    description:
      - Restart the service when a file changed and verify the endpoints, rolling back on failure.
      - With V(false) the files are written and the new settings apply at the next restart.
    type: bool
    default: true
  restart_on_tls_change:
    description:
      - With O(tls=true) and O(restart=true), also restart the service (same restart, check and
        rollback) when O(tls_ca_cert), O(tls_cert) or O(tls_key) changed after dockerd started,
        e.g. a renewed certificate (dockerd reads them only at start).
      - Compares the files' change times with the start time of the service's main process.
    type: bool
    default: true
  restart_timeout:
    description: Seconds to wait after the restart for C(/_ping) to answer on every address.
    type: int
    default: 60
  service:
    description:
      - The systemd service running dockerd. The env files and the drop-in are named after it where not given
        (C(docker-latest) on CentOS 7 reads C(/etc/sysconfig/docker-latest)).
    type: str
    default: docker
  sysconfig_path:
    description: The env file of the C(sysconfig) method; C(/etc/sysconfig/<service>) when not given.
    type: path
  default_env_path:
    description: The env file of the C(default_env) method; C(/etc/default/<service>) when not given.
    type: path
  daemon_json_path:
    description: The daemon configuration file of the C(daemon_json) method.
    type: path
    default: /etc/docker/daemon.json
  dropin_path:
    description:
      - The systemd drop-in written by the C(systemd_dropin) and C(daemon_json) methods;
        C(/etc/systemd/system/<service>.service.d/10-dockercluster-listen.conf) when not given.
    type: path
  record_path:
    description:
      - The record, on the host, of the C(-H) this module added to each file and of each file's content
        before its first write (mode 0600, no backup copies). State V(absent) removes it.
    type: path
    default: /var/lib/dockercluster/listen-record.json
notes:
  - Every file changed is first backed up next to itself (C(<file>.<pid>.<date>@<time>~)).
  - A file that is a symlink (a shared C(daemon.json), say) is written through to its target, which keeps
    its mode and owner; the symlink stays. A new file is created with mode 0644.
  - Order of C(-H) flags does not matter to dockerd; if the managed flags are already there in
    another order, nothing is changed.
  - Refused before any change, as dockerd would not start again after the restart, a C(daemon.json) that is
    not valid JSON, or that sets C(hosts) (or TLS keys next to the TLS flags) with a method that passes C(-H);
    with C(systemd_dropin), a drop-in read after O(dropin_path) (file-name order) that sets C(ExecStart).
seealso:
  - name: Configure remote access for Docker daemon
    description: Docker's own documentation of the daemon.json and systemd drop-in approaches.
    link: https://docs.docker.com/engine/daemon/remote-access/
'''

EXAMPLES = r'''
- name: Listen on the unix socket and plain TCP 2375, as in the guide (trusted network only)
  dockercluster.swarm.docker_listen_config:
    listen:
      - unix:///var/run/docker.sock
      - tcp://0.0.0.0:2375
    allow_insecure_tcp: true

- name: Listen with TLS and client certificates on 2376
  dockercluster.swarm.docker_listen_config:
    listen:
      - unix:///var/run/docker.sock
      - tcp://0.0.0.0:2376
    tls: true
    tls_ca_cert: /etc/docker/certs/ca.pem
    tls_cert: /etc/docker/certs/server-cert.pem
    tls_key: /etc/docker/certs/server-key.pem

- name: Preview the change without touching the host
  dockercluster.swarm.docker_listen_config:
    allow_insecure_tcp: true
  check_mode: true
  diff: true

# present adds addresses; absent removes those given, where this module wrote them (method).
- name: Back to the packaged defaults
  dockercluster.swarm.docker_listen_config:
    listen: [unix:///var/run/docker.sock, tcp://0.0.0.0:2375, tcp://0.0.0.0:2376]
    state: absent

# With no -H left in the unit's options (dockerd refuses hosts both as flags and in daemon.json).
- name: Only loopback TCP, written into daemon.json whatever the packaging
  dockercluster.swarm.docker_listen_config:
    listen: [unix:///var/run/docker.sock, tcp://127.0.0.1:2375]
    method: daemon_json
'''

RETURN = r'''
method:
  description: The method used (after auto-detection).
  returned: always
  type: str
  sample: sysconfig
listen:
  description: The addresses managed, without duplicates.
  returned: always
  type: list
  elements: str
  sample: [unix:///var/run/docker.sock, tcp://0.0.0.0:2375]
provided_by_unit:
  description: Addresses the unit's C(ExecStart) already provides (e.g. through C(-H fd://)), not written again.
  returned: always
  type: list
  elements: str
  sample: [unix:///var/run/docker.sock]
files:
  description: Files changed (or that would change in check mode).
  returned: always
  type: list
  elements: str
  sample: [/etc/sysconfig/docker]
backups:
  description: Backup copies made before writing; files that did not exist have none.
  returned: always
  type: list
  elements: str
  sample: ['/etc/sysconfig/docker.2471.2024-05-01@10:11:12~']
endpoints_checked:
  description: Addresses where C(/_ping) answered after the restart.
  returned: always
  type: list
  elements: str
  sample: [unix:///var/run/docker.sock, tcp://0.0.0.0:2375]
tls_changed:
  description: TLS files changed since dockerd started (the reason for a restart when no other file changed).
  returned: always
  type: list
  elements: str
  sample: [/etc/docker/certs/server-cert.pem]
tls_files_changed:
  description: The names of the O(tls_files) written or whose mode or owner was set (in check mode, that would be).
  returned: always
  type: list
  elements: str
  sample: [ca.pem, server-cert.pem, server-key.pem]
restart_planned:
  description:
    - Whether this run restarts the service (in check mode, would restart it), that is, a file changes, or with
      O(restart_on_tls_change) a TLS file changed since dockerd started, and O(restart) is true.
  returned: always
  type: bool
  sample: true
containers_lost:
  description:
    - The running containers the restart stops (in check mode, would stop) for good, each with what happens to
      it, as also warned; swarm tasks (the swarm starts them again) and containers whose restart policy is
      C(always) or C(unless-stopped) are not among them. Empty with live-restore, without a restart, or when
      the engine does not answer on its unix socket before the restart.
  returned: always
  type: list
  elements: str
  sample: ["web: left stopped (restart policy no)", "job: removed (--rm)"]
record_changed:
  description: Whether the record (O(record_path)) changed, or would change in check mode.
  returned: always
  type: bool
  sample: true
restarted:
  description: Whether the service was restarted.
  returned: always
  type: bool
  sample: true
diff:
  description:
    - Before and after of what changes in each changed file (Ansible's list form), as the diff_mode attribute says;
      not the rest of the files. A failure's result has none.
  returned: in diff mode (C(--diff))
  type: list
  elements: dict
  sample:
    - before_header: /etc/sysconfig/docker
      after_header: /etc/sysconfig/docker
      before: "OPTIONS='--selinux-enabled'\n"
      after: "OPTIONS='--selinux-enabled -H unix:///var/run/docker.sock -H tcp://0.0.0.0:2375 --tls=false'\n"
journal:
  description: On a failed restart, dockerd's journal lines, the most telling first.
  returned: failure
  type: list
  elements: str
rollback:
  description: On a failed restart, what the rollback did.
  returned: failure
  type: dict
  sample: {restored: [/etc/sysconfig/docker], removed: [], errors: [], restarted: true, socket: 'unix:///var/run/docker.sock: OK'}
'''

import os
import stat
import time
from contextlib import contextmanager

from ansible.module_utils.basic import AnsibleModule
from ansible.module_utils.common.text.converters import to_bytes, to_native
from ansible_collections.dockercluster.swarm.plugins.module_utils import docker_ping
from ansible_collections.dockercluster.swarm.plugins.module_utils.atomic_write import atomic_write, selinux_setter
from ansible_collections.dockercluster.swarm.plugins.module_utils.listen_config import (
    DEFAULT_SOCKET,
    parse_address,
    pick_error_lines,
)
from ansible_collections.dockercluster.swarm.plugins.module_utils.listen_plan import (
    LISTEN_ARGUMENT_SPEC,
    LISTEN_REQUIRED_IF,
    ListenPlanner,
)
from ansible_collections.dockercluster.swarm.plugins.module_utils.port_holders import port_holders
from ansible_collections.dockercluster.swarm.plugins.module_utils.restart_losses import lost_warning, read_lost_by_restart
from ansible_collections.dockercluster.swarm.plugins.module_utils.tls_files import (
    FILES_OPTION,
    NODE_FILES,
    bad_entries,
    install,
    write_all,
)


class ModuleFailure(Exception):
    """fail_json called by one of Ansible's helpers while the files are being changed."""


def tls_snapshot(path):
    """A TLS file before this run writes it: None (missing), ('link', target) or ('file', bytes, mode,
    uid, gid). Raises OSError when it exists but cannot be read: nothing is written then."""
    if not os.path.lexists(path):
        return None
    if os.path.islink(path):
        return ('link', os.readlink(path))
    st = os.stat(path)
    with open(path, 'rb') as handle:
        return ('file', handle.read(), '%o' % stat.S_IMODE(st.st_mode), st.st_uid, st.st_gid)


class DockerListenConfig(ListenPlanner):
    """Applies the plan: backs up, writes, restarts, checks /_ping, rolls back on failure."""

    def __init__(self, module):
        super(DockerListenConfig, self).__init__(module)
        self.created_dirs = []
        self.result.update(files=[], backups=[], endpoints_checked=[], tls_changed=[], tls_files_changed=[],
                           restarted=False, restart_planned=False, record_changed=False, containers_lost=[])
        self.restart_attempted = False
        # The paths of the handed-over TLS files (tls_files), and of those this run writes (or would).
        self.tls_dir = self.params['tls_files_dir'] or os.path.dirname(self.params['tls_cert'] or '')
        # Paths are compared normalised: /etc/docker/certs/ with /etc/docker/certs//ca.pem is the same file.
        self.tls_dir = os.path.normpath(self.tls_dir) if self.tls_dir else ''
        self.tls_handed, self.tls_written, self.tls_dir_changed = set(), [], False
        # What the handed-over files held before this run wrote them (path -> (bytes or None, mode)), for a
        # rollback: dockerd restarted with its old configuration must find its old certificates too.
        self.tls_before, self.tls_dir_made = {}, False
        if self.params['tls_files'] and self.params['state'] != 'present':
            self.fail('tls_files: only with state=present (state=absent writes no TLS file)')
        if self.params['tls_files']:
            problems = bad_entries(self.params['tls_files']) + ([] if self.tls_dir else ['no tls_files_dir nor tls_cert'])
            if problems:
                self.fail('tls_files: ' + '; '.join(problems))
            self.tls_handed = set(os.path.join(self.tls_dir, f['name']) for f in self.params['tls_files'])

    def ping_tls(self):
        if self.params['state'] != 'present' or not self.params['tls']:
            return None
        return {'ca_cert': self.params['tls_ca_cert'], 'cert': self.params['tls_cert'],
                'key': self.params['tls_key']}

    def present(self):
        self.warn_insecure()
        changes, _left = self.plan('present')
        if any(c.changed for c in changes):
            self.check_ports_free()
        self.install_tls_files()
        endpoints = [a for a in self.listen if parse_address(a).scheme != 'fd']
        self.result['tls_changed'] = self.tls_changed()
        self.converge(changes, endpoints)
        if self.result['tls_files_changed'] or self.tls_dir_changed:
            self.result['changed'] = True
            if self.module._diff and self.result['tls_files_changed']:
                # Names only: the contents include private keys.
                self.result.setdefault('diff', []).append(dict(
                    before='', after=''.join(n + '\n' for n in self.result['tls_files_changed']),
                    after_header='%s (TLS files written)' % self.tls_dir))

    def tls_file_missing(self, path):
        # A handed-over file is written by this run, after every input check.
        return os.path.normpath(path) not in self.tls_handed and super(DockerListenConfig, self).tls_file_missing(path)

    def install_tls_files(self):
        """The handed-over TLS files, written after every check and before any file of dockerd's."""
        if not self.tls_handed:
            return
        self.tls_dir_made = not os.path.isdir(self.tls_dir)
        # The collection's other TLS files there go (exclusive): a host no longer a manager keeps no client key.
        for path in sorted(self.tls_handed | set(os.path.join(self.tls_dir, name) for name in NODE_FILES)):
            try:
                self.tls_before[path] = tls_snapshot(path)
            except (IOError, OSError) as exc:
                self.fail('tls_files: %s cannot be read before it is replaced (nothing was changed): %s'
                          % (path, to_native(exc)))
        # root's, as docker_pki's own install makes them: dockerd reads them as root.
        self.tls_dir_changed, names = install(self.module, self.tls_dir, self.params['tls_files'], 'root', 'root',
                                              exclusive=True)
        self.result['tls_files_changed'] = names
        self.tls_written = [os.path.join(self.tls_dir, name) for name in names]

    def tls_changed(self):
        changed = super(DockerListenConfig, self).tls_changed()
        if self.module.check_mode and self.params['tls'] and self.params['restart'] \
                and self.params['restart_on_tls_change']:
            # Not written in check mode: a server file that would be counts as changed since the start.
            changed += [p for p in self.tls_paths() if os.path.normpath(p) in self.tls_written and p not in changed]
        return changed

    def check_ports_free(self):
        # A port held by another program makes dockerd refuse to start: say so before touching
        # anything. Ports dockerd itself (or its socket unit, pid 1) holds are fine.
        rc, out, _err = self.systemctl('show', self.service, '-p', 'MainPID')
        main_pid = out.strip().partition('=')[2] if rc == 0 else ''
        ours = set([int(main_pid)] if main_pid.isdigit() else []) | set([1])
        for addr in self.listen:
            parsed = parse_address(addr)
            if parsed.scheme != 'tcp':
                continue
            others = dict((pid, name) for pid, name in port_holders(parsed.port).items() if pid not in ours)
            if others:
                self.fail('%s: port %s is already in use by %s; dockerd could not listen there. Free the '
                          'port or choose another one.' % (addr, parsed.port, ', '.join(
                              '%s (pid %s)' % (name, pid) for pid, name in sorted(others.items()))))

    def absent(self):
        changes, left = self.plan('absent')
        # What answers afterwards: the unix sockets still configured, else dockerd's default
        # (which is also what -H fd:// gets from docker.socket).
        left = [DEFAULT_SOCKET if h.startswith('fd://') else h for h in left]
        endpoints = [h for h in left if h.startswith('unix://')] or ([] if left else [DEFAULT_SOCKET])
        self.converge(changes, sorted(set(endpoints), key=endpoints.index))

    def run(self):
        self.validate()
        self.read_unit()
        {'present': self.present, 'absent': self.absent}[self.params['state']]()
        self.module.exit_json(**self.result)

    # -- applying --------------------------------------------------------------------------

    def converge(self, changes, endpoints):
        changes = [c for c in changes if c.changed]
        # The record alone changing (no file of dockerd's) restarts nothing.
        config = [c for c in changes if c.shown != 'record']
        reload_tls = bool(self.result['tls_changed'])
        self.result['changed'] = bool(changes) or reload_tls
        # What the docker_listen role drains a swarm node for (it asks in check mode first).
        self.result['restart_planned'] = bool(config or reload_tls) and self.params['restart']
        if self.result['restart_planned']:
            self.warn_lost_containers(endpoints)
        self.result['files'] = [c.path for c in config]
        self.result['record_changed'] = len(config) < len(changes)
        if self.module._diff:
            # Only with --diff, and only the lines (daemon.json: the keys) this module edits.
            self.result['diff'] = [c.diff() for c in config]
        if self.module.check_mode:
            return
        if not changes and not reload_tls:
            self.warn_if_silent(endpoints)
            return
        try:
            with self.failures_raise():
                for change in changes:
                    if change.before is not None:
                        st = os.stat(change.path)
                        change.stat = (st.st_mode & 0o7777, st.st_uid, st.st_gid)
                        if change.shown != 'record':
                            change.backup = self.module.backup_local(change.path)
                            self.result['backups'].append(change.backup)
        except Exception as exc:  # noqa: BLE001 - none of dockerd's files is written yet
            self.rollback([], 'backing up the files failed: %s' % to_native(exc), restarted=False)
        # From the first write on, every failure rolls back: Ansible's helpers that call fail_json
        # (SELinux labels, run_command) raise here instead of ending the module.
        try:
            with self.failures_raise():
                error = self.apply(changes, endpoints, restart=bool(config or reload_tls))
        except Exception as exc:  # noqa: BLE001 - whatever it was, the old files go back
            error = 'applying the change failed: %s' % to_native(exc)
        if error:
            self.rollback(changes, error, restarted=self.restart_attempted)

    def apply(self, changes, endpoints, restart=True):
        """Write, reload, restart and check; the reason to roll back, or None."""
        for change in changes:
            try:
                self.write(change)
            except Exception as exc:  # noqa: BLE001 - OSError, or a helper's failure
                return 'writing %s failed: %s' % (change.path, to_native(exc))
        self.remove_empty_dirs(changes)
        if self.params['dropin_path'] in self.result['files']:
            rc, out, err = self.systemctl('daemon-reload')
            if rc != 0:
                return 'systemctl daemon-reload failed: %s' % (err or out).strip()
        if not restart:
            return None
        if not self.params['restart']:
            self.module.warn('%s changed; the new listen addresses apply when %s restarts (restart: false)'
                             % (', '.join(self.result['files']), self.service))
            return None
        return self.restart_and_wait(endpoints)

    def remove_empty_dirs(self, changes):
        # The drop-in's and the record's directories, made by this module, go with the last file in them.
        for change in changes:
            if change.after is None and change.path in (self.params['dropin_path'], self.params['record_path']):
                try:
                    os.rmdir(os.path.dirname(change.path))
                except OSError:
                    pass  # not empty: not ours alone

    @contextmanager
    def failures_raise(self):
        """Within the block, the module's fail_json raises ModuleFailure instead of exiting."""
        module = self.module
        had = 'fail_json' in vars(module)
        previous = vars(module).get('fail_json')

        def fail_json(msg=None, **_kwargs):
            raise ModuleFailure(msg or 'failed')
        module.fail_json = fail_json
        try:
            yield
        finally:
            if had:
                module.fail_json = previous
            else:
                del module.fail_json

    def warn_lost_containers(self, endpoints):
        # Asked of the running dockerd on its unix socket: the wanted one, or docker's default.
        sockets = [parse_address(a).path for a in endpoints + [DEFAULT_SOCKET] if parse_address(a).scheme == 'unix']
        lost = read_lost_by_restart(next((p for p in sockets if os.path.exists(p)), sockets[-1])) or []
        self.result['containers_lost'] = ['%s: %s' % item for item in lost]
        if lost:
            self.module.warn(lost_warning(self.service, lost, self.module.check_mode))

    def warn_if_silent(self, endpoints):
        # Files already right but dockerd not answering usually means an earlier run with
        # restart: false; say so rather than restart behind the user's back.
        if not self.params['restart']:
            return
        silent = []
        for addr in endpoints:
            ok, detail = docker_ping.ping(addr, timeout=3, tls=self.ping_tls())
            if not ok:
                silent.append(detail)
        if silent:
            self.module.warn('the configuration is in place but dockerd does not answer on %s; '
                             'restart %s to apply it' % ('; '.join(silent), self.service))

    def write(self, change):
        if change.after is None:
            if os.path.lexists(change.path):
                os.remove(change.path)
            return
        directory = os.path.dirname(change.path)
        missing = []
        while directory and not os.path.isdir(directory):
            missing.append(directory)
            directory = os.path.dirname(directory)
        for directory in reversed(missing):
            os.mkdir(directory, 0o755)
            self.created_dirs.append(directory)
        self.replace(change.path, to_bytes(change.after, errors='surrogate_or_strict'), new_mode=change.new_mode)

    def replace(self, path, data, stat=None, new_mode=0o644):
        """Atomic write that raises on failure (no fail_json: the caller rolls back).

        A symlink (a shared daemon.json, say) is written through: its target is replaced and the link
        stays. Mode and owner of the existing file (or ``stat``, a backup's), else 0644; its SELinux
        context.
        """
        target = os.path.realpath(path)
        if stat is None and os.path.exists(target):
            st = os.stat(target)
            stat = (st.st_mode & 0o7777, st.st_uid, st.st_gid)
        with self.failures_raise():
            set_context = selinux_setter(self.module, target)
            atomic_write(target, data, stat[0] if stat else new_mode, stat[1:] if stat else None, set_context)

    def restart_and_wait(self, endpoints):
        # The journal is read from here on, so that older errors are not blamed on this change.
        self.restart_started = time.strftime('%Y-%m-%d %H:%M:%S', time.localtime(time.time() - 1))
        self.restart_attempted = True
        # docker.service allows 3 starts a minute (StartLimitBurst=3): two runs within a minute that
        # change the listener and then the certificates would be refused with "start request
        # repeated too quickly". These restarts are ours, not a crash loop (a dockerd that does
        # not come up is caught below and rolled back), so the count starts afresh.
        self.systemctl('reset-failed', self.service)
        rc, out, err = self.restart_service()
        self.result['restarted'] = True
        if rc != 0:
            return 'systemctl restart %s failed: %s' % (self.service, (err or out).strip())
        answered, details = self.wait(endpoints)
        self.result['endpoints_checked'] = answered
        if len(answered) < len(endpoints):
            silent = [details[a] for a in endpoints if a not in answered and a in details]
            if 'abort' in details:
                silent.insert(0, details['abort'])
            return 'dockerd did not answer /_ping on every address within %ss: %s' % (
                self.params['restart_timeout'], '; '.join(silent))
        return None

    def restart_service(self):
        # The daemon_json method's drop-in added or removed: dockerd was (or is to be) started without
        # -H fd:// and made /var/run/docker.sock itself, and deletes it when it stops, under
        # docker.socket's feet. Stopped first, the socket unit is restarted (it makes the file again)
        # before dockerd starts; without it a return to -H fd:// waited for a socket that was gone.
        if self.method == 'daemon_json' and self.params['dropin_path'] in self.result['files']:
            self.systemctl('stop', self.service)
            self.systemctl('restart', self.service + '.socket')  # none there: nothing to do
        return self.systemctl('restart', self.service)

    def wait(self, endpoints):
        def unit_failed():
            # No point waiting out restart_timeout for a daemon systemd already gave up on.
            _rc, out, _err = self.systemctl('is-active', self.service)
            state = out.strip()
            if state in ('failed', 'inactive'):
                return 'systemd reports %s %s' % (self.service, state)
            return None

        return docker_ping.wait_for(endpoints, self.params['restart_timeout'], tls=self.ping_tls(), abort=unit_failed)

    # -- rolling back ------------------------------------------------------------------------

    def journal(self):
        since = getattr(self, 'restart_started', None)
        command = ['journalctl', '-u', self.service, '-n', '30', '--no-pager']
        rc, out, _err = self.module.run_command(command + (['--since', since] if since else []))
        if rc != 0 or not out.strip():
            rc, out, _err = self.systemctl('status', self.service, '--no-pager', '-l')
        return pick_error_lines(out, limit=30)

    def rollback(self, changes, reason, restarted):
        journal = self.journal() if restarted else []
        report = {'restored': [], 'removed': [], 'errors': [], 'restarted': False, 'socket': None}
        for change in reversed(changes):
            try:
                self.restore(change)
                report['removed' if change.before is None else 'restored'].append(change.path)
            except Exception as exc:  # noqa: BLE001 - report it and restore the others
                report['errors'].append('%s: %s' % (change.path, to_native(exc)))
        if not self.module.check_mode:
            self.restore_tls_files(report)
        for directory in reversed(self.created_dirs):
            try:
                os.rmdir(directory)
            except OSError:
                pass
        if any(c.path == self.params['dropin_path'] for c in changes):
            self.systemctl('daemon-reload')
        if restarted:
            # A unit with Restart=always may have hit its start limit while failing; without
            # reset-failed systemd would refuse the restart with the old files as well.
            self.systemctl('reset-failed', self.service)
            rc, out, err = self.restart_service()
            report['restarted'] = rc == 0
            if rc == 0:
                _answered, details = self.wait([DEFAULT_SOCKET])
                report['socket'] = details.get(DEFAULT_SOCKET)
            else:
                report['errors'].append('restart with the old files failed: %s' % (err or out).strip())
        if changes or self.tls_written:
            msg = '%s. The previous files were restored%s.' % (
                reason, ' and %s restarted' % self.service if report['restarted'] else '')
        elif not restarted:
            msg = '%s. Nothing was changed.' % reason
        else:
            # Only the TLS files (not ours to restore) had changed.
            msg = '%s (restarted to load the changed %s). %s.' % (
                reason, ', '.join(self.result['tls_changed']),
                '%s restarted again' % self.service if report['restarted'] else 'The restart failed again')
        if restarted:
            msg += ' dockerd said: %s' % (' | '.join(journal[:5]) if journal else 'nothing in the journal')
        if report['errors']:
            msg += ' ROLLBACK PROBLEMS: %s' % '; '.join(report['errors'])
        self.fail(msg, journal=journal, rollback=report)

    def restore_tls_files(self, report):
        """The handed-over TLS files this run wrote back as they were: content, mode and owner, or the
        link; those it made removed, with the directory it made."""
        for path in self.tls_written:
            before = self.tls_before.get(path)
            try:
                if before is None:
                    os.remove(path)
                    report['removed'].append(path)
                    continue
                if before[0] == 'link':
                    if os.path.lexists(path):
                        os.remove(path)
                    os.symlink(before[1], path)
                else:
                    _kind, data, mode, uid, gid = before
                    write_all([(path, data, mode)])
                    os.chown(path, uid, gid)
                report['restored'].append(path)
            except (IOError, OSError) as exc:
                report['errors'].append('%s: %s' % (path, to_native(exc)))
        if self.tls_dir_made:
            try:
                os.rmdir(self.tls_dir)
            except OSError:
                pass  # not empty: a file not ours is in it
        if not report['errors']:
            self.result['tls_files_changed'] = []

    def restore(self, change):
        if change.before is None:
            if os.path.lexists(change.path):
                os.remove(change.path)
            return
        if not os.path.isdir(os.path.dirname(change.path)):
            os.makedirs(os.path.dirname(change.path), 0o755)  # removed as empty (remove_empty_dirs)
        if change.backup and os.path.exists(change.backup):
            with open(change.backup, 'rb') as handle:
                data = handle.read()
        else:
            data = to_bytes(change.before, errors='surrogate_or_strict')
        self.replace(change.path, data, change.stat)


def main():
    module = AnsibleModule(
        argument_spec=dict(LISTEN_ARGUMENT_SPEC, tls_files=FILES_OPTION, tls_files_dir=dict(type='path')),
        required_if=LISTEN_REQUIRED_IF,
        supports_check_mode=True,
    )
    DockerListenConfig(module).run()


if __name__ == '__main__':
    main()
