# -*- coding: utf-8 -*-
# Copyright: dockercluster.swarm contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""What docker_host_info reads, as functions pytest can call without a host.

Nothing here imports the Docker SDK: the probe runs before the SDK is installed, and importing
it (requests, urllib3, ...) would cost each host more than the rest of the probe together.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import hashlib
import importlib.util
import json
import os
import re
import socket
import stat
import struct
import time

from ansible_collections.dockercluster.swarm.plugins.module_utils.docker_ping import get as engine_get
from ansible_collections.dockercluster.swarm.plugins.module_utils.docker_ping import unix_get

try:
    import fcntl
except ImportError:  # not a POSIX host: no addresses (docker_pki then gathers facts)
    fcntl = None

SIOCGIFADDR = 0x8915  # Linux: an interface's (primary) IPv4 address


# The oldest Docker SDK for Python the collection's modules take (docker_api refuses older ones).
MIN_DOCKER_SDK_VERSION = (4, 0)
# How the SDK's files spell its version: _version.py (6.0 and later, setuptools-scm), else version.py.
SDK_VERSION_FILES = ('_version.py', 'version.py')
SDK_VERSION = re.compile(r'''^\s*(?:__version__\s*=\s*)?version\s*=\s*['"]([0-9][^'"]*)['"]''', re.M)


def version_tuple(text):
    """A version's leading numbers as a tuple of ints (``'5.0.3'`` -> (5, 0, 3)); () when it has none."""
    result = []
    for part in str(text or '').split('.'):
        digits = re.match(r'\d*', part).group(0)
        if not digits:
            break
        result.append(int(digits))
    return tuple(result)


def sdk_package(find_spec=None):
    """The directory of the Docker SDK for Python that ``import docker`` would find, without importing it;
    None when there is none. A directory named ``docker`` without ``__init__.py`` (a namespace package, e.g.
    in the working directory) is not the SDK, and neither is a stray ``docker.py``."""
    find_spec = find_spec or importlib.util.find_spec
    try:
        spec = find_spec('docker')
    except (ImportError, ValueError):
        return None
    if spec is None or not spec.origin or spec.origin == 'namespace' or not spec.origin.endswith('__init__.py') \
            or not spec.submodule_search_locations:
        return None
    return os.path.dirname(spec.origin)


def sdk_present(find_spec=None):
    """Whether ``import docker`` would find the Docker SDK for Python, without importing it."""
    return sdk_package(find_spec) is not None


def sdk_state(find_spec=None):
    """The SDK as the collection needs it: ``present``, its ``version`` as its files say it (None when they
    do not), and ``usable``: present and not older than MIN_DOCKER_SDK_VERSION (an unknown version counts)."""
    package = sdk_package(find_spec)
    version = None
    for name in SDK_VERSION_FILES if package else ():
        try:
            with open(os.path.join(package, name)) as handle:
                found = SDK_VERSION.search(handle.read())
        except (IOError, OSError, UnicodeDecodeError):
            continue
        if found:
            version = found.group(1)
            break
    usable = package is not None and not (version and version_tuple(version) < MIN_DOCKER_SDK_VERSION)
    return dict(present=package is not None, version=version, usable=usable)


def json_answer(status, body, url):
    """The decoded JSON of an engine's answer to ``GET url``; ValueError with the engine's own
    words when it did not answer 200 with JSON."""
    if status != 200:
        raise ValueError('the engine answered HTTP %s to GET %s: %s' % (status, url, body.strip()[:300]))
    try:
        return json.loads(body)
    except ValueError:
        raise ValueError('the engine\'s GET %s answer is not JSON: %r' % (url, body[:200]))


def swarm_from_info(status, body):
    """The Swarm section of an engine's ``GET /info`` answer (what ``docker info`` shows under Swarm).

    Raises ValueError with the engine's own words when it did not answer with its info.
    """
    info = json_answer(status, body, '/info')
    swarm = info.get('Swarm') if isinstance(info, dict) else None
    if not isinstance(swarm, dict):
        raise ValueError('the engine\'s GET /info answer has no Swarm section')
    return swarm


def read_swarm(path, timeout, get=None):
    """The Swarm section of ``GET /info`` on the engine's unix socket ``path``.

    Raises OSError (unreachable) or ValueError (not the engine's info), for the caller to report.
    """
    status, body = (get or unix_get)(path, '/info', timeout)
    return swarm_from_info(status, body)


def leaderless(swarm):
    """Whether the engine is an active manager that cannot name its cluster: its swarm has no leader (an
    election after a manager was lost, or its managers lost their quorum)."""
    return (str(swarm.get('LocalNodeState') or '').lower() == 'active' and bool(swarm.get('ControlAvailable'))
            and not (swarm.get('Cluster') or {}).get('ID'))


def read_swarm_led(path, timeout, wait, get=None, sleep=time.sleep, clock=time.monotonic):
    """``read_swarm``, read again each second for up to ``wait`` seconds while the engine is a manager of a
    swarm with no leader (``leaderless``): an election ends within swarmkit's election timeout (10-20 s),
    a lost quorum does not, and is returned as read once ``wait`` is over."""
    deadline = clock() + wait
    swarm = read_swarm(path, timeout, get)
    while leaderless(swarm) and clock() < deadline:
        sleep(1)
        swarm = read_swarm(path, timeout, get)
    return swarm


def nodes_from_answer(status, body):
    """The node list of an engine's ``GET /nodes`` answer (what ``docker node ls`` lists).

    Raises ValueError with the engine's own words when it did not list them (e.g. not a manager).
    """
    nodes = json_answer(status, body, '/nodes')
    if not isinstance(nodes, list):
        raise ValueError('the engine\'s GET /nodes answer is not a list')
    return nodes


def read_nodes(addr, timeout, tls=None, get=None):
    """The cluster's nodes, listed by the manager engine at ``addr`` (unix:// or tcp://, with
    ``tls`` a dict of ca_cert, cert and key for a TLS endpoint).

    Raises OSError (unreachable, TLS refused) or ValueError (no node list), for the caller to report.
    """
    status, body = (get or engine_get)(addr, '/nodes', timeout, tls)
    return nodes_from_answer(status, body)


def swarm_state_error(path, exc):
    return 'reading the engine\'s state at %s: %s (is docker installed and running?)' % (path, exc)


def interface_ipv4(name):
    """The interface's primary IPv4 address (the first ``ip addr`` lists for it), or None."""
    if fcntl is None:
        return None
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    try:
        request = struct.pack('256s', name[:15].encode('utf-8'))
        answer = fcntl.ioctl(sock.fileno(), SIOCGIFADDR, request)
    except (IOError, OSError):  # no IPv4 address on it, or gone meanwhile
        return None
    finally:
        sock.close()
    return socket.inet_ntoa(answer[20:24])


def default_ipv4(target='1.1.1.1', factory=None):
    """The source address the kernel picks towards ``target`` (a routing lookup: connect() on a UDP
    socket sends nothing), as ``ip route get`` shows it: the address swarm_agent advertises by
    default. None without a route."""
    factory = factory or socket.socket
    sock = factory(socket.AF_INET, socket.SOCK_DGRAM)
    try:
        sock.connect((target, 53))
        address = sock.getsockname()[0]
    except (IOError, OSError):
        return None
    finally:
        sock.close()
    return address if address and address != '0.0.0.0' else None


def ipv4_addresses(names=None, lookup=None):
    """Interface name -> primary IPv4 address, for the interfaces that have one.

    The same as setup's network facts give (``ansible_facts[iface].ipv4.address`` for every
    name in ``ansible_facts.interfaces``), without the facts' commands and parsing.
    """
    lookup = lookup or interface_ipv4
    if names is None:
        names = [name for _index, name in socket.if_nameindex()]
    addresses = {}
    for name in names:
        address = lookup(name)
        if address:
            addresses[name] = address
    return addresses


def path_state(path):
    """What docker_host_info reports for one path: None when missing, else its type, permission
    bits, owner and group, and a file's SHA-1 (what ansible.builtin.stat calls checksum). A link is
    reported as a link, not followed."""
    try:
        st = os.lstat(path)
    except OSError:
        return None
    kinds = ((stat.S_ISREG, 'file'), (stat.S_ISDIR, 'directory'), (stat.S_ISLNK, 'link'))
    kind = next((name for test, name in kinds if test(st.st_mode)), 'other')
    state = dict(type=kind, mode='%04o' % stat.S_IMODE(st.st_mode), uid=st.st_uid, gid=st.st_gid)
    if kind == 'file':
        digest = hashlib.sha1()
        try:
            with open(path, 'rb') as handle:
                for block in iter(lambda: handle.read(65536), b''):
                    digest.update(block)
        except (IOError, OSError):
            return dict(state, type='unreadable')
        state['sha1'] = digest.hexdigest()
    return state
