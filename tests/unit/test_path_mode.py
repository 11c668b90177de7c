"""The path_mode filter: docker_pki repairs a mode only when it differs."""
import os

from ansible_collections.dockercluster.swarm.plugins.filter.path_mode import path_mode


def test_path_mode_reads_the_permission_bits(tmp_path):
    directory = tmp_path / "pki"
    directory.mkdir()
    os.chmod(str(directory), 0o700)
    key = directory / "ca-key.pem"
    key.write_text(u"x")
    os.chmod(str(key), 0o640)
    assert path_mode(str(directory)) == "0700"
    assert path_mode(str(key)) == "0640"
    assert path_mode(str(directory / "missing")) == ""
