"""Pure logic of docker_listen_config: env files, flags, daemon.json, drop-in, detection."""

import json

import pytest
from ansible_collections.dockercluster.swarm.plugins.module_utils import (
    listen_config as lc,
)

GUIDE = ['unix:///var/run/docker.sock', 'tcp://0.0.0.0:2375']

# /etc/sysconfig/docker as the CentOS 7 docker-1.13.1 package ships it (abridged comments).
CENTOS7 = (
    "# /etc/sysconfig/docker\n"
    "\n"
    "# Modify these options if you want to change the way the docker daemon runs\n"
    "OPTIONS='--selinux-enabled --log-driver=journald --signature-verification=false'\n"
    "if [ -z \"${DOCKER_CERT_PATH}\" ]; then\n"
    "    DOCKER_CERT_PATH=/etc/docker\n"
    "fi\n"
    "\n"
    "# Do not add registries in this file anymore. Use /etc/containers/registries.conf\n"
    "# DOCKER_TMPDIR=/var/tmp\n"
    "# LOGROTATE=false\n"
    "#DOCKERBINARY=/usr/bin/docker-latest\n"
)

DEBIAN_DEFAULT = (
    "# Docker Upstart and SysVinit configuration file\n"
    "\n"
    "# Use DOCKER_OPTS to modify the daemon startup options.\n"
    "#DOCKER_OPTS=\"--dns 8.8.8.8 --dns 8.8.4.4\"\n"
    "\n"
    "# If you need Docker to use an HTTP proxy, it can also be specified here.\n"
    "#export http_proxy=\"http://127.0.0.1:3128/\"\n"
)

INSECURE = lc.tls_flags(None, insecure_tcp=True)


def present(text, name='OPTIONS', hosts=None, managed=None, tls=INSECURE):
    hosts = GUIDE if hosts is None else hosts
    return lc.update_env_file(text, name, hosts, managed or hosts, tls, 'present', '/etc/sysconfig/docker')


def absent(text, name='OPTIONS', managed=None):
    return lc.update_env_file(text, name, [], managed or GUIDE, None, 'absent', '/etc/sysconfig/docker')


def lines_except(text, name):
    return [line for line in text.splitlines() if not line.lstrip().startswith(name + '=')]


# --------------------------------------------------------------------------- addresses

@pytest.mark.parametrize('addr, parsed', [
    ('unix:///var/run/docker.sock', ('unix', None, None, '/var/run/docker.sock')),
    ('tcp://0.0.0.0:2375', ('tcp', '0.0.0.0', 2375, None)),
    ('tcp://10.0.11.150:2375', ('tcp', '10.0.11.150', 2375, None)),
    ('tcp://[::]:2376', ('tcp', '::', 2376, None)),
    ('tcp://[fe80::1]:1', ('tcp', 'fe80::1', 1, None)),
    ('tcp://node-1.example.com:65535', ('tcp', 'node-1.example.com', 65535, None)),
    ('tcp://localhost:2375', ('tcp', 'localhost', 2375, None)),
    ('fd://', ('fd', None, None, '')),
    ('fd://3', ('fd', None, None, '3')),
])
def test_valid_addresses(addr, parsed):
    assert tuple(lc.parse_address(addr)) == parsed


@pytest.mark.parametrize('addr, words', [
    ('tcp://0.0.0.0:0', 'port 0'),
    ('tcp://0.0.0.0:65536', 'port 65536'),
    ('tcp://0.0.0.0', 'expected'),
    ('tcp://256.1.1.1:2375', 'not an IPv4'),
    ('tcp://[::g]:2375', 'not an IPv6'),
    ('tcp://::1:2375', 'expected'),
    ('tcp://:2375', 'not an IP address or host name'),
    ('tcp://bad_host:2375', 'not an IP address or host name'),
    ('http://0.0.0.0:2375', 'expected'),
    ('0.0.0.0:2375', 'expected'),
    ('unix://relative.sock', 'absolute'),
    ('unix:///var/run/doc ker.sock', 'absolute'),
    ('tcp://1.2.3.4:2375/path', 'expected'),
    (' tcp://1.2.3.4:2375', 'spaces'),
    ('', 'empty'),
])
def test_invalid_addresses_name_the_value(addr, words):
    with pytest.raises(ValueError) as err:
        lc.parse_address(addr)
    assert repr(addr) in str(err.value)
    assert words in str(err.value)


def test_validate_listen_dedupes_and_reports_every_bad_value():
    assert lc.validate_listen(GUIDE + GUIDE[:1]) == GUIDE
    with pytest.raises(ValueError) as err:
        lc.validate_listen(['tcp://x:99999', 'unix://nope', GUIDE[0]])
    assert 'tcp://x:99999' in str(err.value) and 'unix://nope' in str(err.value)
    with pytest.raises(ValueError):
        lc.validate_listen([])


@pytest.mark.parametrize('addr, expected', [
    ('tcp://0.0.0.0:2375', True), ('tcp://[::]:2375', True), ('tcp://10.0.0.1:2375', True),
    ('tcp://node1:2375', True), ('tcp://127.0.0.1:2375', False), ('tcp://127.1.2.3:2375', False),
    ('tcp://[::1]:2375', False), ('tcp://localhost:2375', False), ('unix:///var/run/docker.sock', False),
    ('fd://', False),
])
def test_is_plain_tcp_non_loopback(addr, expected):
    assert lc.is_plain_tcp_non_loopback(addr) is expected


def test_split_unit_provided_with_socket_activation():
    write, provided = lc.split_unit_provided(GUIDE + ['unix:///run/docker.sock'], ['fd://'])
    assert write == ['tcp://0.0.0.0:2375']
    assert provided == ['unix:///var/run/docker.sock', 'unix:///run/docker.sock']
    # No -H in ExecStart (CentOS 7): everything is written, unix included.
    assert lc.split_unit_provided(GUIDE, []) == (GUIDE, [])
    # Other unix paths are not provided by docker.socket.
    assert lc.split_unit_provided(['unix:///tmp/d.sock'], ['fd://']) == (['unix:///tmp/d.sock'], [])


# --------------------------------------------------------------------------- flag strings

def test_split_flags_keeps_raw_spelling():
    tokens, trailing = lc.split_flags(' -a "b c" \'d e\' f\\ g  ')
    assert [t.raw for t in tokens] == ['-a', '"b c"', "'d e'", 'f\\ g']
    assert [t.text for t in tokens] == ['-a', 'b c', 'd e', 'f g']
    assert tokens[0].sep == ' ' and trailing == '  '


@pytest.mark.parametrize('raw', ['--a "b', "--a 'b", 'x\\'])
def test_split_flags_rejects_unterminated(raw):
    with pytest.raises(ValueError):
        lc.split_flags(raw)


def test_merge_appends_after_user_flags_in_guide_order():
    out = lc.merge_flags('--selinux-enabled --log-driver=journald', GUIDE, GUIDE, INSECURE)
    assert out == ('--selinux-enabled --log-driver=journald -H unix:///var/run/docker.sock '
                   '-H tcp://0.0.0.0:2375 --tls=false')


def test_merge_into_empty_value():
    assert lc.merge_flags('', GUIDE[:1], GUIDE) == '-H unix:///var/run/docker.sock'


@pytest.mark.parametrize('spelling', [
    '-H tcp://0.0.0.0:2375', '-H=tcp://0.0.0.0:2375', '-Htcp://0.0.0.0:2375',
    '--host tcp://0.0.0.0:2375', '--host=tcp://0.0.0.0:2375', '-H 0.0.0.0:2375',
])
def test_every_host_spelling_is_recognised_and_never_duplicated(spelling):
    raw = '--debug %s --log-level=warn' % spelling
    out = lc.merge_flags(raw, ['tcp://0.0.0.0:2375', 'unix:///var/run/docker.sock'], GUIDE, INSECURE)
    assert out.count('0.0.0.0:2375') == 1
    assert out.startswith('--debug --log-level=warn')


def test_merge_is_idempotent_and_keeps_order_when_satisfied():
    once = lc.merge_flags('--selinux-enabled', GUIDE, GUIDE, INSECURE)
    assert lc.merge_flags(once, GUIDE, GUIDE, INSECURE) == once
    # The guide's own order (tcp before unix, --tls=false missing) differs: only TLS added.
    guide_line = '--selinux-enabled -H tcp://0.0.0.0:2375 -H unix:///var/run/docker.sock'
    assert lc.merge_flags(guide_line, GUIDE, GUIDE, None) == guide_line
    with_tls = lc.merge_flags(guide_line, GUIDE, GUIDE, INSECURE)
    assert lc.merge_flags(with_tls, GUIDE, GUIDE, INSECURE) == with_tls


def test_merge_keeps_other_flags_and_their_quoting():
    raw = "--label 'a b' --log-opt \"tag={{.Name}}\"  --storage-opt=dm.basesize=20G"
    out = lc.merge_flags(raw, GUIDE, GUIDE, INSECURE)
    assert out.startswith(raw + ' -H ')


def test_merge_replaces_tls_flags_when_tls_managed():
    tls = lc.tls_flags(('/c/ca.pem', '/c/cert.pem', '/c/key.pem'))
    raw = '--tlsverify --tlscacert /old/ca.pem --tlscert=/old/cert.pem --debug'
    out = lc.merge_flags(raw, ['tcp://0.0.0.0:2376'], ['tcp://0.0.0.0:2376'], tls)
    assert out == ('--debug -H tcp://0.0.0.0:2376 --tlsverify --tlscacert=/c/ca.pem '
                   '--tlscert=/c/cert.pem --tlskey=/c/key.pem')
    assert lc.merge_flags(out, ['tcp://0.0.0.0:2376'], ['tcp://0.0.0.0:2376'], tls) == out


def test_merge_leaves_user_tls_alone_when_not_managed():
    raw = '--tlsverify --tlscacert=/u/ca.pem -H tcp://10.0.0.5:2376'
    out = lc.merge_flags(raw, GUIDE[:1], GUIDE[:1], None)
    assert out == raw + ' -H unix:///var/run/docker.sock'


def test_absent_removes_only_ours():
    raw = '--selinux-enabled -H unix:///var/run/docker.sock -H tcp://0.0.0.0:2375 --tls=false -H tcp://127.0.0.1:2380'
    out = lc.merge_flags(raw, [], GUIDE, None, 'absent')
    # The user's loopback -H stays and keeps TLS flags around because a tcp:// is left.
    assert out == '--selinux-enabled --tls=false -H tcp://127.0.0.1:2380'
    raw = '--selinux-enabled -H unix:///var/run/docker.sock -H tcp://0.0.0.0:2375 --tls=false'
    assert lc.merge_flags(raw, [], GUIDE, None, 'absent') == '--selinux-enabled'
    assert lc.merge_flags('--selinux-enabled', [], GUIDE, None, 'absent') == '--selinux-enabled'


def test_present_then_absent_round_trips():
    start = "--selinux-enabled  --log-driver=journald"
    out = lc.merge_flags(start, GUIDE, GUIDE, INSECURE)
    assert lc.merge_flags(out, [], GUIDE, None, 'absent') == start


def test_exec_start_hosts():
    assert lc.exec_start_hosts('/usr/bin/dockerd -H fd:// --containerd=/run/c.sock') == ['fd://']
    assert lc.exec_start_hosts('/usr/bin/dockerd-current $OPTIONS') == []


# --------------------------------------------------------------------------- env files

def test_centos7_file_only_options_value_changes():
    new, notes = present(CENTOS7)
    assert notes == []
    assert lines_except(new, 'OPTIONS') == lines_except(CENTOS7, 'OPTIONS')
    assert ("OPTIONS='--selinux-enabled --log-driver=journald --signature-verification=false "
            "-H unix:///var/run/docker.sock -H tcp://0.0.0.0:2375 --tls=false'\n") in new
    assert present(new)[0] == new
    assert absent(new)[0] == CENTOS7


def test_value_already_as_in_guide_is_left_alone():
    text = CENTOS7.replace(
        "--signature-verification=false'",
        "--signature-verification=false -H tcp://0.0.0.0:2375 -H unix:///var/run/docker.sock'")
    assert present(text, tls=None)[0] == text


def test_debian_commented_variable_stays_and_a_line_is_added():
    new, _ = present(DEBIAN_DEFAULT, name='DOCKER_OPTS', hosts=['tcp://0.0.0.0:2375'], managed=GUIDE)
    assert new.startswith(DEBIAN_DEFAULT)
    assert new[len(DEBIAN_DEFAULT):] == "DOCKER_OPTS='-H tcp://0.0.0.0:2375 --tls=false'\n"
    assert '#DOCKER_OPTS="--dns 8.8.8.8 --dns 8.8.4.4"' in new


def test_absent_variable_appended_to_file_without_trailing_newline():
    new, _ = present('FOO=1', hosts=GUIDE[:1], tls=None)
    assert new == "FOO=1\nOPTIONS='-H unix:///var/run/docker.sock'\n"
    assert present('', hosts=GUIDE[:1], tls=None)[0] == "OPTIONS='-H unix:///var/run/docker.sock'\n"


def test_absent_state_with_no_variable_changes_nothing():
    assert absent(DEBIAN_DEFAULT, name='DOCKER_OPTS') == (DEBIAN_DEFAULT, [])


def test_double_quotes_kept():
    text = 'DOCKER_OPTS="--dns 8.8.8.8"\n'
    new, _ = present(text, name='DOCKER_OPTS')
    assert new == 'DOCKER_OPTS="--dns 8.8.8.8 -H unix:///var/run/docker.sock -H tcp://0.0.0.0:2375 --tls=false"\n'


def test_escaped_quotes_inside_double_quotes_survive():
    text = 'DOCKER_OPTS="--label \\"x=a b\\" --dns 8.8.8.8"\n'
    new, _ = present(text, name='DOCKER_OPTS')
    assert new.startswith('DOCKER_OPTS="--label \\"x=a b\\" --dns 8.8.8.8 -H ')
    assert absent(new, name='DOCKER_OPTS')[0] == text


def test_unquoted_value_becomes_single_quoted_when_it_gets_spaces():
    new, _ = present('OPTIONS=--selinux-enabled\n')
    assert new.startswith("OPTIONS='--selinux-enabled -H unix:")


@pytest.mark.parametrize('text, expected', [
    ("OPTIONS=\n", "OPTIONS='-H unix:///var/run/docker.sock'\n"),
    ("OPTIONS=''\n", "OPTIONS='-H unix:///var/run/docker.sock'\n"),
    ('OPTIONS=""\n', 'OPTIONS="-H unix:///var/run/docker.sock"\n'),
])
def test_empty_value(text, expected):
    new, _ = present(text, hosts=GUIDE[:1], tls=None)
    assert new == expected
    # An unquoted empty value comes back as '' (same value, quoting chosen when we added spaces).
    assert absent(new)[0] in (text, "OPTIONS=''\n")


def test_export_prefix_tabs_and_trailing_comment_kept():
    text = "\texport OPTIONS='--debug'\t# set by ops\n"
    new, _ = present(text, hosts=GUIDE[:1], tls=None)
    assert new == "\texport OPTIONS='--debug -H unix:///var/run/docker.sock'\t# set by ops\n"


def test_tabs_inside_value_kept():
    text = "OPTIONS='--debug\t--log-level=warn'\n"
    new, _ = present(text, hosts=GUIDE[:1], tls=None)
    assert new == "OPTIONS='--debug\t--log-level=warn -H unix:///var/run/docker.sock'\n"


def test_crlf_line_endings_kept():
    text = "A=1\r\nOPTIONS='--debug'\r\nB=2\r\n"
    new, _ = present(text, hosts=GUIDE[:1], tls=None)
    assert new == "A=1\r\nOPTIONS='--debug -H unix:///var/run/docker.sock'\r\nB=2\r\n"


def test_duplicated_variable_edits_the_last_and_reports():
    text = "OPTIONS='--first'\nX=1\nOPTIONS='--second'\n"
    new, notes = present(text, hosts=GUIDE[:1], tls=None)
    assert new == "OPTIONS='--first'\nX=1\nOPTIONS='--second -H unix:///var/run/docker.sock'\n"
    assert len(notes) == 1 and 'lines 1, 3' in notes[0]


def test_similar_names_are_not_ours():
    text = "DOCKER_OPTIONS='x'\nMY_OPTIONS='y'\n"
    new, _ = present(text, hosts=GUIDE[:1], tls=None)
    assert new.startswith(text)


@pytest.mark.parametrize('line, words', [
    ("OPTIONS='--selinux-enabled\n", 'unterminated single quote'),
    ('OPTIONS="--selinux-enabled\n', 'unterminated double quote'),
    ('OPTIONS="--dns \\\n', 'unterminated double quote'),
    ('OPTIONS="$(cat /etc/opts)"\n', 'command substitution'),
    ('OPTIONS=`cat /etc/opts`\n', 'command substitution'),
    ('OPTIONS=$(cat /etc/opts)\n', 'command substitution'),
    ("OPTIONS='a'\"b\"\n", 'text after the closing quote'),
    ('OPTIONS=a\\ b\n', 'backslashes'),
    ("OPTIONS='--label \"x'\n", 'cannot split'),
])
def test_unparseable_values_name_the_line(line, words):
    text = '# header\n' + line
    with pytest.raises(ValueError) as err:
        present(text)
    assert 'line 2' in str(err.value) and words in str(err.value)
    assert '/etc/sysconfig/docker' in str(err.value)


def test_command_substitution_inside_single_quotes_is_literal():
    # Shell does not expand in single quotes and systemd never substitutes commands.
    text = "OPTIONS='--label=x$(y)'\n"
    assert present(text, hosts=GUIDE[:1], tls=None)[0].startswith("OPTIONS='--label=x$(y) -H")


def test_unrelated_lines_may_be_anything():
    text = 'weird ( line\nOPTIONS=\nif [ -n "$(date)" ]; then\n  Z=`x`\nfi\n'
    new, _ = present(text, hosts=GUIDE[:1], tls=None)
    assert lines_except(new, 'OPTIONS') == lines_except(text, 'OPTIONS')


def test_non_utf8_bytes_survive_round_trip():
    raw = b"# caf\xe9\nOPTIONS='--debug'\n"
    text = raw.decode('utf-8', 'surrogateescape')
    new, _ = present(text, hosts=GUIDE[:1], tls=None)
    assert new.encode('utf-8', 'surrogateescape').startswith(b"# caf\xe9\n")


# --------------------------------------------------------------------------- daemon.json

TLS_PATHS = ('/etc/docker/tls/ca.pem', '/etc/docker/tls/cert.pem', '/etc/docker/tls/key.pem')


def test_daemon_json_keeps_other_keys_and_order():
    text = '{\n  "log-driver": "json-file",\n  "storage-driver": "overlay2",\n  "debug": false\n}\n'
    out = lc.merge_daemon_json(text, GUIDE, GUIDE, lc.tls_settings(None, True))
    assert list(json.loads(out)) == ['log-driver', 'storage-driver', 'debug', 'hosts', 'tls']
    assert json.loads(out)['hosts'] == GUIDE
    assert out.endswith('}\n') and '\n  "log-driver"' in out
    assert lc.merge_daemon_json(out, GUIDE, GUIDE, lc.tls_settings(None, True)) == out


@pytest.mark.parametrize('text', [None, '', '  \n', '{}'])
def test_daemon_json_missing_or_empty(text):
    out = lc.merge_daemon_json(text, GUIDE, GUIDE)
    assert json.loads(out) == {'hosts': GUIDE}


def test_daemon_json_unchanged_text_is_returned_verbatim():
    text = '{"hosts":["tcp://0.0.0.0:2375","unix:///var/run/docker.sock"],"debug":true}'
    assert lc.merge_daemon_json(text, GUIDE, GUIDE) == text


def test_daemon_json_tls_on_then_plain():
    out = lc.merge_daemon_json('{"debug": true}', ['tcp://0.0.0.0:2376'], ['tcp://0.0.0.0:2376'],
                               lc.tls_settings(TLS_PATHS))
    data = json.loads(out)
    assert data['tls'] is True and data['tlsverify'] is True and data['tlskey'] == TLS_PATHS[2]
    plain = json.loads(lc.merge_daemon_json(out, GUIDE, GUIDE, lc.tls_settings(None, True)))
    assert plain['tls'] is False and 'tlsverify' not in plain and 'tlscacert' not in plain


def test_daemon_json_user_hosts_kept_and_absent_removes_only_ours():
    text = '{"hosts": ["tcp://127.0.0.1:2380"], "tlsverify": true}'
    out = lc.merge_daemon_json(text, GUIDE, GUIDE)
    assert json.loads(out)['hosts'] == ['tcp://127.0.0.1:2380'] + GUIDE
    back = json.loads(lc.merge_daemon_json(out, [], GUIDE, state='absent'))
    assert back == {'hosts': ['tcp://127.0.0.1:2380'], 'tlsverify': True}
    only_ours = lc.merge_daemon_json(lc.merge_daemon_json('{"debug": true}', GUIDE, GUIDE,
                                                          lc.tls_settings(None, True)), [], GUIDE, state='absent')
    assert json.loads(only_ours) == {'debug': True}


@pytest.mark.parametrize('text, words', [
    ('{"hosts": [', 'not valid JSON'),
    ('[1, 2]', 'JSON object'),
    ('{"hosts": 5}', '"hosts" must be a list'),
])
def test_daemon_json_invalid(text, words):
    with pytest.raises(ValueError) as err:
        lc.merge_daemon_json(text, GUIDE, GUIDE, path='/etc/docker/daemon.json')
    assert words in str(err.value) and '/etc/docker/daemon.json' in str(err.value)


def test_daemon_json_unicode_kept():
    out = lc.merge_daemon_json('{"labels": ["owner=Zoë"]}', GUIDE, GUIDE)
    assert 'Zoë' in out


# --------------------------------------------------------------------------- systemd

DOCKER_CE_SHOW = (
    'ExecStart={ path=/usr/bin/dockerd ; argv[]=/usr/bin/dockerd -H fd:// '
    '--containerd=/run/containerd/containerd.sock ; ignore_errors=no ; start_time=[n/a] ; '
    'stop_time=[n/a] ; pid=0 ; code=(null) ; status=0/0 }\n'
    'EnvironmentFiles=\n'
    'DropInPaths=/etc/systemd/system/docker.service.d/http-proxy.conf\n'
    'LoadState=loaded\n'
)
CENTOS7_SHOW = (
    'ExecStart={ path=/usr/bin/dockerd-current ; argv[]=/usr/bin/dockerd-current --add-runtime '
    'docker-runc=/usr/libexec/docker/docker-runc-current --default-runtime=docker-runc '
    '--exec-opt native.cgroupdriver=systemd $OPTIONS $DOCKER_STORAGE_OPTIONS $DOCKER_NETWORK_OPTIONS '
    '$ADD_REGISTRY $BLOCK_REGISTRY $INSECURE_REGISTRY $REGISTRIES ; ignore_errors=no ; start_time=[n/a] ; '
    'stop_time=[n/a] ; pid=0 ; code=(null) ; status=0/0 }\n'
    'EnvironmentFile=/etc/sysconfig/docker (ignore_errors=yes)\n'
    'EnvironmentFile=/etc/sysconfig/docker-storage (ignore_errors=yes)\n'
    'EnvironmentFile=/etc/sysconfig/docker-network (ignore_errors=yes)\n'
    'DropInPaths=\nLoadState=loaded\n'
)  # systemd 219 (CentOS 7) prints the EnvironmentFiles property's lines as EnvironmentFile=
DEBIAN_SHOW = (
    'ExecStart={ path=/usr/sbin/dockerd ; argv[]=/usr/sbin/dockerd -H fd:// ${DOCKER_OPTS} ; '
    'ignore_errors=no ; start_time=[n/a] ; stop_time=[n/a] ; pid=0 ; code=(null) ; status=0/0 }\n'
    'EnvironmentFiles=/etc/default/docker (ignore_errors=yes)\nLoadState=loaded\n'
)


def test_parse_unit_show():
    info = lc.parse_unit_show(CENTOS7_SHOW)
    assert info['environment_files'][0] == '/etc/sysconfig/docker'
    assert len(info['environment_files']) == 3
    # A newer systemd names the lines as the property is named: the same files.
    newer = lc.parse_unit_show(CENTOS7_SHOW.replace('EnvironmentFile=', 'EnvironmentFiles='))
    assert newer['environment_files'] == info['environment_files']
    assert info['exec_start'][0].startswith('/usr/bin/dockerd-current --add-runtime')
    assert info['exec_start'][0].endswith('$REGISTRIES')
    ce = lc.parse_unit_show(DOCKER_CE_SHOW)
    assert ce['environment_files'] == [] and ce['load_state'] == 'loaded'
    assert ce['dropin_paths'] == ['/etc/systemd/system/docker.service.d/http-proxy.conf']


@pytest.mark.parametrize('show, method', [
    (CENTOS7_SHOW, 'sysconfig'), (DEBIAN_SHOW, 'default_env'), (DOCKER_CE_SHOW, 'systemd_dropin'), ('', 'systemd_dropin'),
])
def test_detect_method(show, method):
    info = lc.parse_unit_show(show)
    assert lc.detect_method(info['exec_start'], info['environment_files']) == method


def test_detect_method_needs_both_file_and_reference():
    # An EnvironmentFile that ExecStart never expands does not count.
    assert lc.detect_method(['/usr/bin/dockerd -H fd://'], ['-/etc/sysconfig/docker']) == 'systemd_dropin'
    assert lc.detect_method('/usr/bin/dockerd $OPTIONS', ['-/etc/sysconfig/docker']) == 'sysconfig'
    assert lc.detect_method('/usr/bin/dockerd $OPTIONSX', ['/etc/sysconfig/docker']) == 'systemd_dropin'
    assert lc.detect_method(['x $OPTIONS'], ['/etc/sysconfig/docker'], method='default_env') == 'default_env'
    assert lc.detect_method(['x $OPTIONS'], ['/srv/env'], sysconfig_path='/srv/env') == 'sysconfig'
    with pytest.raises(ValueError):
        lc.detect_method([], [], method='upstart')


def test_build_dropin():
    cmd = lc.parse_unit_show(DOCKER_CE_SHOW)['exec_start'][0]
    text = lc.build_dropin(cmd)
    assert text.startswith('# Managed by dockercluster.swarm')
    assert text.endswith('[Service]\nExecStart=\nExecStart=/usr/bin/dockerd '
                         '--containerd=/run/containerd/containerd.sock\n')
    # Built again from the command our own drop-in produced: the same text.
    assert lc.build_dropin(text.splitlines()[-1][len('ExecStart='):]) == text


def test_build_dropin_strips_every_host_spelling_and_escapes_percent():
    text = lc.build_dropin('/usr/bin/dockerd --host=fd:// -H unix:///x.sock --label=a%b $DOCKER_OPTS')
    assert text.endswith('ExecStart=/usr/bin/dockerd --label=a%%b $DOCKER_OPTS\n')
    with pytest.raises(ValueError):
        lc.build_dropin('')


def test_main_command_picks_dockerd():
    assert lc.main_command(['/bin/true', '-/usr/bin/dockerd -H fd://']) == '/usr/bin/dockerd -H fd://'
    assert lc.main_command([]) == ''


def test_pick_error_lines_puts_fatal_first():
    conflict = ('May 01 10:00:01 n1 dockerd[9]: unable to configure the Docker daemon with file '
                '/etc/docker/daemon.json: the following directives are specified both as a flag and in '
                'the configuration file: hosts')
    journal = '\n'.join([
        'May 01 10:00:00 n1 systemd[1]: Starting Docker Application Container Engine...',
        'May 01 10:00:00 n1 dockerd[9]: time="x" level=info msg="starting up"',
        'May 01 10:00:01 n1 dockerd[9]: time="x" level=error msg="something odd"',
        conflict,
        'May 01 10:00:01 n1 dockerd[9]: time="x" level=fatal msg="bind: address already in use"',
        "May 01 10:00:01 n1 systemd[1]: docker.service: Failed with result 'exit-code'.",
    ])
    lines = lc.pick_error_lines(journal)
    # dockerd's plain last words first, then the fatal log line.
    assert 'specified both as a flag' in lines[0]
    assert 'level=fatal' in lines[1]
    assert lc.pick_error_lines('') == []


def test_pick_error_lines_prefers_the_exit_reason_over_older_errors():
    journal = '\n'.join([
        'Nov 25 10:50:08 n2 dockerd[564]: time="t" level=error msg="enabling default vlan on bridge br0 failed"',
        'Nov 25 10:52:35 n2 dockerd[744]: failed to load listeners: listen tcp 192.0.2.10:2375: bind: '
        'cannot assign requested address',
        "Nov 25 10:52:35 n2 systemd[1]: docker.service: Failed with result 'exit-code'.",
    ])
    assert 'cannot assign requested address' in lc.pick_error_lines(journal)[0]


# --------------------------------------------------------------------------- IPv6 zone IDs (issue 20, item 11)

@pytest.mark.parametrize('addr', [
    'tcp://[fe80::1%x --group=users --add-runtime=r=evilbin]:2376',
    'tcp://[fe80::1%eth0\t--debug]:2376',
    "tcp://[fe80::1%eth0'x]:2376",
    'tcp://[fe80::1%eth0$(id)]:2376',
    'tcp://[fe80::1%]:2376',
    'tcp://[fe80::1%%eth0]:2376',
    'tcp://[fe80::1%abcdefghijklmnop]:2376',   # 16 characters: longer than any interface name
    'tcp://[::1%lo]:2376',                     # a zone only goes with a link-local address
    'tcp://[::%eth0]:2376',
    'tcp://[2001:db8::1%eth0]:2376',
])
def test_zone_ids_outside_interface_names_or_link_local_are_refused(addr):
    with pytest.raises(ValueError) as err:
        lc.parse_address(addr)
    assert repr(addr) in str(err.value)


@pytest.mark.parametrize('addr', [
    'tcp://[fe80::1%eth0]:2376', 'tcp://[fe80::1%2]:2376', 'tcp://[fe80::a:b%br-1a2b.10_x]:2376',
    'tcp://[fe80::1%abcdefghijklmno]:2376',
])
def test_link_local_with_an_interface_zone_is_accepted(addr):
    parsed = lc.parse_address(addr)
    assert parsed.scheme == 'tcp' and '%' in parsed.host


@pytest.mark.parametrize('host', ['::1%lo', '::1%x --group=users', 'fe80::1%lo', '127.0.0.1%lo'])
def test_a_zoned_address_is_never_loopback(host):
    assert lc.is_loopback_host(host) is False


def test_a_bad_zone_fails_the_plain_tcp_gate_before_anything():
    with pytest.raises(ValueError):
        lc.validate_listen(['tcp://[::1%x --group=users]:2375'])


# --------------------------------------------------------------------------- what a diff shows (issue 20, item 4)

def test_changed_lines_shows_only_the_edited_lines():
    text = 'http_proxy=http://user:pass@proxy:3128\nOPTIONS=\nNO_PROXY=x'
    new, _ = present(text, hosts=GUIDE[:1], tls=None)
    assert lc.changed_lines(text, new) == ('OPTIONS=\n', "OPTIONS='-H unix:///var/run/docker.sock'\n")
    # A line appended after a last line without its newline: that last line stays out.
    new, _ = present('http_proxy=http://user:pass@proxy:3128', hosts=GUIDE[:1], tls=None)
    assert lc.changed_lines('http_proxy=http://user:pass@proxy:3128', new) == (
        '', "OPTIONS='-H unix:///var/run/docker.sock'\n")
    assert lc.changed_lines(None, 'a\n') == ('', 'a\n') and lc.changed_lines('a\r\n', None) == ('a\n', '')


def test_daemon_json_managed_keeps_only_our_keys():
    text = json.dumps({'proxies': {'http-proxy': 'http://user:pass@p'}, 'hosts': ['fd://'], 'tlsverify': True})
    assert json.loads(lc.daemon_json_managed(text)) == {'hosts': ['fd://'], 'tlsverify': True}
    assert lc.daemon_json_managed('{"debug": true}') == '' and lc.daemon_json_managed(None) == ''


def test_unparseable_values_are_not_quoted_back():
    for line in ("OPTIONS='--x=http://user:pass@p\n", "OPTIONS='--label \"http://user:pass@p'\n",
                 'OPTIONS="$(x) http://user:pass@p"\n'):
        with pytest.raises(ValueError) as err:
            present(line)
        assert 'user:pass' not in str(err.value) and 'line 1' in str(err.value)


def test_unit_file_exec_start_follows_resets_and_continuations():
    unit = '[Service]\nExecStart=/usr/bin/dockerd -H fd:// \\\n  --containerd=/run/c.sock\n[Install]\nExecStart=no\n'
    assert lc.unit_file_exec_start([unit]) == ['/usr/bin/dockerd -H fd:// --containerd=/run/c.sock']
    assert lc.unit_file_exec_start([unit, '[Service]\nExecStart=\nExecStart=/bin/x\n']) == ['/bin/x']


def test_flags_dropin_names_its_source():
    text = lc.build_flags_dropin('/usr/bin/dockerd -H fd://', ['-H', 'tcp://0.0.0.0:2376', '--tlsverify'])
    assert lc.dropin_derived_from(text) == '/usr/bin/dockerd -H fd://'
    assert text.endswith('ExecStart=\nExecStart=/usr/bin/dockerd -H fd:// -H tcp://0.0.0.0:2376 --tlsverify\n')
