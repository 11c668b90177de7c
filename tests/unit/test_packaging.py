"""What a run leaves in the checkout stays out of git and out of the collection tarball.

README: the user writes `hosts` in the checkout and runs `ansible-playbook site.yml -i hosts`; the PKI
then goes to `docker-pki/` next to the inventory (docker_pki_dir), CA key included. Neither may end
up in `git status` (one `git add .` away from a commit) nor in `ansible-galaxy collection build`'s
tarball. The test builds a temporary copy of the checkout's tracked files, as scripts/check-build.sh
builds the checkout."""

import os
import shutil
import subprocess
import sys
import tarfile

import pytest

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

# What a user's run leaves next to a checkout-level inventory, and in an inventory directory of its own.
LEFT_BY_A_RUN = [
    'hosts',
    'docker-pki/ca.pem',
    'docker-pki/ca-key.pem',
    'docker-pki/cert.pem',
    'docker-pki/key.pem',
    'docker-pki/nodes/node1.example.com/server-key.pem',
    'inventories/prod/docker-pki/ca-key.pem',
    'operator-key.pem',
]


def _secret(path):
    name = os.path.basename(path)
    return path == 'hosts' or name.endswith('.pem') or 'docker-pki' in path.split('/')


def _tool(name):
    found = shutil.which(name) or os.path.join(os.path.dirname(sys.executable), name)
    if not os.path.exists(found):
        pytest.skip('%s not found' % name)
    return found


@pytest.fixture(scope='module')
def checkout_after_a_run(tmp_path_factory):
    git = _tool('git')
    tracked = subprocess.run([git, 'ls-files', '-z'], cwd=REPO_ROOT, stdout=subprocess.PIPE, check=True).stdout
    copy = tmp_path_factory.mktemp('checkout') / 'swarm'
    for rel in filter(None, tracked.decode().split('\0')):
        src = os.path.join(REPO_ROOT, rel)
        if os.path.lexists(src):
            dst = copy / rel
            dst.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(src, str(dst), follow_symlinks=False)
    for rel in LEFT_BY_A_RUN:
        path = copy / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text('-----BEGIN PRIVATE KEY-----\nnot a real key\n-----END PRIVATE KEY-----\n'
                        if rel.endswith('.pem') else '[swarm_managers]\nnode1.example.com\n')
    subprocess.run([git, 'init', '-q', str(copy)], check=True)
    return copy


def test_git_status_does_not_offer_the_pki_or_the_inventory(checkout_after_a_run):
    out = subprocess.run(['git', 'status', '--porcelain', '--untracked-files=all'], cwd=str(checkout_after_a_run),
                         stdout=subprocess.PIPE, check=True, universal_newlines=True).stdout
    listed = [line[3:] for line in out.splitlines()]
    assert 'galaxy.yml' in listed  # the copy is untracked as a whole: git lists what it does not ignore
    assert [path for path in listed if _secret(path)] == []


def test_the_built_collection_holds_no_key_and_no_inventory(checkout_after_a_run, tmp_path):
    galaxy = _tool('ansible-galaxy')
    subprocess.run([galaxy, 'collection', 'build', '--force', '--output-path', str(tmp_path),
                    str(checkout_after_a_run)], check=True, stdout=subprocess.PIPE)
    (tarball,) = list(tmp_path.glob('dockercluster-swarm-*.tar.gz'))
    with tarfile.open(str(tarball)) as tar:
        members = tar.getnames()
    assert 'galaxy.yml' not in members and 'MANIFEST.json' in members and 'roles/docker_pki/defaults/main.yml' in members
    assert [name for name in members if _secret(name)] == []
