"""default: 1 manager (Debian 12) + 2 agents (el7-layout, Debian 13), built by the site playbook."""

import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "..", "resources", "tests"))

# The shared checks, collected here as this scenario's tests.
from swarm_checks import *  # noqa: E402,F401,F403  pylint: disable=wildcard-import
