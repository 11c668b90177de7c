# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Controller-side: is a key or certificate on the controller already what docker_pki would make?

community.crypto makes every key and certificate; asking its modules whether one is still good
costs a module run per file and host (three per host certificate: info, request, certificate).
docker_pki asks these checks first (through the tls_* filters) and runs community.crypto only
where they do not say the file is current. They answer "current" only when sure; anything they
do not recognise counts as a problem, and the library then decides as before.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import datetime
import ipaddress

# cryptography is imported on the first check, not with this file: ansible-core loads every filter
# file of the collection (and so this module) in each worker that uses any of them
# (docs/architecture.md, "Filters load lazily").
x509 = InvalidSignature = serialization = ec = padding = rsa = ExtendedKeyUsageOID = NameOID = None
_HAS_CRYPTOGRAPHY = []


def _cryptography():
    """Whether cryptography imports (once); without it the checks report a problem, and
    community.crypto decides."""
    global x509, InvalidSignature, serialization, ec, padding, rsa, ExtendedKeyUsageOID, NameOID
    if not _HAS_CRYPTOGRAPHY:
        try:
            from cryptography import x509
            from cryptography.exceptions import InvalidSignature
            from cryptography.hazmat.primitives import serialization
            from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
            from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID
            _HAS_CRYPTOGRAPHY.append(True)
        except ImportError:
            _HAS_CRYPTOGRAPHY.append(False)
    return _HAS_CRYPTOGRAPHY[0]


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
                            key_usage=None, ca=False, renew_days=30):
    if not _cryptography():
        return 'the cryptography package is missing on the controller'
    cert = _load_certificate(cert_pem)
    if cert is None:
        return 'missing'
    if tls_certificate_expiring(cert_pem, renew_days):
        return 'expires within %s days' % renew_days
    problem = tls_private_key_problem(key)
    if problem:
        return 'its key: ' + problem
    private_key = serialization.load_pem_private_key(_text(key).encode('ascii'), None)
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


def tls_private_key_problem(key_pem, key_type=None, curve=None, size=None):
    """Why the key is not a readable, unencrypted ``key_type`` (ECC on ``curve``, RSA of ``size``)."""
    if not _cryptography():
        return 'the cryptography package is missing on the controller'
    if not _text(key_pem).strip():
        return 'missing'
    try:
        key = serialization.load_pem_private_key(_text(key_pem).encode('ascii'), None)
    except (ValueError, TypeError):
        return 'unreadable or encrypted'
    if key_type is None:
        return ''
    if key_type == 'ECC':
        if not isinstance(key, ec.EllipticCurvePrivateKey) or key.curve.name != curve:
            return 'not an ECC key on %s' % curve
    elif key_type == 'RSA':
        if not isinstance(key, rsa.RSAPrivateKey) or key.key_size != int(size):
            return 'not an RSA key of %s bits' % size
    else:
        return 'a key type this check does not know'
    return ''
