#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: dockercluster.swarm contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
module: docker_tls_certificates
short_description: The cluster's CA and every host's certificate, checked and made in one run on the controller
version_added: 0.2.0
description:
  - Keeps a directory of the controller (O(path)) holding the cluster's PKI for the Docker engines' mutual
    TLS, for all the hosts of O(hosts) at once, in one module run (the docker_pki role runs it once for its
    play, delegated to the controller). The CA's key never leaves it.
  - Makes what is missing and nothing else. The CA (C(ca.pem), C(ca-key.pem)), the clients' certificates
    (O(clients)) and each host's server certificate (C(nodes/<name>/server-cert.pem) and its key) are
    checked first. A key is kept; a certificate is made again only when it is missing, is for another key,
    was not signed by the CA, names other names, or expires within O(renew_days) days.
  - Never replaces an existing CA key. A C(ca-key.pem) that cannot be read (with O(ca_passphrase) when it
    is encrypted) or is not a key of O(key_type) fails the module before anything is written, saying why.
  - The cryptography is done by the Python C(cryptography) package on the controller.
  - With a host's O(hosts[].installed), what docker_host_info read of that host's TLS files, also says
    whether that host needs its files installed (RV(install)), so that a host whose files are in place
    costs no trip.
author:
  - dockercluster.swarm maintainers (@dockercluster)
extends_documentation_fragment:
  - dockercluster.swarm.attributes
attributes:
  check_mode:
    description: Reports what it would make (RV(issued)) without writing anything.
  diff_mode:
    support: partial
    description: The diff names the files that would be made, never their contents.
options:
  path:
    description:
      - The PKI directory on the controller (made 0700 when missing, as is its C(nodes) directory).
    type: path
    required: true
  key_type:
    description:
      - The algorithm of every key it makes.
    type: str
    choices: [ECC, RSA]
    default: ECC
  key_curve:
    description:
      - The curve of ECC keys.
    type: str
    choices: [secp256r1, secp384r1, secp521r1]
    default: secp256r1
  key_size:
    description:
      - The size of RSA keys, in bits (at least 2048).
    type: int
    default: 3072
  ca_common_name:
    description:
      - The CA's subject (C(CN)).
    type: str
    default: dockercluster.swarm CA
  ca_days:
    description:
      - How many days a new CA certificate is valid.
    type: int
    default: 3650
  ca_passphrase:
    description:
      - The passphrase of C(ca-key.pem). A new CA key is encrypted with it.
    type: str
  cert_days:
    description:
      - How many days a new client or server certificate is valid, before O(spread_days) is taken off. Must be
        more than O(spread_days); when it is not more than O(spread_days) + O(renew_days), certificates are due
        again as soon as they are made (a warning says so).
    type: int
    default: 365
  spread_days:
    description:
      - Up to this many days are taken off each server certificate's validity, a number of days fixed for
        each host (from its name), so that certificates made in one run do not all come due in one later
        run, when every engine would restart.
    type: int
    default: 30
  renew_days:
    description:
      - A certificate (the CA's included) valid for fewer days than this is made again, for the same key. A
        value above a new certificate's validity re-issues it at every run (once, it is a way to renew now).
    type: int
    default: 30
  clients:
    description:
      - Client certificates shared by the cluster, in O(path).
    type: list
    elements: dict
    default: []
    suboptions:
      name:
        description: What RV(issued) calls it.
        type: str
        required: true
      common_name:
        description: Its subject (C(CN)).
        type: str
        required: true
      cert:
        description:
          - The certificate's file name in O(path) (no directory part; not the CA's files, nor another
            client's).
        type: str
        required: true
      key:
        description: The key's file name in O(path), as O(clients[].cert).
        type: str
        required: true
  hosts:
    description:
      - The hosts whose server certificates to keep, in C(nodes/<name>/) under O(path).
    type: list
    elements: dict
    default: []
    suboptions:
      name:
        description: The host's inventory name, and its certificate's subject (C(CN)).
        type: str
        required: true
      names:
        description:
          - The names and IP addresses its certificate holds (C(DNS:) and C(IP:) entries, each once), from
            the inventory. Anything that is neither a DNS name nor an IP address fails the module before
            anything is written.
        type: list
        elements: str
        default: []
      addresses:
        description:
          - IP addresses the host reported itself (its interfaces). One goes into its certificate when it is
            in the host's O(hosts[].names), or when no other host of O(hosts) names or reports it. So a node
            cannot get a certificate for another's address; an address two hosts report goes to neither,
            unless one's O(hosts[].names) hold it. The others are left out (RV(left_out)), with a warning
            when another host's O(hosts[].names) hold it.
        type: list
        elements: str
        default: []
      renew_days:
        description: The host's own O(renew_days), for its server certificate.
        type: int
      client_auth:
        description: Whether the server certificate may also serve as a client certificate (classic C(swarm manage)).
        type: bool
        default: false
      client:
        description:
          - The O(clients[].name) whose certificate and key the host also gets, as C(client-cert.pem) and
            C(client-key.pem) (the managers get the manager's). Used for RV(install).
        type: str
      node_dir:
        description: Where the host keeps them.
        type: str
        default: /etc/docker/certs
      installed:
        description:
          - The host's read of O(hosts[].node_dir) and its files (docker_host_info's RV(dockercluster.swarm.docker_host_info#module:stat)).
            Without it the host is in RV(install).
        type: dict
  other_hosts:
    description:
      - The cluster's hosts not in this run (a C(--limit)), which get no certificate here; the IP addresses among
        their O(other_hosts[].names) go into no certificate of O(hosts) (as if they were in O(hosts)).
    type: list
    elements: dict
    default: []
    suboptions:
      name:
        description: The host's inventory name.
        type: str
        required: true
      names:
        description: Its names and IP addresses from the inventory.
        type: list
        elements: str
        default: []
notes:
  - Runs on the controller (C(delegate_to=localhost), C(run_once=true)); needs the C(cryptography) package there.
seealso:
  - module: dockercluster.swarm.docker_tls_files
  - module: dockercluster.swarm.docker_host_info
'''

EXAMPLES = r'''
- name: Read each host's TLS files
  dockercluster.swarm.docker_host_info:
    gather_subset: []
    tls_dir: /etc/docker/certs
  register: read

- name: Each host's request, in its own variables (with what the read found there)
  ansible.builtin.set_fact:
    tls_request: {name: "{{ inventory_hostname }}", names: ["{{ inventory_hostname }}"], installed: "{{ read.stat }}"}

- name: Make the CA and every host's certificate on the controller
  dockercluster.swarm.docker_tls_certificates:
    path: "{{ inventory_dir }}/docker-pki"
    clients:
      - {name: operator, common_name: operator, cert: cert.pem, key: key.pem}
    hosts: "{{ ansible_play_hosts | map('extract', hostvars, 'tls_request') | list }}"
  delegate_to: localhost
  run_once: true
  become: false
  vars:
    # On the controller, with its Python (it has cryptography), whatever the inventory sets for the hosts.
    ansible_connection: local
    ansible_python_interpreter: "{{ ansible_playbook_python }}"
  register: pki

- name: Install the files where they differ
  dockercluster.swarm.docker_tls_files:
    path: /etc/docker/certs
    files:
      - {name: ca.pem, content: "{{ lookup('file', inventory_dir ~ '/docker-pki/ca.pem', rstrip=false) }}"}
      - {name: server-cert.pem, content: "{{ lookup('file', host_dir ~ '/server-cert.pem', rstrip=false) }}"}
      - name: server-key.pem
        mode: '0600'
        content: "{{ lookup('file', host_dir ~ '/server-key.pem', rstrip=false) }}"
  when: inventory_hostname in pki.install
  vars:
    host_dir: "{{ inventory_dir }}/docker-pki/nodes/{{ inventory_hostname }}"
'''

RETURN = r'''
issued:
  description: The files made or made again under O(path) (in check mode, those that would be).
  returned: always
  type: list
  elements: str
  sample: [ca-key.pem, ca.pem, nodes/node1/server-key.pem, nodes/node1/server-cert.pem]
shared_changed:
  description:
    - Whether anything but the hosts' own folders (C(nodes/<name>)) changed (the CA, the clients'
      files, the directories, a mode set back). A change of a host's own files shows on that host when
      its files are installed.
  returned: always
  type: bool
left_out:
  description: For each host, the addresses it reported that its certificate does not hold (another host reports them or names them).
  returned: always
  type: dict
  sample: {node3: ['10.0.0.5']}
install:
  description:
    - The hosts of O(hosts) whose files on the host differ from the ones here, or were not read.
  returned: always
  type: list
  elements: str
  sample: [node3]
files:
  description:
    - For each host of O(hosts), the files it gets, for M(dockercluster.swarm.docker_tls_files) (which
      takes their contents), each with its name on the host, the file here, the mode, and whether this run
      made it (C(issued); in check mode, whether it would, the file here being still the old one, or none).
  returned: always
  type: dict
  sample: {node1: [{name: ca.pem, source: /srv/pki/ca.pem, mode: '0644', issued: false},
                   {name: server-key.pem, source: /srv/pki/nodes/node1/server-key.pem, mode: '0600', issued: true}]}
'''

import hashlib
import os

from ansible.module_utils.basic import AnsibleModule, missing_required_lib
from ansible.module_utils.common.text.converters import to_bytes
from ansible_collections.dockercluster.swarm.plugins.module_utils import pki
from ansible_collections.dockercluster.swarm.plugins.module_utils.atomic_write import atomic_write
from ansible_collections.dockercluster.swarm.plugins.module_utils.tls_files import NODE_FILES

CA_USAGES = ['keyCertSign', 'cRLSign']
# The CA's files in path: no client's may take their names.
CA_FILES = ('ca.pem', 'ca-key.pem')
# The smallest RSA key made (NIST SP 800-57: 2048 bits until 2030).
MIN_RSA_BITS = 2048
LEAF_USAGES = ['digitalSignature', 'keyEncipherment']


def read_text(path):
    try:
        with open(path, 'rb') as handle:
            return handle.read().decode('ascii', 'replace')
    except (IOError, OSError):
        return ''


class DockerTlsCertificates(object):

    def __init__(self, module):
        self.module = module
        self.params = module.params
        self.issued = []
        # Every file or directory made, written or set back (its mode): paths under path.
        self.changed_paths = []
        # What each file here holds now (or would hold, in check mode): None when unknown yet.
        self.contents = {}

    # ---- files on the controller
    def path(self, name):
        return os.path.join(self.params['path'], name)

    def current(self, name):
        if name not in self.contents:
            self.contents[name] = read_text(self.path(name))
        return self.contents[name]

    def directory(self, name):
        path = self.path(name)
        if not os.path.isdir(path):
            self.changed_paths.append(name)
            if not self.module.check_mode:
                os.makedirs(path, 0o700)
        if os.path.isdir(path) and os.stat(path).st_mode & 0o777 != 0o700:
            self.changed_paths.append(name)
            if not self.module.check_mode:
                os.chmod(path, 0o700)

    def write(self, name, text, mode):
        """Staged beside the file with its final mode before it holds anything, then renamed over it."""
        self.issued.append(name)
        self.changed_paths.append(name)
        self.contents[name] = text
        if self.module.check_mode:
            return
        atomic_write(self.path(name), to_bytes(text), mode)

    def keep_mode(self, name, mode):
        path = self.path(name)
        if os.path.isfile(path) and os.stat(path).st_mode & 0o777 != mode:
            self.changed_paths.append(name)
            if not self.module.check_mode:
                os.chmod(path, mode)

    # ---- keys and certificates
    def key(self, name, passphrase=None):
        """The key's PEM: kept when it is one of key_type, else made."""
        params = self.params
        if pki.tls_private_key_problem(self.current(name), params['key_type'], params['key_curve'],
                                       params['key_size'], passphrase):
            key = pki.new_private_key(params['key_type'], params['key_curve'], params['key_size'])
            self.write(name, pki.private_key_pem(key, passphrase), 0o600)
        self.keep_mode(name, 0o600)
        return self.current(name)

    def certificate(self, name, key_name, common_name, days, names=(), eku=(), usages=LEAF_USAGES, ca=False,
                    renew_days=None):
        params, ca_pem = self.params, self.current('ca.pem')
        renew_days = params['renew_days'] if renew_days is None else renew_days
        passphrase = params['ca_passphrase'] if ca else None
        key_pem = self.current(key_name)
        if pki.tls_certificate_problem(self.current(name), key_pem, self.current('ca.pem'), common_name, list(names),
                                       list(eku), list(usages), ca, renew_days, passphrase) == '':
            self.keep_mode(name, 0o644)
            return
        key = pki.load_private_key(key_pem, passphrase)
        if ca:
            signer, issuer = key, None
        else:
            signer, issuer = pki.load_private_key(self.current('ca-key.pem'), params['ca_passphrase']), ca_pem
        self.write(name, pki.issue_certificate(common_name, key.public_key(), signer, issuer, days, names, eku,
                                               usages, ca), 0o644)

    def refuse_unusable_ca_key(self):
        """A CA key that is there but cannot be used fails the run before anything here changes: it is never
        replaced."""
        params = self.params
        key_pem = self.current('ca-key.pem')
        if key_pem.strip():
            problem = pki.tls_private_key_problem(key_pem, params['key_type'], params['key_curve'],
                                                  params['key_size'], params['ca_passphrase'])
            if problem:
                self.module.fail_json(
                    msg='%s: %s. The CA key is never replaced (a new CA would re-issue every certificate and '
                        'restart every engine): set ca_passphrase if it is encrypted, key_type/key_curve/key_size '
                        'to its kind, or move it away yourself to start a new CA.' % (self.path('ca-key.pem'), problem),
                    issued=[], install=[])
        elif os.path.lexists(self.path('ca-key.pem')) or self.current('ca.pem').strip():
            # Unreadable, empty, a link to storage that is not there, or gone while ca.pem stays.
            self.module.fail_json(
                msg='%s cannot be read (or is empty) while %s is there. The CA key is never replaced (a new CA '
                    'would re-issue every certificate and restart every engine): make it readable again, or move '
                    'both away yourself to start a new CA.' % (self.path('ca-key.pem'), self.path('ca.pem')),
                issued=[], install=[])

    def ca(self):
        params = self.params
        if self.current('ca-key.pem').strip():
            self.keep_mode('ca-key.pem', 0o600)
        else:
            self.key('ca-key.pem', params['ca_passphrase'])
        self.certificate('ca.pem', 'ca-key.pem', params['ca_common_name'], params['ca_days'], usages=CA_USAGES, ca=True)

    # ---- the hosts' files
    def host_files(self, host, folder):
        """Each file the host gets: its name there, its path here, its mode."""
        ca, cert, key, client_cert, client_key = NODE_FILES
        sources = [(ca, 'ca.pem'), (cert, folder + '/server-cert.pem'), (key, folder + '/server-key.pem')]
        for client in self.params['clients']:
            if client['name'] == host['client']:
                sources += [(client_cert, client['cert']), (client_key, client['key'])]
        return [dict(name=name, source=self.path(here), mode='0600' if name.endswith('key.pem') else '0644',
                     issued=here in self.issued, sha1=hashlib.sha1(to_bytes(self.current(here))).hexdigest())
                for name, here in sources]

    def warn_claims(self, left_out):
        """A host that reports another's inventory address is worth a warning (a copied image, or a
        node that wants another's certificate); a shared NAT address is not."""
        named = {}
        for host in self.params['hosts']:
            for name in pki.subject_alt_names(host['names'])[0]:
                if name.startswith('IP:'):
                    named.setdefault(name[3:], host['name'])
        for host, addresses in left_out.items():
            for address in addresses:
                # An address every host has (127.0.0.1, which every host's names hold) is nobody's claim.
                if named.get(address, host) != host and pki.names_one_host(address):
                    self.module.warn('%s reported %s, which the inventory gives %s: left out of its certificate'
                                     % (host, address, named[address]))

    def bad_days(self):
        """Validities no certificate can have; and, as warnings, those whose certificates would be due
        again at once (re-issued, and their engines restarted, at every run)."""
        params = self.params
        problems = ['%s: %s is not a number of days' % (name, params[name])
                    for name, least in (('ca_days', 1), ('cert_days', 1), ('spread_days', 0), ('renew_days', 0))
                    if params[name] < least]
        problems += ['hosts: %s: renew_days %s is not a number of days' % (host['name'], host['renew_days'])
                     for host in params['hosts'] if (host['renew_days'] or 0) < 0]
        if params['key_type'] == 'RSA' and params['key_size'] < MIN_RSA_BITS:
            problems.append('key_size: %s bits is too small for an RSA key (at least %s)' % (params['key_size'], MIN_RSA_BITS))
        if not problems and params['cert_days'] <= params['spread_days']:
            problems.append('cert_days (%s) must be more than spread_days (%s): a server certificate would be '
                            'valid for no day' % (params['cert_days'], params['spread_days']))
        if problems:
            return problems
        if params['cert_days'] - params['spread_days'] <= params['renew_days']:
            self.module.warn('cert_days - spread_days (%s) is not more than renew_days (%s): a server certificate '
                             'is due again as soon as it is made, and re-issued (its engine restarted) at every run'
                             % (params['cert_days'] - params['spread_days'], params['renew_days']))
        if params['ca_days'] <= params['renew_days']:
            self.module.warn('ca_days (%s) is not more than renew_days (%s): the CA certificate is re-issued, and '
                             'every host\'s files installed again, at every run' % (params['ca_days'], params['renew_days']))
        return []

    def bad_clients(self):
        """The clients' files: plain names in path, none of the CA's (ca-key.pem would be replaced by a client
        key), none given twice."""
        problems, seen = [], set(CA_FILES)
        for client in self.params['clients']:
            for name in (client['cert'], client['key']):
                if not name or name in ('.', '..', 'nodes') or '/' in name or '\0' in name:
                    problems.append('%s: %r is not a plain file name in path' % (client['name'], name))
                elif name in seen:
                    problems.append('%s: %r is %s' % (client['name'], name, 'the CA\'s' if name in CA_FILES
                                                      else 'given twice'))
                seen.add(name)
        names = [client['name'] for client in self.params['clients']]
        problems += ['%r names two clients' % (name,) for name in sorted(set(n for n in names if names.count(n) > 1))]
        return problems

    def bad_input(self):
        problems = []
        for host in self.params['hosts']:
            name = host['name']
            if not name or name in ('.', '..') or '/' in name or '\0' in name:
                problems.append('%r is not a usable host name' % (name,))
            _entries, bad = pki.subject_alt_names(host['names'])
            if bad:
                problems.append('%s: neither a DNS name nor an IP address: %s' % (name, ', '.join(repr(b) for b in bad)))
            if host['client'] and host['client'] not in [client['name'] for client in self.params['clients']]:
                problems.append('%s: no client named %s' % (name, host['client']))
        return problems

    def run(self):
        params = self.params
        problems = self.bad_days()
        if problems:
            self.module.fail_json(msg='; '.join(problems), issued=[], install=[])
        problems = self.bad_clients()
        if problems:
            self.module.fail_json(msg='clients: ' + '; '.join(problems), issued=[], install=[])
        problems = self.bad_input()
        if problems:
            self.module.fail_json(msg='hosts: ' + '; '.join(problems), issued=[], install=[])
        try:
            self.make(params)
        except (IOError, OSError) as exc:
            self.module.fail_json(msg='%s: %s' % (params['path'], exc), issued=self.issued, install=[])

    def make(self, params):
        self.refuse_unusable_ca_key()
        self.directory('')
        self.directory('nodes')
        self.ca()
        for client in params['clients']:
            self.key(client['key'])
            self.certificate(client['cert'], client['key'], client['common_name'], params['cert_days'],
                             eku=['clientAuth'])
        reported, left_out = pki.trusted_addresses(params['hosts'], params['other_hosts'])
        self.warn_claims(left_out)
        install, files = [], {}
        for host in params['hosts']:
            folder = os.path.join('nodes', host['name'])
            self.directory(folder)
            key_name, cert_name = folder + '/server-key.pem', folder + '/server-cert.pem'
            self.key(key_name)
            names, _bad = pki.subject_alt_names(host['names'] + reported[host['name']])
            self.certificate(cert_name, key_name, host['name'],
                             params['cert_days'] - pki.spread_offset(host['name'], params['spread_days']),
                             names, ['serverAuth'] + (['clientAuth'] if host['client_auth'] else []),
                             renew_days=host['renew_days'])
            files[host['name']] = self.host_files(host, folder)
            wanted = dict((entry['name'], (entry.pop('sha1'), entry['mode'])) for entry in files[host['name']])
            if not pki.files_in_place(host['installed'], host['node_dir'], wanted):
                install.append(host['name'])
        hosts = [os.path.join('nodes', host['name']) for host in params['hosts']]
        shared = [path for path in self.changed_paths
                  if not any(path == folder or path.startswith(folder + '/') for folder in hosts)]
        result = dict(changed=bool(self.changed_paths), shared_changed=bool(shared), issued=self.issued,
                      install=install, files=files, left_out=dict((k, v) for k, v in left_out.items() if v))
        if self.module._diff:
            result['diff'] = dict(before='', after=''.join(name + '\n' for name in self.issued),
                                  after_header='%s (files made)' % params['path'])
        self.module.exit_json(**result)


def main():
    module = AnsibleModule(
        argument_spec=dict(
            path=dict(type='path', required=True),
            key_type=dict(type='str', choices=['ECC', 'RSA'], default='ECC'),
            key_curve=dict(type='str', choices=sorted(pki.CURVES), default='secp256r1'),
            key_size=dict(type='int', default=3072),
            ca_common_name=dict(type='str', default='dockercluster.swarm CA'),
            ca_days=dict(type='int', default=3650),
            ca_passphrase=dict(type='str', no_log=True),
            cert_days=dict(type='int', default=365),
            spread_days=dict(type='int', default=30),
            renew_days=dict(type='int', default=30),
            clients=dict(type='list', elements='dict', default=[], options=dict(
                name=dict(type='str', required=True),
                common_name=dict(type='str', required=True),
                cert=dict(type='str', required=True),
                key=dict(type='str', required=True, no_log=False),
            )),
            hosts=dict(type='list', elements='dict', default=[], options=dict(
                name=dict(type='str', required=True),
                names=dict(type='list', elements='str', default=[]),
                addresses=dict(type='list', elements='str', default=[]),
                renew_days=dict(type='int'),
                client_auth=dict(type='bool', default=False),
                client=dict(type='str'),
                node_dir=dict(type='str', default='/etc/docker/certs'),
                installed=dict(type='dict'),
            )),
            other_hosts=dict(type='list', elements='dict', default=[], options=dict(
                name=dict(type='str', required=True),
                names=dict(type='list', elements='str', default=[]),
            )),
        ),
        supports_check_mode=True,
    )
    if not pki.cryptography_present():
        module.fail_json(msg=missing_required_lib('cryptography'))
    DockerTlsCertificates(module).run()


if __name__ == '__main__':
    main()
