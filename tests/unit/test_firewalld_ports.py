"""firewalld_ports: port spelling, what a zone lacks, and the module against a fake firewall-cmd that keeps a
permanent and a runtime port list the way firewalld does."""

import json
import os
import stat

import pytest
from ansible_collections.dockercluster.swarm.plugins.module_utils.firewalld_ports import (
    missing,
    normalize_port,
    parse_list,
    read_record,
    record_added,
    to_close,
)
from ansible_collections.dockercluster.swarm.plugins.modules import firewalld_ports

FAKE = r'''#!/usr/bin/env python3
import json, os, sys
path = os.environ['FAKE_FIREWALLD']
state = json.load(open(path))
args = sys.argv[1:]
state['calls'].append(args)
if not state['running']:
    print('not running'); json.dump(state, open(path, 'w')); sys.exit(252)
where = 'permanent' if '--permanent' in args else 'runtime'
zone = [a.split('=', 1)[1] for a in args if a.startswith('--zone=')]
ports = state[where].setdefault(zone[0] if zone else 'public', [])
if args == ['--state']:
    print('running')
elif args == ['--get-default-zone']:
    print('public')
elif '--list-ports' in args:
    print(' '.join(ports))
else:
    for a in args:
        if a.startswith('--add-port='):
            ports.append(a.split('=', 1)[1])
        elif a.startswith('--remove-port='):
            ports.remove(a.split('=', 1)[1])
    print('success')
json.dump(state, open(path, 'w'))
'''

SWARM_WORKER = ['7946/tcp', '7946/udp', '4789/udp', '2375/tcp']


@pytest.fixture
def firewalld(tmp_path, monkeypatch):
    """A fake firewall-cmd on PATH; returns a function giving (and taking) its state."""
    script = tmp_path / 'bin' / 'firewall-cmd'
    script.parent.mkdir()
    script.write_text(FAKE)
    script.chmod(script.stat().st_mode | stat.S_IEXEC)
    state_path = tmp_path / 'state.json'
    state_path.write_text(json.dumps({'running': True, 'permanent': {'public': ['9090/tcp']},
                                      'runtime': {'public': ['9090/tcp', '2375/tcp']}, 'calls': []}))
    monkeypatch.setenv('PATH', '%s:%s' % (script.parent, os.environ['PATH']))
    monkeypatch.setenv('FAKE_FIREWALLD', str(state_path))

    def state(**update):
        data = json.loads(state_path.read_text())
        if update:
            data.update(update)
            state_path.write_text(json.dumps(data))
        return data
    return state


@pytest.mark.parametrize('spec, spelled', [
    ('2377/tcp', '2377/tcp'), (' 4789/UDP ', '4789/udp'), ('08000-8010/tcp', '8000-8010/tcp'), (2375, None),
    ('2377', None), ('2377/icmp', None), ('0/tcp', None), ('65536/udp', None), ('9-8/tcp', None), ('a/tcp', None),
])
def test_normalize_port(spec, spelled):
    if spelled is None:
        with pytest.raises(ValueError):
            normalize_port(spec)
    else:
        assert normalize_port(spec) == spelled


def test_missing_keeps_the_wanted_order():
    assert parse_list(' 9090/tcp  2375/tcp\n') == ['2375/tcp', '9090/tcp']
    assert missing(SWARM_WORKER, ['2375/tcp', '9090/tcp']) == ['7946/tcp', '7946/udp', '4789/udp']
    assert missing(SWARM_WORKER, SWARM_WORKER) == []


def test_a_port_inside_a_range_the_zone_opens_is_not_missing():
    """firewall-cmd refuses a port a listed range covers (ALREADY_ENABLED): it was asked again, and reported
    changed, at every run."""
    assert missing(['2377/tcp', '4789/udp', '7946/tcp'], ['2000-3000/tcp', '4789/tcp', '7000-7945/tcp']) == [
        '4789/udp', '7946/tcp']
    assert missing(['7946-7950/tcp', '8000-8001/tcp'], ['7900-8000/tcp', 'junk']) == ['8000-8001/tcp']


def test_opens_what_each_side_lacks_then_nothing(module_run, firewalld, tmp_path):
    record = str(tmp_path / 'firewalld-ports.json')
    result, failed = module_run(firewalld_ports.main, {'ports': SWARM_WORKER, 'record_path': record}, diff=True)
    assert not failed and result['changed'] and result['zone'] == 'public'
    assert result['added'] == {'permanent': SWARM_WORKER, 'runtime': ['7946/tcp', '7946/udp', '4789/udp']}
    state = firewalld()
    # Added, and nothing taken away (9090/tcp was there before).
    assert sorted(state['permanent']['public']) == sorted(SWARM_WORKER + ['9090/tcp'])
    assert sorted(state['runtime']['public']) == sorted(SWARM_WORKER + ['9090/tcp'])
    assert 'public (permanent): 9090/tcp\n' in result['diff']['before']
    assert '4789/udp' in result['diff']['after']
    assert not any('--reload' in call or any(a.startswith('--remove') for a in call) for call in state['calls'])
    again, failed = module_run(firewalld_ports.main, {'ports': SWARM_WORKER, 'record_path': record})
    assert not failed and not again['changed'] and again['added'] == {'permanent': [], 'runtime': []}


def test_check_mode_changes_nothing(module_run, firewalld, tmp_path):
    record = tmp_path / 'firewalld-ports.json'
    result, failed = module_run(firewalld_ports.main, {'ports': ['2377/tcp'], 'zone': 'internal',
                                                       'record_path': str(record)}, check=True)
    assert not failed and result['changed'] and result['zone'] == 'internal'
    assert result['added'] == {'permanent': ['2377/tcp'], 'runtime': ['2377/tcp']}
    assert not any(a.startswith('--add-port') for call in firewalld()['calls'] for a in call)
    assert not record.exists()


def test_firewalld_not_installed_is_left_alone(module_run, firewalld, monkeypatch):
    monkeypatch.setenv('PATH', '/nonexistent')
    result, failed = module_run(firewalld_ports.main, {'ports': SWARM_WORKER})
    assert not failed and not result['changed'] and result['running'] is False
    assert 'firewalld does not run here (firewall-cmd not found)' in result['msg']
    assert firewalld()['calls'] == []


def offline_cmd(firewalld):
    """firewall-offline-cmd beside the fake firewall-cmd: the permanent side alone, firewalld stopped."""
    bin_dir = os.environ['PATH'].split(':')[0]
    path = os.path.join(bin_dir, 'firewall-offline-cmd')
    with open(path, 'w') as handle:
        handle.write(FAKE.replace("if not state['running']:", "if False:")
                     .replace("'permanent' if '--permanent' in args else 'runtime'", "'permanent'"))
    os.chmod(path, 0o755)


def test_firewalld_stopped_gets_its_permanent_ports_offline_and_loses_them_at_the_reset(module_run, firewalld, tmp_path):
    """firewalld installed but stopped (it starts at the next boot): the permanent configuration gets the ports,
    with a warning; the runtime side is neither read nor changed; the reset closes what was opened."""
    record = str(tmp_path / 'firewalld-ports.json')
    firewalld(running=False)
    result, failed = module_run(firewalld_ports.main, {'ports': SWARM_WORKER, 'record_path': record})
    assert not failed and not result['changed'] and 'firewall-offline-cmd not' in result['msg']
    offline_cmd(firewalld)
    result, failed = module_run(firewalld_ports.main, {'ports': SWARM_WORKER, 'record_path': record})
    assert not failed and result['changed'] and result['running'] is False
    assert result['added'] == {'permanent': SWARM_WORKER, 'runtime': []}
    assert 'only its permanent configuration changed' in result['_warnings'][0]
    state = firewalld()
    assert sorted(state['permanent']['public']) == sorted(SWARM_WORKER + ['9090/tcp'])
    assert state['runtime']['public'] == ['9090/tcp', '2375/tcp']
    assert not any('--permanent' in call for call in state['calls'][1:])  # offline: no such flag
    again, failed = module_run(firewalld_ports.main, {'ports': SWARM_WORKER, 'record_path': record})
    assert not failed and not again['changed'] and again['_warnings'] == []
    closed, failed = module_run(firewalld_ports.main, {'state': 'absent', 'record_path': record})
    assert not failed and closed['changed'] and not os.path.exists(record)
    assert firewalld()['permanent']['public'] == ['9090/tcp']


def test_bad_port_refused_before_any_call(module_run, firewalld):
    result, failed = module_run(firewalld_ports.main, {'ports': ['2377/tcp', '4789']})
    assert failed and "'4789': expected PORT/PROTOCOL" in result['msg']
    assert firewalld()['calls'] == []


def test_the_record_holds_only_what_the_module_opened(tmp_path):
    assert read_record('') == {}
    zones = record_added({}, 'public', {'permanent': ['2377/tcp'], 'runtime': ['2377/tcp', '4789/udp']})
    zones = record_added(zones, 'public', {'permanent': ['4789/udp'], 'runtime': []})
    assert zones == {'public': {'permanent': ['2377/tcp', '4789/udp'], 'runtime': ['2377/tcp', '4789/udp']}}
    assert read_record(json.dumps({'zones': zones})) == zones
    # Closed by hand since: nothing to close there.
    assert to_close(zones['public'], {'permanent': ['4789/udp', '9090/tcp'], 'runtime': []}) == {
        'permanent': ['4789/udp'], 'runtime': []}
    for bad in ('[]', '{"zones": []}', '{"zones": {"public": {"runtime": "2377/tcp"}}}', 'not json'):
        with pytest.raises(ValueError):
            read_record(bad)


def test_closing_gives_back_the_zone_and_keeps_ports_opened_by_others(module_run, firewalld, tmp_path):
    record = str(tmp_path / 'lib' / 'firewalld-ports.json')
    opened, failed = module_run(firewalld_ports.main, {'ports': SWARM_WORKER, 'record_path': record})
    assert not failed and opened['changed']
    # 2375/tcp was open at runtime before: not ours to close there.
    assert json.loads(open(record).read())['zones']['public'] == {
        'permanent': sorted(SWARM_WORKER), 'runtime': sorted(['7946/tcp', '7946/udp', '4789/udp'])}
    predicted, failed = module_run(firewalld_ports.main, {'state': 'absent', 'record_path': record},
                                   check=True, diff=True)
    assert not failed and predicted['changed'] and os.path.exists(record)
    assert predicted['closed']['public']['runtime'] == sorted(['7946/tcp', '7946/udp', '4789/udp'])
    assert 'public (runtime): 2375/tcp 9090/tcp\n' in predicted['diff']['after']
    assert not any(a.startswith('--remove-port') for call in firewalld()['calls'] for a in call)
    closed, failed = module_run(firewalld_ports.main, {'state': 'absent', 'record_path': record})
    assert not failed and closed['changed'] and not os.path.exists(record)
    state = firewalld()
    assert state['permanent']['public'] == ['9090/tcp']
    assert sorted(state['runtime']['public']) == ['2375/tcp', '9090/tcp']
    again, failed = module_run(firewalld_ports.main, {'state': 'absent', 'record_path': record})
    assert not failed and not again['changed'] and again['closed'] == {}


def test_a_port_open_before_is_not_recorded_and_a_bad_record_is_refused(module_run, firewalld, tmp_path):
    record = tmp_path / 'firewalld-ports.json'
    again, failed = module_run(firewalld_ports.main, {'ports': ['9090/tcp'], 'record_path': str(record)})
    assert not failed and not again['changed'] and not record.exists()
    record.write_text('{"zones": "public"}')
    result, failed = module_run(firewalld_ports.main, {'state': 'absent', 'record_path': str(record)})
    assert failed and 'not a record of opened ports' in result['msg']
    assert not any(a.startswith('--remove-port') for call in firewalld()['calls'] for a in call)
