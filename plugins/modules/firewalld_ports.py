#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: dockercluster.swarm contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
module: firewalld_ports
short_description: Open ports in a firewalld zone, permanent and runtime, where firewalld runs
version_added: 0.2.0
description:
  - Adds each port of O(ports) that the zone lacks, to its permanent configuration and to the running
    firewall (no reload, so nothing else the runtime holds is lost). Ports already open are left alone,
    and nothing is removed or closed.
  - Uses C(firewall-cmd) (ansible.posix's firewalld module is not required). On a host where firewalld is
    not installed or not running, changes nothing and says so (RV(running) false).
  - The swarm_firewall role passes it what a swarm host needs (C(swarm_firewall=firewalld)).
author:
  - dockercluster.swarm maintainers (@dockercluster)
extends_documentation_fragment:
  - dockercluster.swarm.attributes
attributes:
  check_mode:
    description: Reads the zone and reports the ports it would open (RV(added)) without opening them.
  diff_mode:
    support: full
    description: The zone's permanent and runtime port lists, before and after.
options:
  ports:
    description:
      - The ports to open, as C(PORT/PROTOCOL) (C(2377/tcp), C(4789/udp), a range C(8000-8010/tcp)).
    type: list
    elements: str
    required: true
  zone:
    description:
      - The firewalld zone; empty is firewalld's default zone (C(firewall-cmd --get-default-zone)).
    type: str
    default: ""
requirements:
  - firewalld (C(firewall-cmd)) on the managed host, for anything to happen.
'''

EXAMPLES = r'''
- name: Open the ports of a Swarm-mode worker whose engine listens on 2375
  dockercluster.swarm.firewalld_ports:
    ports: [7946/tcp, 7946/udp, 4789/udp, 2375/tcp]
  register: opened

- name: Say where firewalld does not run
  ansible.builtin.debug:
    msg: "{{ opened.msg }}"
  when: not opened.running
'''

RETURN = r'''
running:
  description: Whether firewalld runs on the host (false, nothing was done).
  returned: always
  type: bool
zone:
  description: The zone the ports went into.
  returned: when firewalld runs
  type: str
  sample: public
added:
  description: The ports added (in check mode, to add), to the permanent configuration and to the runtime.
  returned: when firewalld runs
  type: dict
  sample: {permanent: [2377/tcp], runtime: [2377/tcp]}
ports:
  description: The zone's ports afterwards (permanent configuration).
  returned: when firewalld runs
  type: list
  elements: str
msg:
  description: Why nothing was done, where firewalld does not run.
  returned: when firewalld does not run
  type: str
'''

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.dockercluster.swarm.plugins.module_utils.firewalld_ports import (
    missing,
    normalize_port,
    parse_list,
)


class FirewalldPorts(object):

    def __init__(self, module):
        self.module = module
        self.cmd = module.get_bin_path('firewall-cmd')

    def firewall_cmd(self, *args):
        rc, out, err = self.module.run_command([self.cmd] + list(args))
        if rc != 0:
            self.module.fail_json(msg='firewall-cmd %s failed (%s): %s' % (' '.join(args), rc, (err or out).strip()))
        return out.strip()

    def running(self):
        if not self.cmd:
            return False
        rc, out, _err = self.module.run_command([self.cmd, '--state'])
        return rc == 0 and out.strip() == 'running'

    def present(self, wanted):
        zone = self.module.params['zone'] or self.firewall_cmd('--get-default-zone')
        before = {'permanent': parse_list(self.firewall_cmd('--permanent', '--zone=' + zone, '--list-ports')),
                  'runtime': parse_list(self.firewall_cmd('--zone=' + zone, '--list-ports'))}
        added = dict((where, missing(wanted, ports)) for where, ports in before.items())
        after = dict((where, sorted(set(ports) | set(added[where]))) for where, ports in before.items())
        if not self.module.check_mode:
            # One call for each side: firewall-cmd takes several --add-port, and refuses them all on a bad one.
            if added['permanent']:
                self.firewall_cmd('--permanent', '--zone=' + zone, *['--add-port=' + p for p in added['permanent']])
            if added['runtime']:
                self.firewall_cmd('--zone=' + zone, *['--add-port=' + p for p in added['runtime']])
        result = dict(changed=bool(added['permanent'] or added['runtime']), running=True, zone=zone, added=added,
                      ports=after['permanent'])
        if self.module._diff:
            result['diff'] = dict(before=self._lines(zone, before), after=self._lines(zone, after))
        return result

    @staticmethod
    def _lines(zone, ports):
        return ''.join('%s (%s): %s\n' % (zone, where, ' '.join(ports[where])) for where in ('permanent', 'runtime'))

    def run(self):
        try:
            wanted = [normalize_port(p) for p in self.module.params['ports']]
        except ValueError as exc:
            self.module.fail_json(msg='ports: %s' % exc)
        if not self.running():
            self.module.exit_json(changed=False, running=False,
                                  msg='firewalld does not run here (firewall-cmd %s): no port to open'
                                  % ('--state is not "running"' if self.cmd else 'not found'))
        self.module.exit_json(**self.present(wanted))


def main():
    module = AnsibleModule(
        argument_spec=dict(
            ports=dict(type='list', elements='str', required=True),
            zone=dict(type='str', default=''),
        ),
        supports_check_mode=True,
    )
    FirewalldPorts(module).run()


if __name__ == '__main__':
    main()
