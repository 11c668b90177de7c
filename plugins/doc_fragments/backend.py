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
      - The classic (standalone C(swarm) container) backend of the original guide is not available yet.
    type: str
    choices: [swarmkit]
    default: swarmkit
'''
