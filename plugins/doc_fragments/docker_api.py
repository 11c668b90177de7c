# -*- coding: utf-8 -*-
# Copyright: dockercluster.swarm contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type


class ModuleDocFragment(object):

    # Connection options shared by every module that talks to the Docker engine
    # through the Docker SDK for Python (plugins/module_utils/docker_api.py).
    DOCUMENTATION = r'''
options:
  docker_host:
    description:
      - The Docker engine API to talk to, as seen from the managed host.
      - A unix socket (V(unix:///var/run/docker.sock)) or C(tcp://host:port).
      - When not set, the environment variable E(DOCKER_HOST) of the module is used, and when
        that is not set either, V(unix:///var/run/docker.sock).
      - With O(tls) or O(validate_certs), C(tcp://) URLs are spoken over HTTPS.
    type: str
    aliases: [docker_url]
  tls:
    description:
      - Use TLS to talk to the engine. Its certificate is verified unless O(validate_certs=false).
      - Implied by O(validate_certs=true).
    type: bool
    default: false
  validate_certs:
    description:
      - Verify the engine's certificate (the Docker CLI's C(--tlsverify)); V(true) implies TLS.
      - The certificate is checked against O(ca_path) when given, else against the system's CA store.
      - When not set, the certificate is verified whenever TLS is used (O(tls=true)). Set V(false) with
        O(tls=true) to encrypt without checking whom you talk to (anyone in the path can pose as the engine).
    type: bool
    aliases: [tls_verify]
  ca_path:
    description:
      - CA certificate (PEM) to verify the engine's certificate with. Only used when it is verified.
    type: path
    aliases: [ca_cert, tls_ca_cert, cacert_path]
  client_cert:
    description:
      - Client certificate (PEM) presented to the engine. Needs O(client_key).
    type: path
    aliases: [tls_client_cert, cert_path]
  client_key:
    description:
      - Private key (PEM) of O(client_cert).
    type: path
    aliases: [tls_client_key, key_path]
  tls_hostname:
    description:
      - The host name expected in the engine's certificate, when it differs from the host part of O(docker_host).
      - When not set, the environment variable E(DOCKER_TLS_HOSTNAME) is used.
      - Honoured with Docker SDK for Python before 7.0 (which dropped C(assert_hostname));
        with SDK 7.0 and later a warning is shown and the host part of O(docker_host) is checked.
    type: str
  api_version:
    description:
      - The Docker API version to speak, like V(1.41), or V(auto) to use the engine's own version.
    type: str
    default: auto
    aliases: [docker_api_version]
  timeout:
    description:
      - Seconds to wait for an answer from the engine API.
    type: int
    default: 60
requirements:
  - Docker SDK for Python 4.0 or later on the managed host (Debian C(python3-docker), or C(pip install docker));
    the P(dockercluster.swarm.docker_sdk#role) role installs it.
notes:
  - The connection options are evaluated on the managed host, so V(unix:///var/run/docker.sock) is that host's engine.
  - Swarm join tokens are never part of the connection options; modules that take one mark it C(no_log).
'''
