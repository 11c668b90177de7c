"""ha: the checks of every scenario on 3 managers (Debian 12, Debian 13, el7-layout) + 2 agents."""

import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "..", "resources", "tests"))

# The shared checks, collected here as this scenario's tests.
from swarm_checks import *  # noqa: E402,F401,F403  pylint: disable=wildcard-import
