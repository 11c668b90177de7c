# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Controller-side: why a certificate is not the one docker_pki would issue now (the library issues it then)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
name: tls_certificate_problem
short_description: Why a certificate is not the one docker_pki would issue now, or an empty string
version_added: 0.1.0
author: dockercluster.swarm maintainers (@dockercluster)
description:
  - Returns an empty string when the PEM certificate is for O(key), was issued and signed by O(issuer),
    has exactly the subject C(CN=)O(common_name), the names O(subject_alt_name), the usages
    O(extended_key_usage) and O(key_usage), is (or, without O(ca), is not) a CA, and stays valid beyond
    O(renew_days) days. Otherwise returns the first problem found (C(missing), C(expires within ...), ...).
  - Runs on the controller with the C(cryptography) package (which community.crypto needs anyway).
  - Errs on the side of a problem, so a caller that skips issuing when this is empty never skips a
    needed renewal. Usage names are those of community.crypto.openssl_csr (C(serverAuth), C(digitalSignature), ...).
  - M(dockercluster.swarm.tls_certificate_expiring#filter) says when to force a new certificate,
    M(dockercluster.swarm.tls_private_key_problem#filter) when to make a key.
options:
  _input:
    description: The certificate (PEM); empty when there is none.
    type: str
    required: true
  key:
    description: The private key (PEM) the certificate must be for.
    type: str
    required: true
  issuer:
    description: The issuing CA's certificate (PEM); the certificate itself for a self-signed CA.
    type: str
    required: true
  common_name:
    description: The one subject attribute, C(CN).
    type: str
    required: true
  subject_alt_name:
    description: C(DNS:name) and C(IP:address) entries.
    type: list
    elements: str
    default: []
  extended_key_usage:
    description: Extended key usages, by their short names.
    type: list
    elements: str
    default: []
  key_usage:
    description: Key usages, by their short names.
    type: list
    elements: str
    default: []
  ca:
    description: Whether it must be a CA (basic constraints C(CA:TRUE), C(pathlen:0)).
    type: bool
    default: false
  renew_days:
    description: How many more days it must stay valid.
    type: int
    default: 30
'''

EXAMPLES = r'''
- name: Issue the server certificate only when the current one will not do
  community.crypto.x509_certificate:
    path: pki/server-cert.pem
    csr_path: pki/server.csr
    provider: ownca
    ownca_path: pki/ca.pem
    ownca_privatekey_path: pki/ca-key.pem
  when: problem != ''
  vars:
    problem: >-
      {{ lookup('file', 'pki/server-cert.pem', errors='ignore') | dockercluster.swarm.tls_certificate_problem(
           lookup('file', 'pki/server-key.pem'), lookup('file', 'pki/ca.pem'), 'node1',
           ['DNS:node1', 'IP:10.0.0.5'], ['serverAuth'], ['digitalSignature', 'keyEncipherment']) }}
'''

RETURN = r'''
_value:
  description: The first problem found, or an empty string when the certificate is current.
  type: str
'''


from ansible_collections.dockercluster.swarm.plugins.plugin_utils.tls_check import tls_certificate_problem


class FilterModule(object):
    def filters(self):
        return {'tls_certificate_problem': tls_certificate_problem}
