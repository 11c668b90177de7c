# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The cluster's PKI, on the controller: is a key or certificate what docker_pki wants, and the
keys and certificates it makes when not (with the cryptography package).

docker_tls_certificates checks and makes every file of the play in one run: the CA, the clients'
certificates and each host's server certificate. A check answers "current" only when sure;
anything it does not recognise counts as a problem, and the file is made again (never the CA's
key: the module refuses instead).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import datetime
import hashlib
import ipaddress
import posixpath
import re

from ansible_collections.dockercluster.swarm.plugins.module_utils.tls_files import NODE_FILES

# cryptography is imported on first use, so that a module that only imports this file for its
# pure helpers runs where the package is missing.
x509 = InvalidSignature = hashes = serialization = ec = padding = rsa = ExtendedKeyUsageOID = NameOID = None
_HAS_CRYPTOGRAPHY = []


def _cryptography():
    """Whether cryptography imports (once); without it the checks report a problem."""
    global x509, InvalidSignature, hashes, serialization, ec, padding, rsa, ExtendedKeyUsageOID, NameOID
    if not _HAS_CRYPTOGRAPHY:
        try:
            from cryptography import x509
            from cryptography.exceptions import InvalidSignature
            from cryptography.hazmat.primitives import hashes, serialization
            from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
            from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID
            _HAS_CRYPTOGRAPHY.append(True)
        except ImportError:
            _HAS_CRYPTOGRAPHY.append(False)
    return _HAS_CRYPTOGRAPHY[0]


cryptography_present = _cryptography

KEY_USAGES = {
    'digitalSignature': 'digital_signature', 'contentCommitment': 'content_commitment',
    'keyEncipherment': 'key_encipherment', 'dataEncipherment': 'data_encipherment',
    'keyAgreement': 'key_agreement', 'keyCertSign': 'key_cert_sign', 'cRLSign': 'crl_sign',
}
EXTENDED_KEY_USAGES = ('serverAuth', 'clientAuth')


def _text(value):
    return value if isinstance(value, str) else (value or b'').decode('ascii', 'replace')


def _load_certificate(pem):
    if not _cryptography() or not _text(pem).strip():
        return None
    try:
        return x509.load_pem_x509_certificate(_text(pem).encode('ascii'))
    except ValueError:
        return None


def _not_after(cert):
    value = getattr(cert, 'not_valid_after_utc', None)
    return value if value is not None else cert.not_valid_after.replace(tzinfo=datetime.timezone.utc)


def _now():
    return datetime.datetime.now(datetime.timezone.utc)


def _extension(cert, kind):
    try:
        return cert.extensions.get_extension_for_class(kind).value
    except x509.ExtensionNotFound:
        return None


def _public_bytes(public_key):
    return public_key.public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)


def _signed_by(cert, issuer):
    public_key = issuer.public_key()
    try:
        if isinstance(public_key, rsa.RSAPublicKey):
            public_key.verify(cert.signature, cert.tbs_certificate_bytes, padding.PKCS1v15(),
                              cert.signature_hash_algorithm)
        elif isinstance(public_key, ec.EllipticCurvePublicKey):
            public_key.verify(cert.signature, cert.tbs_certificate_bytes, ec.ECDSA(cert.signature_hash_algorithm))
        else:
            return False
    except InvalidSignature:
        return False
    return cert.issuer == issuer.subject


def _wanted_names(entries):
    names = set()
    for entry in entries:
        kind, _sep, value = entry.partition(':')
        if kind == 'DNS':
            names.add(x509.DNSName(value))
        elif kind == 'IP':
            names.add(x509.IPAddress(ipaddress.ip_address(value)))
        else:
            raise ValueError(entry)
    return names


def tls_certificate_expiring(cert_pem, renew_days=30):
    """True when the certificate is missing, unreadable, or not valid ``renew_days`` days from now."""
    cert = _load_certificate(cert_pem)
    return cert is None or _not_after(cert) <= _now() + datetime.timedelta(days=int(renew_days))


def _usage_problem(cert, extended_key_usage, key_usage):
    if any(name not in EXTENDED_KEY_USAGES for name in extended_key_usage) or \
            any(name not in KEY_USAGES for name in key_usage):
        return 'usages this check does not know'
    eku = _extension(cert, x509.ExtendedKeyUsage)
    wanted_eku = set(getattr(ExtendedKeyUsageOID, {'serverAuth': 'SERVER_AUTH', 'clientAuth': 'CLIENT_AUTH'}[n])
                     for n in extended_key_usage)
    if set(eku or []) != wanted_eku:
        return 'other extended key usages'
    usage = _extension(cert, x509.KeyUsage)
    have = set(name for name, attr in KEY_USAGES.items() if usage is not None and getattr(usage, attr))
    if have != set(key_usage):
        return 'other key usages'
    return ''


def tls_certificate_problem(cert_pem, key, issuer, common_name, subject_alt_name=None, extended_key_usage=None,
                            key_usage=None, ca=False, renew_days=30, passphrase=None):
    if not _cryptography():
        return 'the cryptography package is missing on the controller'
    cert = _load_certificate(cert_pem)
    if cert is None:
        return 'missing'
    if tls_certificate_expiring(cert_pem, renew_days):
        return 'expires within %s days' % renew_days
    problem = tls_private_key_problem(key, passphrase=passphrase)
    if problem:
        return 'its key: ' + problem
    private_key = load_private_key(key, passphrase)
    if _public_bytes(cert.public_key()) != _public_bytes(private_key.public_key()):
        return 'issued for another key'
    issuer_cert = _load_certificate(issuer)
    if issuer_cert is None or not _signed_by(cert, issuer_cert):
        return 'not issued by this CA'
    if list(cert.subject) != [x509.NameAttribute(NameOID.COMMON_NAME, common_name)]:
        return 'another subject'
    try:
        wanted = _wanted_names(subject_alt_name or [])
    except ValueError:
        return 'names this check does not know'
    sans = _extension(cert, x509.SubjectAlternativeName)
    if set(sans or []) != wanted:
        return 'other names'
    problem = _usage_problem(cert, extended_key_usage or [], key_usage or [])
    if problem:
        return problem
    constraints = _extension(cert, x509.BasicConstraints)
    is_ca = constraints is not None and constraints.ca
    if bool(ca) != is_ca or (ca and constraints.path_length != 0):
        return 'CA constraints differ'
    return ''


def tls_private_key_problem(key_pem, key_type=None, curve=None, size=None, passphrase=None):
    """Why the key is not a readable, unencrypted ``key_type`` (ECC on ``curve``, RSA of ``size``)."""
    if not _cryptography():
        return 'the cryptography package is missing on the controller'
    if not _text(key_pem).strip():
        return 'missing'
    try:
        key = load_private_key(key_pem, passphrase)
    except (ValueError, TypeError):
        return 'unreadable or encrypted'
    if key_type is None:
        return ''
    if key_type == 'ECC':
        if not isinstance(key, ec.EllipticCurvePrivateKey) or key.curve.name != CURVES.get(curve, curve):
            return 'not an ECC key on %s' % curve
    elif key_type == 'RSA':
        if not isinstance(key, rsa.RSAPrivateKey) or key.key_size != int(size):
            return 'not an RSA key of %s bits' % size
    else:
        return 'a key type this check does not know'
    return ''


# community.crypto's curve names (docker_pki_key_curve) and cryptography's.
CURVES = {'secp256r1': 'secp256r1', 'secp384r1': 'secp384r1', 'secp521r1': 'secp521r1'}


def load_private_key(key_pem, passphrase=None):
    """The key object; ValueError or TypeError when it cannot be read (with this passphrase)."""
    secret = passphrase.encode('utf-8') if passphrase else None
    return serialization.load_pem_private_key(_text(key_pem).encode('ascii'), secret)


def new_private_key(key_type, curve=None, size=None):
    if key_type == 'ECC':
        return ec.generate_private_key(getattr(ec, CURVES[curve].upper())())
    return rsa.generate_private_key(public_exponent=65537, key_size=int(size))


def private_key_pem(key, passphrase=None):
    encryption = (serialization.BestAvailableEncryption(passphrase.encode('utf-8')) if passphrase
                  else serialization.NoEncryption())
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.TraditionalOpenSSL,
                             encryption).decode('ascii')


def _name_entry(entry):
    kind, _sep, value = entry.partition(':')
    return x509.IPAddress(ipaddress.ip_address(value)) if kind == 'IP' else x509.DNSName(value)


def issue_certificate(common_name, public_key, signer_key, issuer_pem=None, days=365, subject_alt_name=(),
                      extended_key_usage=(), key_usage=(), ca=False):
    """A certificate (PEM) for ``public_key``, signed by ``signer_key``: self-signed without
    ``issuer_pem``. Names and usages as tls_certificate_problem checks them."""
    _cryptography()
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])
    issuer = _load_certificate(issuer_pem) if issuer_pem else None
    now = _now()
    builder = (x509.CertificateBuilder()
               .subject_name(subject)
               .issuer_name(issuer.subject if issuer else subject)
               .public_key(public_key)
               .serial_number(x509.random_serial_number())
               # An hour back: a node whose clock is a little behind accepts it at once.
               .not_valid_before(now - datetime.timedelta(hours=1))
               .not_valid_after(now + datetime.timedelta(days=int(days)))
               .add_extension(x509.SubjectKeyIdentifier.from_public_key(public_key), critical=False)
               .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(signer_key.public_key()),
                              critical=False))
    if subject_alt_name:
        builder = builder.add_extension(
            x509.SubjectAlternativeName([_name_entry(entry) for entry in subject_alt_name]), critical=False)
    if extended_key_usage:
        oids = {'serverAuth': ExtendedKeyUsageOID.SERVER_AUTH, 'clientAuth': ExtendedKeyUsageOID.CLIENT_AUTH}
        builder = builder.add_extension(x509.ExtendedKeyUsage([oids[name] for name in extended_key_usage]),
                                        critical=False)
    flags = dict((attr, name in key_usage) for name, attr in KEY_USAGES.items())
    builder = builder.add_extension(x509.KeyUsage(encipher_only=False, decipher_only=False, **flags), critical=True)
    if ca:
        builder = builder.add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
    return builder.sign(signer_key, hashes.SHA256()).public_bytes(serialization.Encoding.PEM).decode('ascii')


def subject_alt_names(names):
    """``DNS:``/``IP:`` entries for names and addresses, in order, each once; and the ones that are
    neither a valid IP address nor a DNS name (refused: they would end up in a certificate)."""
    entries, bad = [], []
    for name in names:
        name = str(name).strip()
        try:
            entry = 'IP:%s' % ipaddress.ip_address(name)
        except ValueError:
            entry = 'DNS:%s' % name
            if not DNS_NAME.match(name):
                bad.append(name)
                continue
        if entry not in entries:
            entries.append(entry)
    return entries, bad


# A host name or a wildcard-free DNS name: labels of letters, digits, '-' and '_', dot-separated.
DNS_NAME = re.compile(r'^(?=.{1,253}$)([A-Za-z0-9_]([A-Za-z0-9_-]{0,61}[A-Za-z0-9_])?)'
                      r'(\.[A-Za-z0-9_]([A-Za-z0-9_-]{0,61}[A-Za-z0-9_])?)*\.?$')


def spread_offset(name, spread_days):
    """Days taken off a certificate's validity, the same for a host on every run, so that
    certificates made in one run do not all come due in one later run."""
    if spread_days <= 0:
        return 0
    return int(hashlib.sha256(name.encode('utf-8')).hexdigest(), 16) % (int(spread_days) + 1)


def files_in_place(read, directory, wanted):
    """Whether a host's TLS files are as wanted, from docker_host_info's ``stat`` of them: the
    directory root's and 0700, each file root's, with its mode and SHA-1, and none of the other
    NODE_FILES there (a host that is no longer a manager keeps no client key). ``wanted`` maps each
    file name to ``(sha1, mode)``. False when anything differs or was not read."""
    def ok(state, kind, mode):
        return (isinstance(state, dict) and state.get('type') == kind and state.get('mode') == mode
                and state.get('uid') == 0 and state.get('gid') == 0)
    if not isinstance(read, dict) or not ok(read.get(directory), 'directory', '0700'):
        return False
    for name, (sha1, mode) in wanted.items():
        state = read.get(posixpath.join(directory, name))
        if not ok(state, 'file', mode) or state.get('sha1') != sha1:
            return False
    return not any(read.get(posixpath.join(directory, name)) for name in NODE_FILES if name not in wanted)


def names_one_host(address):
    """Whether an address a host reports can name that host alone."""
    ip = ipaddress.ip_address(address)
    return not (ip.is_unspecified or ip.is_loopback or ip.is_link_local or ip.is_multicast)


def trusted_addresses(hosts, others=()):
    """For each host (dicts with ``name``, ``names`` from the inventory and ``addresses`` the host
    reported itself), the reported IP addresses that may go into its certificate, and the ones left
    out: an address is the host's only when no other host names or reports it (a node could
    otherwise get a certificate for a manager's address), and only a valid IP address that reaches one
    host counts (not 0.0.0.0, a loopback, link-local or multicast address: every host has those).
    ``others``: hosts not in this run (``name``, ``names``), whose names are claimed all the same.

    Returns ({name: [kept]}, {name: [left out]}) in the hosts' order.
    """
    def ips(values):
        found = []
        for value in values or []:
            try:
                found.append(str(ipaddress.ip_address(str(value).strip())))
            except ValueError:
                continue
        return found
    claims = {}
    for host in hosts:
        for address in set(ips(host.get('names'))) | set(ips(host.get('addresses'))):
            claims.setdefault(address, set()).add(host['name'])
    for host in others or ():
        for address in ips(host.get('names')):
            claims.setdefault(address, set()).add(host['name'])
    kept, dropped = {}, {}
    for host in hosts:
        kept[host['name']], dropped[host['name']] = [], []
        own = set(ips(host.get('names')))
        for value in host.get('addresses') or []:
            address = ips([value])
            if not address or not names_one_host(address[0]):
                dropped[host['name']].append(str(value))
            elif address[0] in own or claims[address[0]] == {host['name']}:
                if address[0] not in kept[host['name']]:
                    kept[host['name']].append(address[0])
            elif address[0] not in dropped[host['name']]:
                dropped[host['name']].append(address[0])
    return kept, dropped
