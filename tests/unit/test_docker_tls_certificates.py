"""docker_tls_certificates on a real directory: the whole play's PKI in one run, nothing made twice,
the CA key never replaced, and which hosts need their files installed."""

import datetime
import hashlib
import os
import stat

import pytest
from ansible_collections.dockercluster.swarm.plugins.module_utils import pki
from ansible_collections.dockercluster.swarm.plugins.modules import docker_tls_certificates
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

CLIENTS = [{'name': 'operator', 'common_name': 'op', 'cert': 'cert.pem', 'key': 'key.pem'},
           {'name': 'manager', 'common_name': 'mgr', 'cert': 'manager-cert.pem', 'key': 'manager-key.pem'}]


@pytest.fixture
def run(module_run, tmp_path):
    def _run(check=False, diff=False, **args):
        args = dict({'path': str(tmp_path / 'pki'), 'clients': CLIENTS,
                     'hosts': [{'name': 'node1', 'names': ['node1', '10.0.0.5', 'localhost', '127.0.0.1'],
                                'client': 'manager'},
                               {'name': 'node2', 'names': ['node2', '10.0.0.6']}]}, **args)
        return module_run(docker_tls_certificates.main, args, check, diff)
    return _run


def pki_files(root):
    found = {}
    for folder, _dirs, names in os.walk(root):
        for name in names:
            path = os.path.join(folder, name)
            if not os.path.exists(path):  # a link to nothing
                found[os.path.relpath(path, root)] = ('link', os.readlink(path))
                continue
            with open(path, 'rb') as handle:
                found[os.path.relpath(path, root)] = (handle.read(), stat.S_IMODE(os.stat(path).st_mode))
    return found


def cert(root, name):
    with open(os.path.join(root, name), 'rb') as handle:
        return x509.load_pem_x509_certificate(handle.read())


def test_makes_everything_once_then_nothing(run, tmp_path):
    root = str(tmp_path / 'pki')
    result, failed = run()
    assert not failed and result['changed'], result
    assert sorted(result['issued']) == sorted([
        'ca-key.pem', 'ca.pem', 'key.pem', 'cert.pem', 'manager-key.pem', 'manager-cert.pem',
        'nodes/node1/server-key.pem', 'nodes/node1/server-cert.pem',
        'nodes/node2/server-key.pem', 'nodes/node2/server-cert.pem'])
    made = pki_files(root)
    assert all(mode == (0o600 if name.endswith('key.pem') else 0o644) for name, (_data, mode) in made.items())
    assert stat.S_IMODE(os.stat(root).st_mode) == 0o700
    assert stat.S_IMODE(os.stat(os.path.join(root, 'nodes', 'node1')).st_mode) == 0o700
    server = cert(root, 'nodes/node1/server-cert.pem')
    sans = server.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    assert sans.get_values_for_type(x509.DNSName) == ['node1', 'localhost']
    assert [str(ip) for ip in sans.get_values_for_type(x509.IPAddress)] == ['10.0.0.5', '127.0.0.1']
    assert server.issuer == cert(root, 'ca.pem').subject
    # No read of the hosts' files: both get them; each its own, the manager's client files on node1 only.
    assert result['install'] == ['node1', 'node2']
    assert [f['name'] for f in result['files']['node1']] == [
        'ca.pem', 'server-cert.pem', 'server-key.pem', 'client-cert.pem', 'client-key.pem']
    assert [f['name'] for f in result['files']['node2']] == ['ca.pem', 'server-cert.pem', 'server-key.pem']
    assert result['files']['node2'][1]['source'] == os.path.join(root, 'nodes/node2/server-cert.pem')
    result, failed = run()
    assert not failed and not result['changed'] and result['issued'] == []
    assert pki_files(root) == made


def test_check_mode_predicts_and_writes_nothing(run, tmp_path):
    result, failed = run(check=True, diff=True)
    assert not failed and result['changed'] and 'ca-key.pem' in result['issued']
    assert 'nodes/node2/server-cert.pem\n' in result['diff']['after']
    assert not os.path.exists(str(tmp_path / 'pki'))


def test_a_changed_name_reissues_that_certificate_only_with_the_same_key(run, tmp_path):
    root = str(tmp_path / 'pki')
    run()
    before = pki_files(root)
    result, failed = run(hosts=[{'name': 'node1', 'names': ['node1', '10.0.0.5', 'localhost', '127.0.0.1'],
                                 'client': 'manager'},
                                {'name': 'node2', 'names': ['node2', '10.0.0.6', 'extra.lab']}])
    assert not failed and result['issued'] == ['nodes/node2/server-cert.pem']
    after = pki_files(root)
    assert after['nodes/node2/server-key.pem'] == before['nodes/node2/server-key.pem']
    assert {k: v for k, v in after.items() if k != 'nodes/node2/server-cert.pem'} == \
        {k: v for k, v in before.items() if k != 'nodes/node2/server-cert.pem'}


def test_a_certificate_near_expiry_is_renewed(run):
    run()
    result, failed = run(renew_days=400)  # every certificate but the CA's (3650 days) is due
    assert not failed
    assert sorted(result['issued']) == sorted(['cert.pem', 'manager-cert.pem', 'nodes/node1/server-cert.pem',
                                               'nodes/node2/server-cert.pem'])


def test_check_mode_marks_the_files_a_renewal_would_make(run, tmp_path):
    """The role hands a file marked issued to the host as not there yet: --check predicts the install and
    the restart a renewal brings, while the file here is still the old one."""
    run()
    before = pki_files(str(tmp_path / 'pki'))
    result, failed = run(check=True, hosts=[{'name': 'node1', 'names': ['node1', '10.0.0.5', 'localhost', '127.0.0.1'],
                                             'client': 'manager'},
                                            {'name': 'node2', 'names': ['node2', '10.0.0.6'], 'renew_days': 400}])
    assert not failed and result['issued'] == ['nodes/node2/server-cert.pem'], result
    assert {f['name']: f['issued'] for f in result['files']['node2']} == {
        'ca.pem': False, 'server-cert.pem': True, 'server-key.pem': False}
    assert not any(f['issued'] for f in result['files']['node1'])
    assert pki_files(str(tmp_path / 'pki')) == before


def test_loosened_modes_are_set_back_and_nothing_is_made(run, tmp_path):
    root = str(tmp_path / 'pki')
    run()
    os.chmod(root, 0o755)
    os.chmod(os.path.join(root, 'ca-key.pem'), 0o644)
    os.chmod(os.path.join(root, 'nodes', 'node1', 'server-key.pem'), 0o640)
    before = pki_files(root)
    result, failed = run(check=True)  # predicted, not set
    assert not failed and result['changed'] and pki_files(root) == before
    assert stat.S_IMODE(os.stat(root).st_mode) == 0o755
    result, failed = run()
    assert not failed and result['changed'] and result['issued'] == []
    assert stat.S_IMODE(os.stat(root).st_mode) == 0o700
    assert stat.S_IMODE(os.stat(os.path.join(root, 'ca-key.pem')).st_mode) == 0o600
    assert stat.S_IMODE(os.stat(os.path.join(root, 'nodes', 'node1', 'server-key.pem')).st_mode) == 0o600


@pytest.mark.parametrize('damage', ['garbage', 'rsa', 'encrypted'])
def test_an_existing_ca_key_is_never_replaced(run, tmp_path, damage):
    root = str(tmp_path / 'pki')
    run()
    path = os.path.join(root, 'ca-key.pem')
    if damage == 'garbage':
        data = b'-----BEGIN EC PRIVATE KEY-----\nnot a key\n-----END EC PRIVATE KEY-----\n'
    else:
        key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        encryption = (serialization.BestAvailableEncryption(b'secret') if damage == 'encrypted'
                      else serialization.NoEncryption())
        data = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.TraditionalOpenSSL,
                                 encryption)
    with open(path, 'wb') as handle:
        handle.write(data)
    before = pki_files(root)
    result, failed = run()
    assert failed and 'never replaced' in result['msg'] and 'ca-key.pem' in result['msg']
    assert pki_files(root) == before


def test_an_encrypted_ca_key_works_with_its_passphrase(run, tmp_path):
    root = str(tmp_path / 'pki')
    result, failed = run(ca_passphrase='s3cret')
    assert not failed
    with open(os.path.join(root, 'ca-key.pem'), 'rb') as handle:
        data = handle.read()
    assert b'ENCRYPTED' in data
    with pytest.raises(TypeError):
        serialization.load_pem_private_key(data, None)
    result, failed = run(ca_passphrase='s3cret')
    assert not failed and not result['changed']
    result, failed = run()  # without it: refused, nothing replaced
    assert failed and 'never replaced' in result['msg']


@pytest.mark.parametrize('broken', ['dangling link', 'gone'])
def test_a_ca_key_that_cannot_be_read_is_not_replaced_either(run, tmp_path, broken):
    """A link to storage that is not mounted, or the key moved away while ca.pem stays: refused, no
    new CA (which would re-issue every certificate and restart every engine)."""
    root = str(tmp_path / 'pki')
    run()
    path = os.path.join(root, 'ca-key.pem')
    os.remove(path)
    if broken == 'dangling link':
        os.symlink(str(tmp_path / 'offline' / 'ca-key.pem'), path)
    before = pki_files(root)
    os.chmod(root, 0o750)
    result, failed = run(hosts=[{'name': 'node3', 'names': ['node3']}])
    assert failed and 'never replaced' in result['msg'] and 'cannot be read' in result['msg'], result
    assert pki_files(root) == before and os.path.lexists(path) == (broken == 'dangling link')
    # Refused before anything here changed: no mode set back, no new host's folder.
    assert stat.S_IMODE(os.stat(root).st_mode) == 0o750 and not os.path.exists(os.path.join(root, 'nodes', 'node3'))


@pytest.mark.parametrize('days, words', [
    ({'cert_days': 30, 'spread_days': 30}, 'cert_days (30) must be more than spread_days (30)'),
    ({'renew_days': -1}, 'renew_days: -1 is not a number of days'),
    ({'ca_days': 0}, 'ca_days: 0 is not a number of days'),
    ({'key_type': 'RSA', 'key_size': 1024}, 'key_size: 1024 bits is too small for an RSA key (at least 2048)'),
    ({'hosts': [{'name': 'node1', 'names': ['node1'], 'renew_days': -2}]}, 'node1: renew_days -2 is not a number of days'),
])
def test_validities_no_certificate_can_have_are_refused_before_anything_is_written(run, tmp_path, days, words):
    result, failed = run(**days)
    assert failed and words in result['msg'], result
    assert not os.path.exists(str(tmp_path / 'pki'))


def test_validities_due_again_at_once_are_made_and_warned_about(run, tmp_path):
    result, failed = run(cert_days=45, ca_days=30)  # 45 - 30 (spread) and 30 are not more than 30 (renew)
    assert not failed and result['issued'], result
    assert [w.split(':')[0] for w in result['_warnings']] == ['cert_days - spread_days (15) is not more than '
                                                              'renew_days (30)', 'ca_days (30) is not more than '
                                                              'renew_days (30)'], result['_warnings']
    result, failed = run(path=str(tmp_path / 'defaults'))
    assert not failed and result['_warnings'] == []


def test_bad_names_are_refused_before_anything_is_written(run, tmp_path):
    result, failed = run(hosts=[{'name': 'node1', 'names': ['node1', 'bad name', 'x;rm']}])
    assert failed and "'bad name'" in result['msg'] and "'x;rm'" in result['msg']
    assert not os.path.exists(str(tmp_path / 'pki'))


@pytest.mark.parametrize('client, words', [
    ({'cert': 'op.pem', 'key': 'ca-key.pem'}, "'ca-key.pem' is the CA's"),
    ({'cert': '../op.pem', 'key': 'op-key.pem'}, "'../op.pem' is not a plain file name"),
    ({'cert': '/etc/op.pem', 'key': 'op-key.pem'}, "'/etc/op.pem' is not a plain file name"),
    ({'cert': 'nodes', 'key': 'op-key.pem'}, "'nodes' is not a plain file name"),
    ({'cert': 'manager-cert.pem', 'key': 'op-key.pem'}, "'manager-cert.pem' is given twice"),
    ({'name': 'manager', 'cert': 'op.pem', 'key': 'op-key.pem'}, "'manager' names two clients"),
])
def test_client_files_that_would_overwrite_others_are_refused_before_anything_is_written(run, tmp_path, client, words):
    """A client's key named ca-key.pem would replace the CA's key (an encrypted one by a plain one)."""
    result, failed = run()
    before = pki_files(str(tmp_path / 'pki'))
    result, failed = run(clients=CLIENTS + [dict({'name': 'op2', 'common_name': 'op2'}, **client)])
    assert failed and words in result['msg'], result
    assert pki_files(str(tmp_path / 'pki')) == before


def read_of(root, host, files, node_dir='/etc/docker/certs'):
    """What docker_host_info's stat would report for a host whose files are these ones."""
    state = {node_dir: {'type': 'directory', 'mode': '0700', 'uid': 0, 'gid': 0}}
    for entry in files:
        with open(entry['source'], 'rb') as handle:
            state[node_dir + '/' + entry['name']] = {'type': 'file', 'mode': entry['mode'], 'uid': 0, 'gid': 0,
                                                     'sha1': hashlib.sha1(handle.read()).hexdigest()}
    return state


def test_install_lists_only_the_hosts_whose_files_differ(run, tmp_path):
    root = str(tmp_path / 'pki')
    result, _failed = run()
    good = {host: read_of(root, host, files) for host, files in result['files'].items()}
    hosts = [{'name': 'node1', 'names': ['node1', '10.0.0.5', 'localhost', '127.0.0.1'], 'client': 'manager',
              'installed': good['node1']},
             {'name': 'node2', 'names': ['node2', '10.0.0.6'], 'installed': good['node2']}]
    result, failed = run(hosts=hosts)
    assert not failed and result['install'] == []
    loose = dict(good['node2'])
    loose['/etc/docker/certs/server-key.pem'] = dict(loose['/etc/docker/certs/server-key.pem'], mode='0644')
    missing = dict(good['node1'])
    missing['/etc/docker/certs/client-key.pem'] = None
    result, failed = run(hosts=[dict(hosts[0], installed=missing), dict(hosts[1], installed=loose)])
    assert result['install'] == ['node1', 'node2']


def test_a_host_that_is_no_longer_a_manager_gets_its_files_again_without_the_client_key(run, tmp_path):
    """Its files are right, but the managers' client certificate and key are still there: install it
    (docker_tls_files with exclusive removes them)."""
    root = str(tmp_path / 'pki')
    result, _failed = run(hosts=[{'name': 'node1', 'names': ['node1'], 'client': 'manager'}])
    was_manager = read_of(root, 'node1', result['files']['node1'])
    result, failed = run(hosts=[{'name': 'node1', 'names': ['node1'], 'installed': was_manager}])
    assert not failed and result['install'] == ['node1']
    assert [entry['name'] for entry in result['files']['node1']] == ['ca.pem', 'server-cert.pem', 'server-key.pem']
    now = read_of(root, 'node1', result['files']['node1'])
    result, failed = run(hosts=[{'name': 'node1', 'names': ['node1'], 'installed': now}])
    assert not failed and result['install'] == []


def test_server_certificates_spread_their_expiry():
    offsets = {pki.spread_offset('node%d' % n, 30) for n in range(1, 40)}
    assert len(offsets) > 10 and all(0 <= o <= 30 for o in offsets)
    assert pki.spread_offset('node1', 30) == pki.spread_offset('node1', 30)
    assert pki.spread_offset('node1', 0) == 0


def test_the_spread_shortens_the_validity(run, tmp_path):
    root = str(tmp_path / 'pki')
    run(spread_days=30)
    for host in ('node1', 'node2'):
        not_after = cert(root, 'nodes/%s/server-cert.pem' % host).not_valid_after_utc
        days = (not_after - datetime.datetime.now(datetime.timezone.utc)).days
        assert days == 364 - pki.spread_offset(host, 30) or days == 365 - pki.spread_offset(host, 30)


def test_a_host_renew_days_renews_that_host_only(run):
    run()
    result, failed = run(hosts=[{'name': 'node1', 'names': ['node1', '10.0.0.5', 'localhost', '127.0.0.1'],
                                 'client': 'manager'},
                                {'name': 'node2', 'names': ['node2', '10.0.0.6'], 'renew_days': 400}])
    assert not failed and result['issued'] == ['nodes/node2/server-cert.pem']


def test_a_host_own_certificate_is_not_a_shared_change(run, tmp_path):
    result, _failed = run()
    assert result['shared_changed']  # the CA and the clients' files were made
    result, failed = run(hosts=[{'name': 'node1', 'names': ['node1', '10.0.0.5', 'localhost', '127.0.0.1'],
                                 'client': 'manager'},
                                {'name': 'node2', 'names': ['node2', '10.0.0.6']},
                                {'name': 'node3', 'names': ['node3']}])
    assert not failed and result['changed'] and not result['shared_changed']
    assert result['issued'] == ['nodes/node3/server-key.pem', 'nodes/node3/server-cert.pem']
    os.chmod(str(tmp_path / 'pki' / 'ca-key.pem'), 0o644)
    result, _failed = run()
    assert result['changed'] and result['shared_changed'] and result['issued'] == []


def test_a_directory_it_cannot_write_fails_cleanly(run, tmp_path):
    blocker = tmp_path / 'pki'
    blocker.write_text('a file where the directory should be')
    result, failed = run()
    assert failed and str(blocker) in result['msg'] and result['install'] == []


def test_reported_addresses_go_only_to_the_host_no_other_claims():
    kept, left_out = pki.trusted_addresses([
        {'name': 'node1', 'names': ['node1', '10.0.0.5'], 'addresses': ['10.0.0.5', '10.0.2.15']},
        {'name': 'node2', 'names': ['node2'], 'addresses': ['10.0.0.6', '10.0.2.15', 'garbage']},
        {'name': 'node3', 'names': ['node3'], 'addresses': ['10.0.0.7', '10.0.0.5']},
    ])
    # 10.0.2.15 (a NAT address every VM has) and node1's inventory address are nobody's but node1's own.
    assert kept == {'node1': ['10.0.0.5'], 'node2': ['10.0.0.6'], 'node3': ['10.0.0.7']}
    assert left_out == {'node1': ['10.0.2.15'], 'node2': ['10.0.2.15', 'garbage'], 'node3': ['10.0.0.5']}


def test_a_reported_address_every_host_has_goes_into_no_certificate():
    """A host alone in the run reporting 0.0.0.0, a loopback, link-local or multicast address: no other host
    claims it here, but it names no host in particular (the inventory's own names stay)."""
    shared = ['0.0.0.0', '127.0.0.1', '::1', '169.254.1.1', 'fe80::1', '224.0.0.1', '::']
    kept, left_out = pki.trusted_addresses([{'name': 'node1', 'names': ['node1', '127.0.0.1'],
                                             'addresses': ['10.0.0.5', '2001:db8::5'] + shared}])
    assert kept == {'node1': ['10.0.0.5', '2001:db8::5']}
    assert left_out == {'node1': shared}


def test_a_host_reporting_the_address_of_a_host_left_out_of_the_run_gets_no_certificate_for_it(run, tmp_path):
    """--limit node2: node1 is not in the run, but its inventory address is still its own."""
    root = str(tmp_path / 'pki')
    result, failed = run(hosts=[{'name': 'node2', 'names': ['node2'], 'addresses': ['10.0.0.6', '10.0.0.5']}],
                         other_hosts=[{'name': 'node1', 'names': ['node1', '10.0.0.5']}])
    assert not failed and result['left_out'] == {'node2': ['10.0.0.5']}, result
    sans = cert(root, 'nodes/node2/server-cert.pem').extensions.get_extension_for_class(
        x509.SubjectAlternativeName).value
    assert [str(ip) for ip in sans.get_values_for_type(x509.IPAddress)] == ['10.0.0.6']
    assert not os.path.exists(os.path.join(root, 'nodes', 'node1'))


def test_a_host_reporting_a_manager_address_gets_no_certificate_for_it(run, tmp_path, monkeypatch):
    root = str(tmp_path / 'pki')
    warnings = []
    monkeypatch.setattr(docker_tls_certificates.AnsibleModule, 'warn', lambda self, text: warnings.append(text))
    # 127.0.0.1, which every host's names hold and a host may report too (its lo), is nobody's claim: no warning.
    result, failed = run(hosts=[
        {'name': 'node1', 'names': ['node1', '10.0.0.5', '127.0.0.1'], 'addresses': ['10.0.0.5', '127.0.0.1'],
         'client': 'manager'},
        {'name': 'node2', 'names': ['node2', '127.0.0.1'], 'addresses': ['10.0.0.6', '10.0.0.5', '127.0.0.1']}])
    assert not failed and result['left_out'] == {'node1': ['127.0.0.1'], 'node2': ['10.0.0.5', '127.0.0.1']}
    assert warnings == ['node2 reported 10.0.0.5, which the inventory gives node1: left out of its certificate']
    sans = cert(root, 'nodes/node2/server-cert.pem').extensions.get_extension_for_class(
        x509.SubjectAlternativeName).value
    assert [str(ip) for ip in sans.get_values_for_type(x509.IPAddress)] == ['127.0.0.1', '10.0.0.6']
