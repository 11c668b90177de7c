"""swarm_token (classic): the token file is never readable by others, at no moment (issue 20, item 8)."""

import os
import stat

import pytest
from ansible_collections.dockercluster.swarm.plugins.modules import swarm_token

TOKEN = '5a0a4f2bd2e24d9a9ed2e24d9a9ed2e2'
OTHER = 'b' * 32


@pytest.fixture
def watch(monkeypatch):
    """Records the mode of every file in the folder holding TOKEN before and after each os call that can
    change a mode or put a file in place (a buffered write through open() goes through none: what it left
    is seen at the next call), and the mode of every file being written into."""
    seen = []

    def check(folder):
        for name in os.listdir(folder):
            path = os.path.join(folder, name)
            if not os.path.isfile(path):
                continue
            with open(path) as handle:
                text = handle.read()
            if TOKEN in text:
                seen.append((name, stat.S_IMODE(os.stat(path).st_mode)))

    def wrap(name, folder_of):
        real = getattr(os, name)

        def wrapper(*args, **kwargs):
            if name == 'write' and TOKEN.encode() in bytes(args[1]):
                seen.append(('<fd being written>', stat.S_IMODE(os.fstat(args[0]).st_mode)))
            folder = folder_of(args)
            if folder:
                check(folder)
            result = real(*args, **kwargs)
            if folder:
                check(folder)
            return result
        monkeypatch.setattr(os, name, wrapper)

    state = {'folder': None}
    for name in ('chmod', 'fchmod', 'chown', 'fchown', 'rename', 'replace', 'write', 'close'):
        wrap(name, lambda args: state['folder'])

    def start(folder):
        state['folder'] = folder
        return seen
    return start


def run_token(module_run, path, **args):
    params = dict(backend='classic', discovery_kind='token', token=TOKEN, token_file=path)
    params.update(args)
    return module_run(swarm_token.main, params)


def test_a_new_token_file_is_never_readable_by_others(module_run, watch, tmp_path):
    path = str(tmp_path / 'token')
    seen = watch(str(tmp_path))
    old = os.umask(0o022)
    try:
        result, failed = run_token(module_run, path)
    finally:
        os.umask(old)
    assert not failed, result
    assert result['changed'] and open(path).read() == TOKEN + '\n'
    assert seen and all(mode & 0o077 == 0 for _name, mode in seen), seen
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert os.listdir(str(tmp_path)) == ['token']  # no temporary file left


def test_a_token_file_left_readable_is_replaced_without_a_readable_moment(module_run, watch, tmp_path):
    # An older file, readable by everyone: the new token goes in without ever being 0644.
    path = str(tmp_path / 'token')
    with open(path, 'w') as handle:
        handle.write(OTHER + '\n')
    os.chmod(path, 0o644)
    seen = watch(str(tmp_path))
    result, failed = run_token(module_run, path)
    assert not failed, result
    assert open(path).read() == TOKEN + '\n'
    assert seen and all(mode & 0o077 == 0 for _name, mode in seen), seen
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert os.listdir(str(tmp_path)) == ['token']


def test_check_mode_gives_the_url_of_a_token_not_made_yet(module_run, tmp_path):
    """The roles' check mode predicts the manager and agent containers with it (they need a URL), and no
    file is written nor token made."""
    path = str(tmp_path / 'token')
    result, failed = module_run(swarm_token.main, dict(backend='classic', discovery_kind='token', token_file=path),
                                check=True)
    assert not failed and result['changed'] and result['created'], result
    assert result['discovery'] == 'token://' + '0' * 32 and result.get('token') is None
    assert not os.path.exists(path)


@pytest.mark.parametrize('args', [dict(token=OTHER), dict(state='absent')])
def test_check_mode_keeps_the_token_file_as_it_is(module_run, tmp_path, monkeypatch, args):
    """An adopted token (another one given) or a removal (state absent): predicted, and the file and the
    hosted discovery are left alone."""
    path = tmp_path / 'token'
    path.write_text(TOKEN + '\n')
    path.chmod(0o600)
    monkeypatch.setattr(swarm_token.ClassicToken, 'hosted', lambda self: pytest.fail('the discovery was asked'))
    result, failed = module_run(swarm_token.main, dict(backend='classic', discovery_kind='token',
                                                       token_file=str(path), **args), check=True)
    assert not failed and result['changed'], result
    assert path.read_text() == TOKEN + '\n' and stat.S_IMODE(path.stat().st_mode) == 0o600
