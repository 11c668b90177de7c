"""Classic Swarm: discovery URLs and ranges, container specs, /info parsing, the token API client."""

import io
import json

import pytest
from ansible.module_utils.six.moves.urllib.error import HTTPError, URLError
from ansible_collections.dockercluster.swarm.plugins.module_utils import classic_containers as cc
from ansible_collections.dockercluster.swarm.plugins.module_utils import classic_discovery as disc
from ansible_collections.dockercluster.swarm.plugins.module_utils import classic_info as cinfo
from ansible_collections.dockercluster.swarm.plugins.module_utils.classic_hosted import (
    HostedDiscovery,
    HostedDiscoveryError,
)

TOKEN = '5a0a4f2bd2e24d9a9ed2e24d9a9ed2e2'


# ------------------------------------------------------------------ discovery

@pytest.mark.parametrize('url,expected', [
    ('token://' + TOKEN, dict(kind='token', token=TOKEN, base=disc.DEFAULT_HOSTED_BASE)),
    ('token://disc.example.com:8443/v1/' + TOKEN, dict(kind='token', token=TOKEN,
                                                       base='https://disc.example.com:8443/v1')),
    ('consul://10.0.0.1:8500/swarm', dict(kind='consul', hosts=['10.0.0.1:8500'], path='swarm')),
    ('etcd://10.0.0.1:2379,10.0.0.2:2379/cluster', dict(kind='etcd', hosts=['10.0.0.1:2379', '10.0.0.2:2379'],
                                                        path='cluster')),
    ('zk://zk1,zk2:2181', dict(kind='zk', hosts=['zk1', 'zk2:2181'], path='')),
    ('file:///etc/swarm/cluster', dict(kind='file', path='/etc/swarm/cluster')),
    ('nodes://10.0.0.1:2375,10.0.0.2:2375', dict(kind='nodes', nodes=['10.0.0.1:2375', '10.0.0.2:2375'])),
])
def test_parse(url, expected):
    parsed = disc.parse(url)
    for key, value in expected.items():
        assert parsed[key] == value


@pytest.mark.parametrize('url,words', [
    ('', 'no scheme'),
    ('http://x', 'unknown scheme'),
    ('token://abc', '32 hex digits'),
    ('token://' + TOKEN.upper(), '32 hex digits'),
    ('consul:///swarm', 'at least one host'),
    ('etcd://a:99999/x', 'port'),
    ('file://relative/path', 'absolute path'),
    ('nodes://10.0.0.1', 'has no port'),
    ('nodes://10.0.0.[5:1]:2375', 'backwards'),
    ('nodes://', 'ip:port entries'),
    ('nodes://10.0.0.[1-3]:2375', 'malformed range'),
])
def test_parse_refuses(url, words):
    with pytest.raises(ValueError, match=words):
        disc.parse(url)


def test_ranges():
    assert disc.expand_ranges('10.0.0.[10:12]:2375') == ['10.0.0.10:2375', '10.0.0.11:2375', '10.0.0.12:2375']
    assert disc.expand_ranges('10.0.[1:2].[5:6]:2375') == ['10.0.1.5:2375', '10.0.1.6:2375',
                                                           '10.0.2.5:2375', '10.0.2.6:2375']
    assert len(disc.parse('nodes://10.0.0.[10:200]:2375')['nodes']) == 191
    assert disc.expand_nodes(['a:1', 'a:1', 'b:[1:2]']) == ['a:1', 'b:1', 'b:2']


def test_build_and_token_urls():
    assert disc.build('token', token=TOKEN) == 'token://' + TOKEN
    assert disc.build('token', token=TOKEN, base='https://127.0.0.1:8443/v1/') == \
        'token://127.0.0.1:8443/v1/' + TOKEN
    with pytest.raises(ValueError, match='https'):
        disc.build('token', token=TOKEN, base='http://127.0.0.1/v1')
    assert disc.build('consul', hosts=['c1:8500'], path='/swarm/') == 'consul://c1:8500/swarm'
    assert disc.build('nodes', nodes=['10.0.0.1:2375']) == 'nodes://10.0.0.1:2375'
    assert disc.build('file', path='/etc/n') == 'file:///etc/n'
    assert disc.render_file(['10.0.0.[1:2]:2375']) == '10.0.0.1:2375\n10.0.0.2:2375\n'
    assert disc.parse_file('# nodes\n\n10.0.0.1:2375\n') == ['10.0.0.1:2375']
    assert not disc.joins('file') and not disc.joins('nodes') and disc.joins('token')
    assert disc.replicates('etcd') and not disc.replicates('token')


# ------------------------------------------------------------ container specs

def test_manager_command_is_the_guides_by_default():
    assert cc.manager_command('token://' + TOKEN) == ['manage', '--host', 'tcp://0.0.0.0:2375']
    argv = cc.manager_command('consul://c:8500/s', strategy='binpack', filters=['health', 'port'], heartbeat='30s',
                              replication=True, advertise='10.0.0.1:2376',
                              tls=dict(verify=True, ca='/c/ca.pem', cert='/c/cert.pem', key='/c/key.pem'))
    assert argv == ['manage', '--host', 'tcp://0.0.0.0:2375', '--strategy', 'binpack', '--filter', 'health',
                    '--filter', 'port', '--heartbeat', '30s', '--replication', '--advertise', '10.0.0.1:2376',
                    '--tlsverify', '--tlscacert', '/c/ca.pem', '--tlscert', '/c/cert.pem', '--tlskey', '/c/key.pem']


def test_manager_command_engine_refresh():
    argv = cc.manager_command('nodes://10.0.0.1:2375', engine_refresh='5s', failure_retry=1)
    assert argv[3:9] == ['--engine-refresh-min-interval', '5s', '--engine-refresh-max-interval', '5s',
                         '--engine-failure-retry', '1']


@pytest.mark.parametrize('kwargs,words', [
    (dict(replication=True, advertise='10.0.0.1:2376'), 'needs consul, etcd or zk'),
    (dict(advertise='10.0.0.1:2376'), 'only applies with replication'),
    (dict(strategy='fastest'), 'not one of'),
    (dict(heartbeat='soon'), 'not a duration'),
    (dict(engine_refresh='often'), 'not a duration'),
    (dict(failure_retry=0), 'at least 1'),
])
def test_manager_command_refuses(kwargs, words):
    with pytest.raises(ValueError, match=words):
        cc.manager_command('token://' + TOKEN, **kwargs)


def test_agent_command():
    assert cc.agent_command('10.0.0.2:2375') == ['join', '--addr', '10.0.0.2:2375']
    assert cc.agent_command('1.2.3.4:2375', heartbeat='20s', ttl='60s', delay='5s')[3:9] == \
        ['--heartbeat', '20s', '--ttl', '60s', '--delay', '5s']
    with pytest.raises(ValueError, match='longer than heartbeat'):
        cc.agent_command('1.2.3.4:2375', heartbeat='2m', ttl='60s')


@pytest.mark.parametrize('timings, words', [
    (dict(ttl='30s'), r'ttl \(30s\) must be longer than heartbeat \(60s\)'),  # swarm join's default heartbeat
    (dict(heartbeat='4m'), r'ttl \(180s\) must be longer than heartbeat \(4m\)'),  # and its default ttl
    (dict(heartbeat='500ms', ttl='10s'), r'heartbeat \(500ms\) must be at least 1s'),
])
def test_agent_timings_swarm_join_would_exit_on_are_refused(timings, words):
    with pytest.raises(ValueError, match=words):
        cc.agent_command('1.2.3.4:2375', **timings)
    assert cc.agent_command('1.2.3.4:2375', ttl='90s')[3:5] == ['--ttl', '90s']


def inspect_of(spec, image_id='sha256:aaa', running=True, extra_env=('PATH=/usr/bin',)):
    return {
        'Id': 'c1', 'Name': '/' + spec['name'], 'Image': image_id,
        'Config': {'Image': spec['image'], 'Cmd': spec['command'],
                   'Env': list(extra_env) + ['%s=%s' % kv for kv in spec['env'].items()],
                   'Labels': {cc.ENV_LABEL: ','.join(sorted(spec['env'])), cc.FILES_LABEL: spec['files']}},
        'HostConfig': {'PortBindings': {'%d/tcp' % p: [{'HostIp': '', 'HostPort': str(h)}]
                                        for p, h in spec['ports'].items()},
                       'Binds': spec['binds'], 'RestartPolicy': {'Name': spec['restart'], 'MaximumRetryCount': 0},
                       'SecurityOpt': spec['security_opt'] or None},
        'State': {'Running': running},
    }


def test_spec_comparison():
    wanted = cc.spec('shipyard-swarm-manager', 'swarm:1.2.9', ['manage', 'token://x'], ports={2375: 2376},
                     binds=['/etc/n:/etc/n:ro'])
    actual = cc.actual_spec(inspect_of(wanted))
    assert cc.differences(wanted, actual, 'sha256:aaa') == []
    assert actual['running'] and actual['env'] == {}
    assert cc.differences(wanted, actual, 'sha256:bbb') == ['image']
    changed = dict(wanted, command=['manage', '--strategy', 'binpack', 'token://x'], ports={2375: 2377},
                   restart='no', env={'A': '1'}, binds=[])
    assert cc.differences(changed, actual, 'sha256:aaa') == ['command', 'ports', 'binds', 'env', 'restart']


def test_a_container_that_reads_the_hosts_files_runs_without_selinux_labels():
    """On an enforcing host the files' own labels would deny the reads: label=disable where there are binds,
    compared (a manager made before it is made again), and nothing for a container with none (an agent without a
    CA bundle)."""
    manager = cc.spec('shipyard-swarm-manager', 'swarm:1.2.9', ['manage', 'nodes://x'], binds=['/etc/n:/etc/n:ro'])
    agent = cc.spec('shipyard-swarm-agent', 'swarm:1.2.9', ['join', 'token://x'])
    assert manager['security_opt'] == ['label=disable'] and agent['security_opt'] == []
    before = cc.actual_spec(inspect_of(dict(manager, security_opt=[])))
    assert cc.differences(manager, before, 'sha256:aaa') == ['security_opt']
    assert cc.differences(agent, cc.actual_spec(inspect_of(agent)), 'sha256:aaa') == []


class FakeContainers(object):
    def __init__(self, existing=None, image_id='sha256:aaa'):
        self.existing = existing
        self.id = image_id
        self.calls = []

    def inspect(self, name):
        return self.existing

    def image_id(self, image):
        return self.id

    def pull(self, image):
        self.calls.append(('pull', image))
        self.id = 'sha256:aaa'
        return self.id

    def remove(self, name):
        self.calls.append(('remove', name))

    def start(self, name):
        self.calls.append(('start', name))

    def create(self, wanted):
        self.calls.append(('create', wanted['name']))
        return 'new'


def run_ensure(fake, wanted, check=False):
    result = dict(changed=False, actions=[], container_id=None, differences=[])
    cc.Ensure(fake, check, True).present(wanted, result)
    return result


def test_ensure_create_keep_recreate_start():
    wanted = cc.spec('shipyard-swarm-agent', 'swarm:1.2.9', ['join', '--addr', '1.2.3.4:2375', 'token://x'])
    fake = FakeContainers(None, image_id=None)
    result = run_ensure(fake, wanted)
    assert result['actions'] == ['pull', 'create'] and fake.calls == [('pull', 'swarm:1.2.9'),
                                                                      ('create', 'shipyard-swarm-agent')]
    fake = FakeContainers(inspect_of(wanted))
    assert run_ensure(fake, wanted) == dict(changed=False, actions=[], container_id='c1', differences=[],
                                            diff=dict(before=cc.comparable(cc.actual_spec(inspect_of(wanted))),
                                                      after=cc.comparable(wanted)))
    fake = FakeContainers(inspect_of(wanted))
    result = run_ensure(fake, dict(wanted, restart='unless-stopped'))
    assert result['actions'] == ['remove', 'create'] and result['differences'] == ['restart']
    fake = FakeContainers(inspect_of(wanted, running=False))
    assert run_ensure(fake, wanted)['actions'] == ['start']
    fake = FakeContainers(inspect_of(wanted))
    result = run_ensure(fake, dict(wanted, command=['join', 'token://y']), check=True)
    assert result['changed'] and fake.calls == []


@pytest.mark.parametrize('image, actions', [('registry.local/swarm:1.3', ['pull', 'remove', 'create']),
                                            ('swarm:1.2.9', ['pull'])])
def test_check_mode_predicts_the_recreate_for_another_image_not_pulled_yet(image, actions):
    """The running container's image is swarm:1.2.9 and the wanted one is not on the host: compared by name, a
    new image's recreate is predicted, and the diff's before is the container's own image."""
    current = cc.spec('shipyard-swarm-agent', 'swarm:1.2.9', ['join', 'token://x'])
    fake = FakeContainers(inspect_of(current), image_id=None)
    result = run_ensure(fake, dict(current, image=image), check=True)
    assert result['actions'] == actions and fake.calls == []
    assert result['diff']['before']['image'] == 'swarm:1.2.9' and result['diff']['after']['image'] == image


def test_a_renewed_mounted_file_recreates_the_container(tmp_path):
    """A certificate replaced by rename is not what the running container sees: its digest differs."""
    cert = tmp_path / 'server-cert.pem'
    cert.write_text('old\n')
    binds = ['%s:/etc/swarm-tls/cert.pem:ro' % cert, '/nowhere:/etc/n:ro']
    wanted = cc.spec('shipyard-swarm-manager', 'swarm:1.2.9', ['manage', 'nodes://x'], binds=binds)
    actual = cc.actual_spec(inspect_of(wanted))
    assert wanted['files'] and cc.differences(wanted, actual) == []
    renewed = tmp_path / 'new.pem'
    renewed.write_text('new\n')
    renewed.rename(cert)
    again = cc.spec('shipyard-swarm-manager', 'swarm:1.2.9', ['manage', 'nodes://x'], binds=binds)
    assert cc.differences(again, actual) == ['files']


def test_the_diff_never_shows_a_discovery_url_the_run_was_not_given():
    """A removed agent (state absent: no discovery given, nothing for no_log to hide) or a changed URL: the
    diff shows the scheme only."""
    old = cc.spec('shipyard-swarm-agent', 'swarm:1.2.9', ['join', '--addr', '1.2.3.4:2375', 'token://oldsecret'])
    result = dict(changed=False, actions=[], container_id=None)
    containers = FakeContainers(inspect_of(old))
    cc.Ensure(containers, True, True).absent('shipyard-swarm-agent', result)
    assert result['changed'] and containers.calls == []  # check mode: predicted, nothing removed
    assert result['diff']['before']['command'] == ['join', '--addr', '1.2.3.4:2375', 'token://********']
    new = dict(old, command=['join', '--addr', '1.2.3.4:2375', 'nodes://10.0.0.1:2375'])
    result = run_ensure(FakeContainers(inspect_of(old)), new, check=True)
    assert 'oldsecret' not in str(result['diff']) and result['diff']['after']['command'][-1] == 'nodes://********'


def test_the_discovery_url_goes_in_the_environment_and_shows_masked():
    """Not on the command line, which any local user reads (ps); swarm reads $SWARM_DISCOVERY. A container made
    when the command ended with it differs (made again), and both show masked."""
    wanted = cc.spec('shipyard-swarm-agent', 'swarm:1.2.9', cc.agent_command('1.2.3.4:2375'),
                     discovery='token://secret')
    assert wanted['env'] == {'SWARM_DISCOVERY': 'token://secret'} and 'token://secret' not in wanted['command']
    actual = cc.actual_spec(inspect_of(wanted))
    assert actual['env'] == {'SWARM_DISCOVERY': 'token://secret'} and cc.differences(wanted, actual, 'sha256:aaa') == []
    before = cc.actual_spec(inspect_of(cc.spec('shipyard-swarm-agent', 'swarm:1.2.9',
                                               ['join', '--addr', '1.2.3.4:2375', 'token://secret'])))
    assert cc.differences(wanted, before, 'sha256:aaa') == ['command', 'env']
    shown = str([cc.comparable(wanted), cc.comparable(before)])
    assert 'secret' not in shown and "'SWARM_DISCOVERY': 'token://********'" in shown and 'token://********' in shown


def test_the_shown_command_masks_a_discovery_url_only():
    """The manager's command ends with its listen address now, not a discovery URL: shown as it is."""
    plain = cc.spec('shipyard-swarm-manager', 'swarm:1.2.9', cc.manager_command('nodes://10.0.0.1:2375'),
                    discovery='nodes://10.0.0.1:2375')
    assert cc.comparable(plain)['command'] == ['manage', '--host', 'tcp://0.0.0.0:2375']
    old = cc.spec('shipyard-swarm-manager', 'swarm:1.2.9', ['manage', '--host', 'tcp://0.0.0.0:2375', 'etcd://u:p@e/s'])
    assert cc.comparable(old)['command'][-1] == 'etcd://********'


def test_engine_warning():
    assert cc.engine_warning({'Version': '20.10.24', 'MinAPIVersion': '1.12'}) is None
    assert cc.engine_warning({'Version': '26.1.5', 'MinAPIVersion': '1.24'}) is None
    warning = cc.engine_warning({'Version': '29.0.1', 'MinAPIVersion': '1.44'})
    assert 'too new for classic Swarm' in warning and 'DOCKER_MIN_API_VERSION' in warning


# ------------------------------------------------------------------ /info

# A classic manager's /info, as swarm 1.2.9 builds it (see NOTES.md): two nodes.
CLASSIC_INFO = {
    'ID': '', 'Containers': 4, 'Images': 6, 'ServerVersion': 'swarm/1.2.9', 'OperatingSystem': 'linux',
    'SystemStatus': [
        ['Role', 'primary'], ['Strategy', 'spread'],
        ['Filters', 'health, port, containerslots, dependency, affinity, constraint, whitelist'],
        ['Nodes', '3'],
        [' node1', '10.0.11.150:2375'], [u'  \u2514 ID', 'ABCD:EFGH'], [u'  \u2514 Status', 'Healthy'],
        [u'  \u2514 Containers', '2 (2 Running, 0 Paused, 0 Stopped)'], [u'  \u2514 Reserved CPUs', '0 / 2'],
        [u'  \u2514 Reserved Memory', '0 B / 3.8 GiB'],
        [u'  \u2514 Labels', 'kernelversion=3.10.0, operatingsystem=CentOS Linux 7 (Core), storagedriver=overlay2'],
        [u'  \u2514 UpdatedAt', '2018-06-01T10:00:00Z'], [u'  \u2514 ServerVersion', '1.13.1'],
        [' node2', '10.0.11.151:2375'], [u'  \u2514 ID', ''], [u'  \u2514 Status', 'Pending'],
        [u'  \u2514 Containers', '0'], [u'  \u2514 Error', '(none)'], [u'  \u2514 ServerVersion', ''],
        [' node3', '10.0.11.152:2375'], [u'  \u2514 ID', 'IJKL'], [u'  \u2514 Status', 'Unhealthy'],
        [u'  \u2514 Error', 'Cannot connect to the Docker daemon'], [u'  \u2514 ServerVersion', '29.0.0'],
    ],
}


def test_parse_info():
    parsed = cinfo.parse_info(CLASSIC_INFO)
    assert parsed['role'] == 'primary' and parsed['strategy'] == 'spread' and parsed['node_count'] == 3
    assert parsed['filters'][:2] == ['health', 'port'] and parsed['server_version'] == 'swarm/1.2.9'
    assert [(n['name'], n['addr'], n['status']) for n in parsed['nodes']] == [
        ('node1', '10.0.11.150:2375', 'healthy'), ('node2', '10.0.11.151:2375', 'pending'),
        ('node3', '10.0.11.152:2375', 'unhealthy')]
    assert parsed['nodes'][0]['labels']['storagedriver'] == 'overlay2'
    assert parsed['nodes'][1]['error'] is None and 'Cannot connect' in parsed['nodes'][2]['error']
    check = cinfo.check_healthy(parsed, ['node1', 'node2.example.com', '10.0.11.152', 'node9'])
    assert not check['ok'] and check['missing'] == ['node9']
    assert check['not_healthy'] == {'node2.example.com': 'pending', '10.0.11.152': 'unhealthy'}
    assert 'Nodes: 3' in cinfo.render(parsed)
    assert 'address tried 10.0.11.152:2375, error: Cannot connect' in check['why']['10.0.11.152']
    assert 'engine port is closed' in check['why']['10.0.11.152']
    assert 'pending, address tried 10.0.11.151:2375, error: none reported' in check['why']['node2.example.com']
    assert 'usual causes: name not resolvable' in check['why']['node2.example.com']
    # A host the inventory names by alias: found by one of its addresses.
    check = cinfo.check_healthy(parsed, [{'name': 'alpha', 'addresses': ['10.0.11.150']}, {'name': 'bravo'}])
    assert check['missing'] == ['bravo'] and check['not_healthy'] == {}


def test_explain_a_node_listed_by_name_or_refusing_tls():
    name = dict(status='pending', addr='node1:2375', error=None)
    assert 'node1 is a name the manager container may not resolve' in cinfo.explain(name)
    tls = dict(status='unhealthy', addr='10.0.0.1:2375', error='remote error: tls: bad certificate')
    assert 'TLS refused' in cinfo.explain(tls) and 'may not resolve' not in cinfo.explain(tls)


def test_parse_info_replica_and_not_classic():
    parsed = cinfo.parse_system_status([['Role', 'replica'], ['Primary', '10.0.0.1:2376'], ['Nodes', '0']])
    assert parsed['role'] == 'replica' and parsed['primary'] == '10.0.0.1:2376' and parsed['nodes'] == []
    with pytest.raises(ValueError, match='not a classic Swarm manager'):
        cinfo.parse_info({'ServerVersion': '26.1.5'})


# ------------------------------------------------------------ hosted token API

class FakeOpener(object):
    def __init__(self, answers):
        self.answers = list(answers)
        self.calls = []

    def __call__(self, url, **kwargs):
        self.calls.append((kwargs['method'], url, kwargs.get('data'), kwargs.get('ca_path')))
        answer = self.answers.pop(0)
        if isinstance(answer, Exception):
            raise answer
        return io.BytesIO(answer.encode())


def test_hosted_client():
    opener = FakeOpener([TOKEN + '\n', json.dumps(['10.0.0.1:2375']), '', ''])
    client = HostedDiscovery('https://d.example/v1/', ca_path='/ca.pem', opener=opener)
    assert client.create() == TOKEN
    assert client.list(TOKEN) == ['10.0.0.1:2375']
    client.register(TOKEN, '10.0.0.2:2375', 180)
    assert client.delete(TOKEN) is True
    assert [c[:2] for c in opener.calls] == [
        ('POST', 'https://d.example/v1/clusters'), ('GET', 'https://d.example/v1/clusters/' + TOKEN),
        ('POST', 'https://d.example/v1/clusters/%s?ttl=180' % TOKEN),
        ('DELETE', 'https://d.example/v1/clusters/' + TOKEN)]
    assert opener.calls[2][2] == '10.0.0.2:2375' and opener.calls[0][3] == '/ca.pem'


def test_hosted_client_errors():
    down = HostedDiscovery(opener=FakeOpener([URLError('Name or service not known')]))
    with pytest.raises(HostedDiscoveryError) as err:
        down.create()
    assert err.value.unreachable and 'shut down on 2019-06-19' in str(err.value)
    assert 'discovery_url' in str(err.value) and 'consul' in str(err.value)
    missing = HTTPError('https://d/v1/clusters/x', 404, 'Not Found', {}, io.BytesIO(b'no such cluster'))
    assert HostedDiscovery('https://d/v1', opener=FakeOpener([missing])).delete(TOKEN) is False
    with pytest.raises(HostedDiscoveryError, match='not a token'):
        HostedDiscovery('https://d/v1', opener=FakeOpener(['<html>'])).create()
    with pytest.raises(ValueError, match='https'):
        HostedDiscovery('http://d/v1')


def test_kv_node_list_urls_and_answers():
    etcd = disc.parse('etcd://10.0.0.5:2379,10.0.0.6/swarm')
    assert disc.kv_list_urls(etcd) == ['http://10.0.0.5:2379/v2/keys/swarm/docker/swarm/nodes',
                                       'http://10.0.0.6:2379/v2/keys/swarm/docker/swarm/nodes']
    assert disc.kv_list_urls(disc.parse('consul://c1:8500')) == ['http://c1:8500/v1/kv/docker/swarm/nodes/?keys']
    assert disc.kv_list_urls(disc.parse('zk://z1:2181/swarm')) == []
    answer = ('{"action":"get","node":{"key":"/swarm/docker/swarm/nodes","dir":true,"nodes":['
              '{"key":"/swarm/docker/swarm/nodes/10.0.0.2:2375","value":"10.0.0.2:2375"},'
              '{"key":"/swarm/docker/swarm/nodes/10.0.0.1:2375","value":"10.0.0.1:2375"}]}}')
    assert disc.parse_kv_list('etcd', answer) == ['10.0.0.1:2375', '10.0.0.2:2375']
    assert disc.parse_kv_list('consul', '["docker/swarm/nodes/10.0.0.3:2375"]') == ['10.0.0.3:2375']


def test_kv_nodes_tries_the_next_store_and_says_why_none_answered():
    from ansible_collections.dockercluster.swarm.plugins.modules import swarm_info
    asked = []

    def get(url):
        asked.append(url)
        if '10.0.0.5' in url:
            raise OSError('connection refused')
        return '{"node":{"nodes":[{"key":"/swarm/docker/swarm/nodes/10.0.0.1:2375"}]}}'

    parsed = disc.parse('etcd://10.0.0.5:2379,10.0.0.6:2379/swarm')
    assert swarm_info.kv_nodes(parsed, 5, get) == ['10.0.0.1:2375'] and len(asked) == 2
    with pytest.raises(ValueError, match='no store answered.*connection refused'):
        swarm_info.kv_nodes(disc.parse('etcd://10.0.0.5:2379/swarm'), 5, get)


def test_ca_bundle_is_mounted_over_the_images_roots_and_must_exist():
    assert cc.ca_bundle_binds('') == []
    assert cc.ca_bundle_binds('/etc/ca.pem', exists=lambda p: True) == [
        '/etc/ca.pem:/etc/ssl/certs/ca-certificates.crt:ro']
    with pytest.raises(ValueError, match='is not a file on this host'):
        cc.ca_bundle_binds('/nonexistent/ca.pem')


@pytest.mark.parametrize('settings, problem', [
    ({}, 'shut down on 2019-06-19'),                                             # the defaults: token at the hub
    ({'base': 'https://discovery.hub.docker.com/v1/'}, 'shut down on 2019-06-19'),
    ({'base': 'https://disc.example/v1'}, ''),                                   # a server of the same API
    ({'token': '0123456789abcdef0123456789abcdef'}, ''),                         # a token given: none created
    ({'kind': 'nodes', 'nodes': ['10.0.0.1:2375']}, ''),
])
def test_token_discovery_with_no_token_at_the_shut_down_hub_is_refused_before_any_change(settings, problem):
    from ansible_collections.dockercluster.swarm.plugins.filter.classic_discovery import classic_discovery_problem
    found = classic_discovery_problem(settings)
    assert (problem in found and 'swarm_classic_discovery_url' in found) if problem else found == '', found
