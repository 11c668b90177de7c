"""Stand-in for the get-pip.py that ansible-test downloads to put pip into its sanity venvs.

Its download host is not reachable from here; Python's own ensurepip installs the pip wheel that
ships with the interpreter instead. scripts/sanity.sh places this file in ansible-test's cache.
"""
import subprocess
import sys

subprocess.check_call([sys.executable, "-m", "ensurepip", "--default-pip"])
