import os
import socket

from ansible_collections.dockercluster.swarm.plugins.module_utils import port_holders as ph

TCP_HEADER = "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n"


def fake_proc(tmp_path, tcp_lines, tcp6_lines=(), processes=None):
    (tmp_path / "net").mkdir()
    (tmp_path / "net" / "tcp").write_text(TCP_HEADER + "".join(tcp_lines))
    (tmp_path / "net" / "tcp6").write_text(TCP_HEADER + "".join(tcp6_lines))
    for pid, (comm, inodes) in (processes or {}).items():
        fd = tmp_path / str(pid) / "fd"
        fd.mkdir(parents=True)
        (tmp_path / str(pid) / "comm").write_text(comm + "\n")
        for n, inode in enumerate(inodes):
            os.symlink("socket:[%s]" % inode, str(fd / str(n)))
    return str(tmp_path)


def row(port_hex, state, inode):
    return ("   0: 00000000:%s 00000000:0000 %s 00000000:00000000 00:00000000 00000000     0        0 %s 1\n"
            % (port_hex, state, inode))


def test_finds_the_listener_of_a_port_and_ignores_other_states_and_ports(tmp_path):
    proc = fake_proc(tmp_path, [row("0947", "0A", "111"), row("0947", "01", "222"), row("0948", "0A", "333")],
                     processes={42: ("socat", ["111"]), 43: ("sshd", ["333"]), 44: ("curl", ["222"])})
    assert ph.listening_inodes(2375, proc) == {"111"}
    assert ph.port_holders(2375, proc) == {42: "socat"}
    assert ph.port_holders(2376, proc) == {43: "sshd"}
    assert ph.port_holders(2377, proc) == {}


def test_ipv6_listeners_count_too(tmp_path):
    v6 = ("   0: 00000000000000000000000000000000:0947 00000000000000000000000000000000:0000 0A "
          "00000000:00000000 00:00000000 00000000     0        0 555 1\n")
    proc = fake_proc(tmp_path, [], [v6], processes={7: ("dockerd", ["555"])})
    assert ph.port_holders(2375, proc) == {7: "dockerd"}


def test_a_real_listening_socket_is_found_with_this_process():
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(1)
    try:
        port = server.getsockname()[1]
        assert os.getpid() in ph.port_holders(port)
    finally:
        server.close()
    assert os.getpid() not in ph.port_holders(port)
