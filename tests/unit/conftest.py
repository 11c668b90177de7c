"""Make this checkout importable as ``ansible_collections.dockercluster.swarm``.

The plugins import each other by their collection name, as they do on a managed host, so the
tests do the same: a temporary ``ansible_collections/dockercluster/swarm`` symlink to the repo
root goes at the front of sys.path (namespace packages need no __init__.py).
"""

import atexit
import os
import shutil
import sys
import tempfile

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def _link_collection():
    top = tempfile.mkdtemp(prefix='dockercluster-unit-')
    namespace = os.path.join(top, 'ansible_collections', 'dockercluster')
    os.makedirs(namespace)
    os.symlink(REPO_ROOT, os.path.join(namespace, 'swarm'))
    sys.path.insert(0, top)
    atexit.register(shutil.rmtree, top, True)
    return top


COLLECTIONS_ROOT = _link_collection()
