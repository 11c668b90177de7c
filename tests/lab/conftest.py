import os
import shutil

import pytest

from labkit import ROOT, Lab, sh


def pytest_configure(config):
    if shutil.which("docker") is None or sh(["docker", "info"], check=False).returncode != 0:
        raise pytest.UsageError("the lab tests need a Docker engine: run `python3 lab/lab.py engine`")
    os.environ.setdefault("ANSIBLE_CONFIG", os.path.join(ROOT, "ansible.cfg"))


@pytest.fixture(scope="module")
def lab3(request):
    """Three nodes, one of each daemon layout: debian12 (manager), el7-layout, debian13."""
    lab = Lab("t" + request.module.__name__.replace("test_", "")[:8], 3)
    yield lab
    lab.down()
