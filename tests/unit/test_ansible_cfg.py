"""The checkout's ansible.cfg is what a user's `ansible-playbook site.yml -i hosts` reads (README):
it must not turn off SSH host key checking, or a spoofed host gets the operator's client key and
the join tokens. The lab connects with community.docker.docker and needs no SSH at all."""

import configparser
import os

from ansible.module_utils.parsing.convert_bool import boolean

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def _config():
    parser = configparser.ConfigParser(interpolation=None)
    parser.read(os.path.join(REPO_ROOT, 'ansible.cfg'))
    return parser


def test_ansible_cfg_keeps_host_key_checking():
    parser = _config()
    for section in parser.sections():
        value = parser.get(section, 'host_key_checking', fallback=None)
        assert value is None or boolean(value, strict=False), \
            'ansible.cfg [%s] host_key_checking = %s' % (section, value)


def test_ansible_cfg_accepts_no_unknown_host_keys_through_ssh_args():
    parser = _config()
    for section in parser.sections():
        for option in ('ssh_args', 'ssh_common_args', 'ssh_extra_args'):
            value = (parser.get(section, option, fallback='') or '').replace(' ', '')
            assert 'StrictHostKeyChecking=no' not in value and 'UserKnownHostsFile=/dev/null' not in value, \
                'ansible.cfg [%s] %s = %s' % (section, option, value)
