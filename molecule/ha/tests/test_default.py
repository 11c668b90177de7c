"""ha: the checks of every scenario on 3 managers (Debian 12, Debian 13, el7-layout) + 2 agents."""

import os
import sys

import pytest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "..", "resources", "tests"))

# The shared checks, collected here as this scenario's tests.
from swarm_checks import *  # noqa: E402,F401,F403  pylint: disable=wildcard-import
from swarmlib import NODES, node  # noqa: E402


@pytest.mark.parametrize("name", NODES)
def test_the_modules_python_imports_the_docker_sdk(name):
    """a1 (debian12-bare) had no Docker SDK: the docker_sdk role installed it for the Python the modules run with."""
    assert node(name).run("python3 -c 'import docker'").rc == 0, name
