"""centos7: 1 manager + 2 agents on CentOS 7 with its own docker 1.13 (needs a registry)."""

import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "..", "resources", "tests"))

# The shared checks, collected here as this scenario's tests.
from swarm_checks import *  # noqa: E402,F401,F403  pylint: disable=wildcard-import
