# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Controller-side: why a private key is not the one docker_pki would make."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
name: tls_private_key_problem
short_description: Why a private key is not the one docker_pki would make, or an empty string
version_added: 0.1.0
author: dockercluster.swarm maintainers (@dockercluster)
description:
- Returns an empty string when the PEM private key is readable without a passphrase and, with O(key_type), is an
  ECC key on O(curve) or an RSA key of O(size) bits; otherwise the problem (C(missing), C(unreadable or encrypted),
  ...). docker_pki runs community.crypto.openssl_privatekey only for a key with a problem, so a kept key is never
  made again.
options:
  _input:
    description: The private key (PEM); empty when there is none.
    type: str
    required: true
  key_type:
    description: V(ECC) or V(RSA), as community.crypto.openssl_privatekey's O(key_type) (its C(type)).
    type: str
  curve:
    description: The curve of an ECC key, by its community.crypto name (V(secp256r1), ...).
    type: str
  size:
    description: The size of an RSA key in bits.
    type: int
'''

EXAMPLES = r'''
- name: Make the key only when the one there is not an ECC key on secp256r1
  community.crypto.openssl_privatekey:
    path: pki/server-key.pem
    type: ECC
    curve: secp256r1
  when: problem != ''
  vars:
    problem: >-
      {{ lookup('file', 'pki/server-key.pem', errors='ignore') | default('', true)
         | dockercluster.swarm.tls_private_key_problem('ECC', 'secp256r1') }}
'''

RETURN = r'''
_value:
  description: The problem, or an empty string.
  type: str
'''


from ansible_collections.dockercluster.swarm.plugins.plugin_utils.tls_check import tls_private_key_problem


class FilterModule(object):
    def filters(self):
        return {'tls_private_key_problem': tls_private_key_problem}
