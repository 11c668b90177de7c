# -*- coding: utf-8 -*-
# Copyright: dockercluster.swarm contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""What docker_listen_config would change on a host, worked out without writing anything.

docker_listen_config applies the plan (and restarts, checks, rolls back); docker_host_info returns
its summary (no file contents: they can hold proxy credentials) so that the docker_listen role learns
in the one read per host which hosts need a new listen configuration, instead of a second trip.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import os
import re

from ansible.module_utils.common.text.converters import to_native, to_text
from ansible_collections.dockercluster.swarm.plugins.module_utils.listen_config import (
    ENV_VARIABLES,
    TLS_KEYS,
    build_dropin,
    build_flags_dropin,
    changed_lines,
    daemon_json_managed,
    detect_method,
    dropin_derived_from,
    exec_start_hosts,
    find_assignments,
    get_env_value,
    has_tls_flags,
    host_flags,
    is_plain_tcp_non_loopback,
    load_daemon_json,
    main_command,
    merge_daemon_json,
    normalize_host,
    parse_unit_show,
    split_unit_provided,
    tls_flag_words,
    tls_flags,
    tls_settings,
    unit_file_exec_start,
    update_env_file,
    validate_listen,
)
from ansible_collections.dockercluster.swarm.plugins.module_utils.tls_reload import (
    changed_since,
    main_pid,
    process_start_time,
)

# docker_listen_config's options; docker_host_info checks its listen_plan option against them.
LISTEN_ARGUMENT_SPEC = dict(
    listen=dict(type='list', elements='str', default=['unix:///var/run/docker.sock', 'tcp://0.0.0.0:2375']),
    method=dict(type='str', default='auto', choices=['auto', 'sysconfig', 'default_env', 'systemd_dropin',
                                                     'daemon_json']),
    state=dict(type='str', default='present', choices=['present', 'absent']),
    allow_insecure_tcp=dict(type='bool', default=False),
    tls=dict(type='bool', default=False),
    tls_ca_cert=dict(type='path'),
    tls_cert=dict(type='path'),
    tls_key=dict(type='path', no_log=False),
    tls_files_pending=dict(type='bool', default=False),
    restart=dict(type='bool', default=True),
    restart_on_tls_change=dict(type='bool', default=True),
    restart_timeout=dict(type='int', default=60),
    service=dict(type='str', default='docker'),
    sysconfig_path=dict(type='path'),
    default_env_path=dict(type='path'),
    daemon_json_path=dict(type='path', default='/etc/docker/daemon.json'),
    dropin_path=dict(type='path'),
    record_path=dict(type='path', default='/var/lib/dockercluster/listen-record.json'),
)
LISTEN_REQUIRED_IF = [('tls', True, ('tls_ca_cert', 'tls_cert', 'tls_key'))]


class FileChange(object):
    """One file's planned content. ``None`` means the file does not exist / is removed.

    ``shown`` says what a diff may show of it: ``'lines'`` the lines that change, ``'managed'``
    daemon.json's keys this module edits, ``'all'`` the whole file (the drop-in, all ours). Never whole
    files we share with others: they can hold credentials.
    """

    def __init__(self, path, before, after, shown='lines', new_mode=0o644):
        self.path, self.before, self.after = path, before, after
        self.shown = shown
        # The mode of a file this change creates (the record holds other files' contents: 0600).
        self.new_mode = new_mode
        self.backup = None
        self.stat = None

    @property
    def changed(self):
        return self.before != self.after

    def diff(self):
        if self.shown == 'record':
            # The record holds the files' first contents (credentials, maybe): only what was added.
            before = json.dumps(json.loads(self.before).get('added', {}), sort_keys=True) if self.before else ''
            after = json.dumps(json.loads(self.after).get('added', {}), sort_keys=True) if self.after else ''
            return {'before_header': self.path, 'after_header': self.path, 'before': before, 'after': after}
        if self.shown == 'all':
            before, after = self.before or '', self.after or ''
        elif self.shown == 'managed':
            before, after = daemon_json_managed(self.before, self.path), daemon_json_managed(self.after, self.path)
        else:
            before, after = changed_lines(self.before, self.after)
        return {'before_header': self.path, 'after_header': self.path, 'before': before, 'after': after}


def read_text(path):
    """File content as text (bytes kept through surrogateescape), None when missing."""
    try:
        with open(path, 'rb') as handle:
            return to_text(handle.read(), errors='surrogate_or_strict')
    except OSError as exc:
        if not os.path.exists(path):
            return None
        raise ValueError('cannot read %s: %s' % (path, to_native(exc))) from None


# The service's own files where not given (CentOS 7's docker-latest reads /etc/sysconfig/docker-latest).
SERVICE_PATHS = dict(sysconfig_path='/etc/sysconfig/%s', default_env_path='/etc/default/%s',
                     dropin_path='/etc/systemd/system/%s.service.d/10-dockercluster-listen.conf')


def fill_service_paths(params):
    """``params`` with the paths not given made from the service's name; ValueError for a name that is
    not a systemd unit's."""
    if not re.match(r'^[A-Za-z0-9@._:-]+$', params['service'] or ''):
        raise ValueError('service: %r is not a systemd service name' % (params['service'],))
    unit = re.sub(r'\.service$', '', params['service'])  # docker.service names the same unit as docker
    for key, pattern in SERVICE_PATHS.items():
        if not params.get(key):
            params[key] = pattern % unit
    return params


class ListenPlanner(object):
    """Reads the unit and the files and works out their new content; writes nothing.

    ``params`` are docker_listen_config's (LISTEN_ARGUMENT_SPEC). With ``defer_missing_tls`` a TLS
    file that is not there yet (docker_pki installs it later in the run) leaves the plan undecided
    (``deferred``) instead of failing.
    """

    def __init__(self, module, params=None, defer_missing_tls=False):
        self.module = module
        self.params = module.params if params is None else params
        try:
            fill_service_paths(self.params)
        except ValueError as exc:
            module.fail_json(msg=str(exc))
        self.defer_missing_tls = defer_missing_tls
        self.deferred = None
        self.service = self.params['service']
        self.listen = []
        self.method = None
        self.unit = None
        # What the plan learns; docker_listen_config adds what applying did.
        self.result = dict(changed=False, method=None, listen=[], provided_by_unit=[])

    # -- helpers ---------------------------------------------------------------------------

    def fail(self, msg, **extra):
        extra.update(self.result)
        # No diff in a failure: errors carry no file contents.
        extra.pop('diff', None)
        self.module.fail_json(msg=msg, **extra)

    def systemctl(self, *args):
        return self.module.run_command(['systemctl'] + list(args))

    def tls_paths(self):
        if not self.params['tls']:
            return None
        return (self.params['tls_ca_cert'], self.params['tls_cert'], self.params['tls_key'])

    def insecure_tcp(self):
        return not self.params['tls'] and any(is_plain_tcp_non_loopback(a) for a in self.listen)

    # -- input, before anything on the host changes ----------------------------------------

    def validate(self):
        try:
            self.listen = validate_listen(self.params['listen'])
        except ValueError as exc:
            self.fail(str(exc))
        self.result['listen'] = self.listen
        if self.params['restart_timeout'] < 1:
            self.fail('restart_timeout must be at least 1 second, got %s' % self.params['restart_timeout'])
        if self.params['state'] == 'present':
            self.validate_tls()

    def validate_tls(self):
        names = ('tls_ca_cert', 'tls_cert', 'tls_key')
        if not self.params['tls']:
            plain = [a for a in self.listen if is_plain_tcp_non_loopback(a)]
            if plain and not self.params['allow_insecure_tcp']:
                self.fail('%s would be plain TCP on a non-loopback address: anyone reaching it is root '
                          'on this host. Set tls: true with tls_ca_cert/tls_cert/tls_key, or set '
                          'allow_insecure_tcp: true.' % ', '.join(plain))
            return
        missing = [n for n in names if not self.params[n]]
        if missing:
            self.fail('tls: true needs %s' % ', '.join(missing))
        pending = self.module.check_mode and self.params['tls_files_pending']
        for name in names:
            path = self.params[name]
            # systemd splits $OPTIONS/$DOCKER_OPTS at whitespace and ignores quotes in it.
            if re.search(r'[\s\'"\\$`]', path):
                self.fail('%s %s contains whitespace, quotes or $: not usable as a dockerd flag' % (name, path))
            if self.tls_file_missing(path):
                if self.defer_missing_tls:
                    self.deferred = self.deferred or '%s %s is not installed yet' % (name, path)
                    continue
                if pending:
                    self.module.warn('%s %s does not exist yet: check mode assumes the earlier task that installs '
                                     'it (skipped in check mode) puts it there' % (name, path))
                    continue
                self.fail('%s %s does not exist or is not readable' % (name, path))

    def tls_file_missing(self, path):
        return not os.path.isfile(path) or not os.access(path, os.R_OK)

    def read_unit(self):
        rc, out, err = self.systemctl('show', self.service, '-p', 'ExecStart', '-p', 'EnvironmentFiles',
                                      '-p', 'DropInPaths', '-p', 'LoadState', '-p', 'FragmentPath')
        if rc != 0:
            self.fail('systemctl show %s failed: %s' % (self.service, (err or out).strip()))
        unit = parse_unit_show(out)
        if unit['load_state'] == 'not-found':
            self.fail('service %s not found (systemctl show: LoadState=not-found)' % self.service)
        self.unit = unit
        self.method = detect_method(unit['exec_start'], unit['environment_files'], self.params['method'],
                                    self.params['sysconfig_path'], self.params['default_env_path'])
        self.result['method'] = self.method

    # -- the record: what this module added to each file, and the file before its first write -------
    # A port change removes the -H this module added before (not one the user wrote), and state absent
    # gives back the file as it was when nothing else changed in it since (reset, byte for byte).

    def read_record(self):
        text = read_text(self.params['record_path'])
        try:
            data = json.loads(text) if text else {}
        except ValueError:
            self.fail('%s, the record of what docker_listen_config added, is not valid JSON: fix or remove it'
                      % self.params['record_path'])
        data.setdefault('added', {})
        data.setdefault('original', {})
        return text, data

    def plan_record(self, record_text, record, change, added, state):
        path = change.path
        if state == 'absent':
            record['added'].pop(path, None)
            record['original'].pop(path, None)
        elif change.changed:
            record['original'].setdefault(path, change.before)
            record['added'][path] = added
        empty = not record['added'] and not record['original']
        after = None if empty else json.dumps(record, indent=2, sort_keys=True) + '\n'
        if record_text is not None and after is not None and json.loads(record_text) == record:
            after = record_text
        return FileChange(self.params['record_path'], record_text, after, shown='record', new_mode=0o600)

    @staticmethod
    def restore_original(record, path, before, after, strip, same):
        """``after`` (state absent), or the file as the record has it from before the first write when
        the file now and then differ only by what this module may have written (``strip`` removes every
        address ``listen`` names and every TLS flag, on both sides; ``same`` compares)."""
        if path not in record['original']:
            return after
        original = record['original'][path]
        if same(strip(before), strip(original)):
            return original
        return after

    # -- planning: pure computation over the current files -----------------------------------

    def managed(self, state, previous, recorded=True, tls_named=()):
        """The addresses whose -H (hosts entry) are ours: what ``listen`` asks and what the record says this
        module added. Removing (absent), only the record's: an address that was the host's own before
        stays, and so does everything on a host whose record is gone (reset already). Unless, with no
        record, the file still names this module's TLS files (``tls_named``, the record wiped): then the
        addresses ``listen`` names are ours too and go with those flags (which the reset's next step
        deletes the files of)."""
        if state != 'absent':
            return self.listen + [a for a in previous if a not in self.listen]
        tls = self.tls_paths() or ()
        if not recorded and tls and all(path in tls_named for path in tls):
            return list(self.listen)
        return list(previous)

    def named_tls_paths(self, text):
        """This module's TLS files that ``text`` (a flags string, or daemon.json's TLS values) names."""
        words = (text or '').replace('=', ' ').replace('"', ' ').split()
        return [path for path in self.tls_paths() or () if path in words]

    def names_tls_paths(self, text):
        """Whether ``text`` names any of this module's TLS files."""
        return bool(self.named_tls_paths(text))

    def refuse_their_tls_files(self, state, recorded, path, text):
        """Setting up a file with no record of this module, whose own TLS settings already name the files this
        module's flags name: the collection installs its certificates there (and its reset deletes them), so
        the host's own dockerd would lose its certificates. Refused before anything changes."""
        theirs = self.named_tls_paths(text)
        if state == 'present' and not recorded and theirs:
            self.fail('%s already names %s, with no record of this module setting it up (%s): the host\'s own TLS '
                      'files, which the collection would replace with its own certificates (and its reset delete). '
                      'Give the collection another directory (docker_pki_node_dir, or tls_ca_cert, tls_cert and '
                      'tls_key), or move the host\'s own files and flags away first.'
                      % (path, ', '.join(theirs), self.params['record_path']))

    @staticmethod
    def not_ours(state, recorded, managed):
        """Removing from a file with no record and none of this module's TLS files named: the host's own
        listener (a second reset, or a host this module never set up). Its TLS flags stay too, even with
        their tcp:// -H set elsewhere (daemon.json, another variable)."""
        return state == 'absent' and not recorded and not managed

    def plan_env(self, state):
        path = self.params['%s_path' % self.method]
        name = ENV_VARIABLES[self.method]
        before = read_text(path)
        record_text, record = self.read_record()
        previous = record['added'].get(path, [])
        named = (get_env_value(before or '', name, path) or '').replace('=', ' ').split()
        recorded = path in record['added'] or path in record['original']
        self.refuse_their_tls_files(state, recorded, path, ' '.join(named))
        managed = self.managed(state, previous, recorded, named)
        unit_hosts = exec_start_hosts(main_command(self.unit['exec_start']))
        write, provided = split_unit_provided(self.listen, unit_hosts)
        added = []
        if state == 'present':
            self.result['provided_by_unit'] = provided
            flags = tls_flags(self.tls_paths(), self.insecure_tcp())
            self.check_daemon_json_hosts(tls=bool(flags))
        else:
            flags = None
        original = record['original'].get(path, before)
        drop_tls = path in record['original'] and not has_tls_flags(get_env_value(original or '', name, path))
        # Removing, only the record's addresses are ours (managed), not every one listen names.
        if self.not_ours(state, recorded, managed):
            after, notes = before or '', []
        else:
            after, notes = update_env_file(before or '', name, write if state == 'present' else [], managed, flags,
                                           state, path, drop_tls)
        if state == 'present':
            # The file's own -H (the user's) never go into the record, even when listen names them.
            theirs = set(normalize_host(h) for h in exec_start_hosts(get_env_value(before or '', name, path) or ''))
            theirs -= set(normalize_host(h) for h in previous)
            added = [a for a in write if normalize_host(a) not in theirs]
        for note in notes:
            self.module.warn(note)
        if state == 'absent':
            def strip(text):
                return update_env_file(text or '', name, [], self.managed('present', previous), None, 'absent', path,
                                       True)[0]

            def same(now, then):
                if now == then:
                    return True
                if find_assignments(then or '', name, path):
                    return False
                # It had no assignment (or did not exist): ours, now empty, is all that differs.
                found = find_assignments(now, name, path)
                if not found or any(a.value for a in found):
                    return False
                lines = now.splitlines(True)
                rest = ''.join(line for i, line in enumerate(lines) if i not in set(a.index for a in found))
                return rest == (then or '') or rest == (then or '') + '\n'
            after = self.restore_original(record, path, before, after, strip, same)
            if path in record['original'] and after != original and not drop_tls \
                    and self.names_tls_paths(get_env_value(after or '', name, path)):
                # Edited since: the host's own TLS flags from before, in place of ours (whose files go next).
                after = update_env_file(after, name, [], [], tls_flag_words(get_env_value(original, name, path)),
                                        'present', path)[0]
        kept = get_env_value(after or '', name, path) or ''
        if state == 'absent' and not recorded and managed and self.names_tls_paths(kept):
            # The record wiped, and a tcp -H of the host's own left beside ours: it keeps the TLS flags, whose
            # files the reset deletes next.
            self.fail('%s keeps a listener of its own (%s) with TLS flags naming the collection\'s certificates, and '
                      'there is no record of this module (%s): the reset deletes those files next, and dockerd would '
                      'not start again. Nothing was changed. Take the TLS flags, or that listener, out of it by hand, '
                      'then run the reset again.' % (path, ', '.join(exec_start_hosts(kept)) or '-H', self.params['record_path']))
        if before is None and after == '':
            after = None
        left = exec_start_hosts(get_env_value(after or '', name, path) or '') + unit_hosts
        change = FileChange(path, before, after)
        return [change, self.plan_record(record_text, record, change, added, state)], left

    def check_daemon_json_hosts(self, tls=False):
        # What keeps dockerd from starting again, the restart this module may make: daemon.json that
        # does not parse, "hosts" in it next to any -H, TLS keys in it next to the TLS flags.
        try:
            data = load_daemon_json(read_text(self.params['daemon_json_path']), self.params['daemon_json_path'])
        except ValueError as exc:
            self.fail('%s: dockerd would not start again with it; fix it first' % exc)
        where = ENV_VARIABLES.get(self.method, 'the unit\'s command line (systemd drop-in)')
        if 'hosts' in data:  # dockerd refuses the flag next to the key, even an empty list
            self.fail('%s sets "hosts", which conflicts with -H in %s: remove it or use method: daemon_json'
                      % (self.params['daemon_json_path'], where))
        both = [key for key in TLS_KEYS if key in data] if tls else []
        if both:
            self.fail('%s sets %s, which dockerd refuses next to the TLS flags in %s: remove them from it, or '
                      'use method: daemon_json' % (self.params['daemon_json_path'], ', '.join(both), where))

    def refuse_env_flags(self, command, hosts, tls):
        """daemon.json with "hosts" (or TLS keys), and the unit's command taking -H (or TLS flags) from
        $OPTIONS or $DOCKER_OPTS: dockerd refuses a setting given both ways, and the restart would fail (its
        rollback restarts once more). Refused before anything is written."""
        for method, name in sorted(ENV_VARIABLES.items()):
            if not re.search(r'\$(%s\b|\{%s\})' % (name, name), command):
                continue
            path = self.params['%s_path' % method]
            try:
                value = get_env_value(read_text(path) or '', name, path) or ''
            except ValueError:
                continue  # not this method's to edit: a value it cannot read (command substitution) is the host's
            both = (['-H'] if hosts and exec_start_hosts(value) else []) + (tls_flag_words(value) if tls else [])
            if both:
                self.fail('%s in %s sets %s, which dockerd refuses next to the same settings in %s (the listeners and '
                          'TLS this module writes there): take %s out of %s, or use method: %s. Nothing was changed.'
                          % (name, path, ', '.join(both), self.params['daemon_json_path'],
                             'them' if len(both) > 1 else 'it', name, method))

    def check_later_dropins(self, ours):
        """systemd reads a unit's drop-ins in file-name order: one after ours that sets ExecStart (the
        override.conf of `systemctl edit`, say) replaces our command, and dockerd would start without
        this module's flags (the restart's check fails, and every run after it again)."""
        later = [p for p in self.unit['dropin_paths']
                 if p != ours and os.path.basename(p) > os.path.basename(ours)
                 and re.search(r'^\s*ExecStart\s*=', read_text(p) or '', re.M)]
        if later:
            self.fail('%s set%s ExecStart and %s read after %s (systemd reads drop-ins in file-name order): dockerd '
                      'would start without this module\'s flags. Move that ExecStart into the unit or an earlier '
                      'drop-in, or set dropin_path to a name that sorts after it.'
                      % (', '.join(later), 's' if len(later) == 1 else '', 'is' if len(later) == 1 else 'are', ours))

    def unit_source(self):
        """The unit's dockerd command as its files write it, without this module's drop-in: what the
        drop-in is derived from (a package upgrade that changes it makes the drop-in change too)."""
        ours = self.params['dropin_path']
        fragment = self.unit.get('fragment_path')
        if fragment:
            paths = [fragment] + [p for p in self.unit['dropin_paths'] if p != ours]
            commands = unit_file_exec_start([read_text(p) or '' for p in paths])
        elif ours not in self.unit['dropin_paths']:
            # Resolved by systemctl: specifiers written back as %%.
            commands = [c.replace('%', '%%') for c in self.unit['exec_start']]
        else:
            commands = [dropin_derived_from(read_text(ours)) or '']
        return main_command(commands)

    def plan_flags_dropin(self, state):
        path = self.params['dropin_path']
        before = read_text(path)
        source = self.unit_source()
        unit_hosts = exec_start_hosts(source)
        if state == 'absent':
            return [FileChange(path, before, None, shown='all')], unit_hosts
        write, provided = split_unit_provided(self.listen, unit_hosts)
        self.result['provided_by_unit'] = provided
        flags = tls_flags(self.tls_paths(), self.insecure_tcp())
        self.check_daemon_json_hosts(tls=bool(flags))
        self.check_later_dropins(path)
        words = host_flags(write) + list(flags or [])
        after = build_flags_dropin(source, words) if words else None
        return [FileChange(path, before, after, shown='all')], unit_hosts + write

    def plan_daemon_json(self, state):
        json_path, dropin_path = self.params['daemon_json_path'], self.params['dropin_path']
        before = read_text(json_path)
        record_text, record = self.read_record()
        previous = record['added'].get(json_path, [])
        try:
            settings = load_daemon_json(before, json_path)
        except ValueError:
            settings = {}  # merge_daemon_json says why
        recorded = json_path in record['added'] or json_path in record['original']
        self.refuse_their_tls_files(state, recorded, json_path,
                                    ' '.join(str(settings.get(key, '')) for key in ('tlscacert', 'tlscert', 'tlskey')))
        managed = self.managed(state, previous, recorded, [settings.get(key) for key in ('tlscacert', 'tlscert', 'tlskey')])
        added = []
        if state == 'present':
            settings = tls_settings(self.tls_paths(), self.insecure_tcp())
            after = merge_daemon_json(before or '', self.listen, managed, settings, state, json_path)
            existing = load_daemon_json(before, json_path).get('hosts', [])
            theirs = set(normalize_host(h) for h in ([existing] if isinstance(existing, str) else existing))
            theirs -= set(normalize_host(h) for h in previous)
            added = [a for a in self.listen if normalize_host(a) not in theirs]
        elif self.not_ours(state, recorded, managed):
            after = before or ''
        else:
            after = merge_daemon_json(before or '', [], managed, None, state, json_path)

            def strip(text):
                return merge_daemon_json(text or '', [], self.managed('present', previous), None, 'absent', json_path,
                                         drop_tls=True)

            def same(now, then):
                return load_daemon_json(now, json_path) == load_daemon_json(then, json_path)
            after = self.restore_original(record, json_path, before, after, strip, same)
            original = load_daemon_json(record['original'].get(json_path), json_path)
            theirs = dict((key, original[key]) for key in TLS_KEYS if key in original)
            now = load_daemon_json(after, json_path)
            if theirs and self.names_tls_paths(' '.join(str(now.get(key, '')) for key in TLS_KEYS)):
                # Edited since: the host's own TLS settings from before, in place of ours (whose files go next).
                after = merge_daemon_json(after, [], [], theirs, 'present', json_path)
        if before is None and after == '':
            after = None
        change = FileChange(json_path, before, after, shown='managed')
        changes = [change]
        result = load_daemon_json(after, json_path)
        left = list(result.get('hosts', []))
        tls_keys = any(key in result for key in TLS_KEYS)

        dropin_before = read_text(dropin_path)
        command = main_command(self.unit['exec_start'])
        if state == 'present':
            self.refuse_env_flags(command, bool(left), tls_keys)
        if left and (exec_start_hosts(command) or dropin_before is not None
                     or (tls_keys and tls_flag_words(command))):
            # Our drop-in already in effect shows up as the unit's command: rebuilding from it
            # gives the same text, so this stays idempotent. Its TLS flags go where daemon.json has TLS keys
            # (a host this module set up with the systemd_dropin method had them in the command).
            dropin_after = build_dropin(command, json_path, tls=tls_keys)
        else:
            dropin_after = None
        changes.append(FileChange(dropin_path, dropin_before, dropin_after, shown='all'))
        changes.append(self.plan_record(record_text, record, change, added, state))
        return changes, left

    def plan(self, state):
        try:
            if self.method == 'daemon_json':
                return self.plan_daemon_json(state)
            if self.method == 'systemd_dropin':
                return self.plan_flags_dropin(state)
            return self.plan_env(state)
        except ValueError as exc:
            self.fail(str(exc))

    def tls_changed(self):
        """TLS files replaced after dockerd started (it reads them only at start)."""
        if not (self.params['tls'] and self.params['restart'] and self.params['restart_on_tls_change']):
            return []
        rc, out, _err = self.systemctl('show', self.service, '-p', 'MainPID')
        pid = main_pid(out) if rc == 0 else None
        started = process_start_time(pid) if pid else None
        if started is None:
            return []  # not running: the next start reads the files anyway
        return changed_since(list(self.tls_paths()), started)

    def warn_insecure(self):
        if self.params['state'] == 'present' and self.insecure_tcp():
            # Deduplicated by Ansible: one line per run, however many hosts.
            self.module.warn('%s: plain, unauthenticated TCP on a non-loopback address (allow_insecure_tcp): '
                             'anyone who reaches it is root on this host'
                             % ', '.join(a for a in self.listen if is_plain_tcp_non_loopback(a)))

    def summary(self):
        """Whether applying would change anything here, and what (paths only, never contents)."""
        self.validate()
        if self.deferred:
            return dict(changed=None, deferred=self.deferred, files=[], tls_changed=[], method=None)
        self.read_unit()
        self.warn_insecure()
        changes, _left = self.plan(self.params['state'])
        files = [c.path for c in changes if c.changed and c.shown != 'record']
        record = any(c.changed for c in changes if c.shown == 'record')
        tls_changed = self.tls_changed() if self.params['state'] == 'present' else []
        return dict(changed=bool(files or tls_changed or record), deferred=None, files=files, tls_changed=tls_changed,
                    method=self.method)
