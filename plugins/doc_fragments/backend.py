# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type


class ModuleDocFragment(object):
    # The cluster backend, shared by every swarm_* module so that one inventory variable
    # (swarm_backend) drives them all.
    DOCUMENTATION = r'''
options:
  backend:
    description:
      - How the cluster is built. V(swarmkit) is Docker's built-in Swarm mode (Docker 1.12 and later).
      - V(classic) is the original guide's standalone classic Swarm (C(swarm) image 1.2.9, containers
        C(shipyard-swarm-manager) and C(shipyard-swarm-agent), a discovery URL). Classic Swarm is archived
        (last release 2018) and speaks Docker API 1.31 at most, so it cannot manage Docker 29 and later engines.
      - Options marked "only with O(backend=classic)" (or swarmkit) fail the module, before anything is
        touched, when given with the other backend.
    type: str
    choices: [swarmkit, classic]
    default: swarmkit
'''

    # swarm_manager, swarm_agent: the CA roots of the classic swarm container.
    CA_BUNDLE = r'''
options:
  ca_bundle:
    description:
      - Only with O(backend=classic). A CA bundle (PEM) on this host, mounted read-only over the image's
        C(/etc/ssl/certs/ca-certificates.crt), the roots the swarm container trusts for C(token://) discovery
        at a private https server. Unset, the image's own roots.
    type: path
'''
