"""The docker_pki skip checks, on certificates made here with cryptography the way docker_pki makes them."""

import datetime
import ipaddress

import pytest
from ansible_collections.dockercluster.swarm.plugins.module_utils.pki import (
    tls_certificate_expiring,
    tls_certificate_problem,
    tls_private_key_problem,
)
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

NOW = datetime.datetime.now(datetime.timezone.utc)
SANS = ['DNS:node1', 'DNS:localhost', 'IP:127.0.0.1', 'IP:10.0.0.5', 'IP:fd00::1']
EKU = ['serverAuth', 'clientAuth']
KU = ['digitalSignature', 'keyEncipherment']


def pem_key(key):
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.TraditionalOpenSSL,
                             serialization.NoEncryption()).decode()


def pem_cert(cert):
    return cert.public_bytes(serialization.Encoding.PEM).decode()


def name(cn):
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn)])


def issue(subject_key, cn, issuer_key=None, issuer_name=None, days=365, sans=SANS, eku=EKU, ku=KU, ca=False):
    builder = (x509.CertificateBuilder().subject_name(name(cn)).issuer_name(issuer_name or name(cn))
               .public_key(subject_key.public_key()).serial_number(x509.random_serial_number())
               .not_valid_before(NOW - datetime.timedelta(days=1)).not_valid_after(NOW + datetime.timedelta(days=days)))
    if sans:
        entries = [x509.IPAddress(ipaddress.ip_address(s[3:])) if s.startswith('IP:') else x509.DNSName(s[4:])
                   for s in sans]
        builder = builder.add_extension(x509.SubjectAlternativeName(entries), critical=False)
    if eku:
        oids = {'serverAuth': ExtendedKeyUsageOID.SERVER_AUTH, 'clientAuth': ExtendedKeyUsageOID.CLIENT_AUTH}
        builder = builder.add_extension(x509.ExtendedKeyUsage([oids[e] for e in eku]), critical=False)
    flags = dict(digital_signature=False, content_commitment=False, key_encipherment=False, data_encipherment=False,
                 key_agreement=False, key_cert_sign=False, crl_sign=False, encipher_only=False, decipher_only=False)
    for usage in ku:
        flags[{'digitalSignature': 'digital_signature', 'keyEncipherment': 'key_encipherment',
               'keyCertSign': 'key_cert_sign', 'cRLSign': 'crl_sign'}[usage]] = True
    builder = builder.add_extension(x509.KeyUsage(**flags), critical=ca)
    if ca:
        builder = builder.add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
    return pem_cert(builder.sign(issuer_key or subject_key, hashes.SHA256()))


@pytest.fixture(scope='module')
def pki():
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca = issue(ca_key, 'Docker CA', sans=[], eku=[], ku=['keyCertSign', 'cRLSign'], ca=True, days=3650)
    host_key = ec.generate_private_key(ec.SECP256R1())
    ca_cert = x509.load_pem_x509_certificate(ca.encode())
    cert = issue(host_key, 'node1', issuer_key=ca_key, issuer_name=ca_cert.subject)
    return dict(ca_key=ca_key, ca=ca, ca_subject=ca_cert.subject, host_key=host_key, key=pem_key(host_key),
                cert=cert)


def check(pki, cert=None, **kwargs):
    args = dict(key=pki['key'], issuer=pki['ca'], common_name='node1', subject_alt_name=SANS,
                extended_key_usage=EKU, key_usage=KU, renew_days=30)
    args.update(kwargs)
    return tls_certificate_problem(pki['cert'] if cert is None else cert, **args)


def test_the_certificate_docker_pki_would_issue_is_current(pki):
    assert check(pki) == ''
    # The order of the names does not matter; the IPv6 spelling does not either.
    assert check(pki, subject_alt_name=list(reversed(SANS[:-1])) + ['IP:fd00:0::1']) == ''


def test_the_self_signed_ca_is_current_as_a_ca(pki):
    ca_args = dict(key=pem_key(pki['ca_key']), common_name='Docker CA', subject_alt_name=[], extended_key_usage=[],
                   key_usage=['keyCertSign', 'cRLSign'])
    assert check(pki, pki['ca'], ca=True, **ca_args) == ''
    assert check(pki, pki['ca'], ca=False, **ca_args) == 'CA constraints differ'
    assert check(pki, ca=True) == 'CA constraints differ'  # a server certificate is no CA


@pytest.mark.parametrize('change, problem', [
    (dict(cert=''), 'missing'),
    (dict(cert='-----BEGIN CERTIFICATE-----\nnot base64\n-----END CERTIFICATE-----\n'), 'missing'),
    (dict(renew_days=400), 'expires within 400 days'),
    (dict(common_name='node2'), 'another subject'),
    (dict(subject_alt_name=SANS + ['IP:10.0.0.6']), 'other names'),
    (dict(subject_alt_name=SANS[1:]), 'other names'),
    (dict(subject_alt_name=SANS + ['URI:https://x']), 'names this check does not know'),
    (dict(extended_key_usage=['serverAuth']), 'other extended key usages'),
    (dict(extended_key_usage=EKU + ['codeSigning']), 'usages this check does not know'),
    (dict(key_usage=['digitalSignature']), 'other key usages'),
    (dict(key=''), 'its key: missing'),
])
def test_any_difference_is_a_problem(pki, change, problem):
    cert = change.pop('cert', None)
    assert check(pki, cert, **change) == problem


def test_a_certificate_for_another_key_or_from_another_ca_is_a_problem(pki):
    other_key = ec.generate_private_key(ec.SECP256R1())
    assert check(pki, key=pem_key(other_key)) == 'issued for another key'
    other_ca_key = ec.generate_private_key(ec.SECP256R1())
    # Same CA name, another CA key: the signature gives it away.
    forged = issue(pki['host_key'], 'node1', issuer_key=other_ca_key, issuer_name=pki['ca_subject'])
    assert check(pki, forged) == 'not issued by this CA'
    rsa_ca_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    rsa_ca = issue(rsa_ca_key, 'Docker CA', sans=[], eku=[], ku=['keyCertSign', 'cRLSign'], ca=True)
    assert check(pki, issuer=rsa_ca) == 'not issued by this CA'


def test_expiring(pki):
    assert tls_certificate_expiring(pki['cert'], 30) is False
    assert tls_certificate_expiring(pki['cert'], 365) is True
    assert tls_certificate_expiring('', 30) is True


def test_private_key_problem():
    ecc = pem_key(ec.generate_private_key(ec.SECP256R1()))
    assert tls_private_key_problem(ecc, 'ECC', 'secp256r1') == ''
    assert tls_private_key_problem(ecc, 'ECC', 'secp384r1') == 'not an ECC key on secp384r1'
    assert tls_private_key_problem(ecc, 'RSA', None, 2048) == 'not an RSA key of 2048 bits'
    rsa_pem = pem_key(rsa.generate_private_key(public_exponent=65537, key_size=2048))
    assert tls_private_key_problem(rsa_pem, 'RSA', None, 2048) == ''
    assert tls_private_key_problem(rsa_pem, 'RSA', None, 3072) == 'not an RSA key of 3072 bits'
    assert tls_private_key_problem('', 'ECC', 'secp256r1') == 'missing'
    assert tls_private_key_problem('garbage', 'ECC', 'secp256r1') == 'unreadable or encrypted'
    encrypted = ec.generate_private_key(ec.SECP256R1()).private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
        serialization.BestAvailableEncryption(b'secret')).decode()
    assert tls_private_key_problem(encrypted, 'ECC', 'secp256r1') == 'unreadable or encrypted'
    assert tls_private_key_problem(ecc, 'DSA') == 'a key type this check does not know'
