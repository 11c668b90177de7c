# -*- coding: utf-8 -*-
# Copyright: dockercluster.swarm contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""What docker_host_info reads, as functions pytest can call without a host.

Nothing here imports the Docker SDK: the probe runs before the SDK is installed, and importing
it (requests, urllib3, ...) would cost each host more than the rest of the probe together.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import importlib.util
import json


def sdk_present(find_spec=None):
    """Whether ``import docker`` would find the Docker SDK for Python, without importing it.

    A directory named ``docker`` without ``__init__.py`` (a namespace package, e.g. in the
    working directory) is not the SDK, and neither is a stray ``docker.py``.
    """
    find_spec = find_spec or importlib.util.find_spec
    try:
        spec = find_spec('docker')
    except (ImportError, ValueError):
        return False
    if spec is None or not spec.origin or spec.origin == 'namespace':
        return False
    return spec.origin.endswith('__init__.py') and bool(spec.submodule_search_locations)


def swarm_from_info(status, body):
    """The Swarm section of an engine's ``GET /info`` answer (what ``docker info`` shows under Swarm).

    Raises ValueError with the engine's own words when it did not answer with its info.
    """
    if status != 200:
        raise ValueError('the engine answered HTTP %s to GET /info: %s' % (status, body.strip()[:300]))
    try:
        info = json.loads(body)
    except ValueError:
        raise ValueError('the engine\'s GET /info answer is not JSON: %r' % body[:200])
    swarm = info.get('Swarm') if isinstance(info, dict) else None
    if not isinstance(swarm, dict):
        raise ValueError('the engine\'s GET /info answer has no Swarm section')
    return swarm
