"""swarm_token (classic) against a local HTTPS server implementing the hosted discovery API.

The module runs through ansible-playbook on the controller (localhost) with the server's
self-signed CA: create, reuse on a later run, adopt, delete, and the error when it is down.
"""

import json
import os
import socket
import sys

import pytest
from fake_discovery import DiscoveryServer

from labkit import ROOT, sh

TOKEN_TASK = """---
- name: Classic discovery token
  hosts: localhost
  connection: local
  gather_facts: false
  tasks:
    - name: swarm_token
      dockercluster.swarm.swarm_token:
        backend: classic
        state: "{{ state | default('present') }}"
        token: "{{ adopt | default(omit) }}"
        discovery_url: "{{ url }}"
        discovery_ca_path: "{{ ca | default(omit) }}"
        token_file: "{{ token_file }}"
        timeout: 5
      register: result
      no_log: true
      failed_when: false
    - name: Write the result where the test reads it
      ansible.builtin.copy:
        content: "{{ result | to_json }}"
        dest: "{{ out }}"
        mode: "0600"
      no_log: true
"""


@pytest.fixture()
def server(tmp_path):
    srv = DiscoveryServer(tmp_path)
    yield srv
    srv.stop()


def token_task(tmp_path, **extra):
    book = tmp_path / "token.yml"
    book.write_text(TOKEN_TASK)
    out = tmp_path / "result.json"
    # The controller's own Python (the venv's) runs the module on localhost.
    args = ["ansible-playbook", str(book), "-i", "localhost,", "-e", "ansible_python_interpreter=" + sys.executable]
    extra.setdefault("token_file", str(tmp_path / "token"))
    extra["out"] = str(out)
    for key, value in extra.items():
        args += ["-e", "%s=%s" % (key, value)]
    res = sh(args, cwd=ROOT, env=dict(os.environ, ANSIBLE_NOCOLOR="1"))
    return json.loads(out.read_text()), res.stdout


def test_create_reuse_adopt_delete(server, tmp_path):
    first, out = token_task(tmp_path, url=server.url, ca=server.ca)
    assert first["changed"] and first["created"], first.get("msg")
    token = first["token"]
    assert list(server.clusters) == [token]
    assert first["discovery"] == "token://%s/v1/%s" % (server.url[len("https://"):-len("/v1")], token)
    assert oct(os.stat(tmp_path / "token").st_mode & 0o777) == "0o600"
    assert token not in out

    again, _out = token_task(tmp_path, url=server.url, ca=server.ca)
    assert not again["changed"] and again["token"] == token
    assert [r for r in server.requests if r[0] == "POST"] == [("POST", "/v1/clusters")]

    adopted_token = "ab" * 16
    adopt, _out = token_task(tmp_path, url=server.url, ca=server.ca, adopt=adopted_token,
                             token_file=str(tmp_path / "adopted"))
    assert adopt["token"] == adopted_token and not adopt["created"]
    assert len([r for r in server.requests if r[0] == "POST"]) == 1

    gone, _out = token_task(tmp_path, url=server.url, ca=server.ca, state="absent")
    assert gone["changed"] and gone["deleted"]
    assert server.clusters == {} and not (tmp_path / "token").exists()
    gone_again, _out = token_task(tmp_path, url=server.url, ca=server.ca, state="absent")
    assert not gone_again["changed"]


def test_untrusted_certificate_is_refused(server, tmp_path):
    result, _out = token_task(tmp_path, url=server.url)
    # failed_when: false keeps the play going; the module's failure shows as its msg, no token.
    assert "token" not in result and "cannot be reached" in result["msg"]
    assert server.clusters == {}


def test_clear_error_when_the_endpoint_is_down(tmp_path):
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.close()
    result, _out = token_task(tmp_path, url="https://127.0.0.1:%d/v1" % port)
    assert "token" not in result
    assert "cannot be reached" in result["msg"] and "2019-06-19" in result["msg"]
    assert "discovery_url" in result["msg"] and "consul" in result["msg"]
    assert not (tmp_path / "token").exists()
