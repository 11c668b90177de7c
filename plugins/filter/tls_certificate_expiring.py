# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Controller-side: whether docker_pki must force a new certificate."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
name: tls_certificate_expiring
short_description: Whether a certificate is missing, unreadable, or expires within some days
version_added: 0.1.0
author: dockercluster.swarm maintainers (@dockercluster)
description:
- True when the PEM certificate is empty or unreadable, or is not valid any more O(renew_days) days from now. docker_pki
  forces a new certificate then, as it did with community.crypto.x509_certificate_info.
options:
  _input:
    description: The certificate (PEM); empty when there is none.
    type: str
    required: true
  renew_days:
    description: How many more days it must stay valid.
    type: int
    default: 30
'''

EXAMPLES = r'''
- name: Renew when the certificate expires within 30 days
  community.crypto.x509_certificate:
    path: pki/server-cert.pem
    csr_path: pki/server.csr
    provider: ownca
    ownca_path: pki/ca.pem
    ownca_privatekey_path: pki/ca-key.pem
    force: >-
      {{ lookup('file', 'pki/server-cert.pem', errors='ignore') | default('', true)
         | dockercluster.swarm.tls_certificate_expiring(30) }}
'''

RETURN = r'''
_value:
  description: Whether a new certificate is due.
  type: bool
'''


from ansible_collections.dockercluster.swarm.plugins.plugin_utils.tls_check import tls_certificate_expiring


class FilterModule(object):
    def filters(self):
        return {'tls_certificate_expiring': tls_certificate_expiring}
