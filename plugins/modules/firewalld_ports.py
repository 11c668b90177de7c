#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: dockercluster.swarm contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
module: firewalld_ports
short_description: Open ports in a firewalld zone, permanent and runtime, and close them again
version_added: 0.2.0
description:
  - With O(state=present), adds each port of O(ports) that the zone lacks, to its permanent configuration and
    to the running firewall (no reload, so nothing else the runtime holds is lost), and records what it added
    (O(record_path)). Ports already open are left alone and not recorded.
  - With O(state=absent), closes the recorded ports, on the side (permanent, runtime) and in the zone they
    were opened in, and removes the record. The zone is given back as it was; ports opened by others stay.
  - Uses C(firewall-cmd) (ansible.posix's firewalld module is not required). Where firewalld is installed but
    not running, changes its permanent configuration alone, with C(firewall-offline-cmd), and warns (the ports
    are open when it starts, at a reboot, and closed again at the reset). Where it is not installed, changes
    nothing and says so.
  - The swarm_firewall role passes it what a swarm host needs (C(swarm_firewall=firewalld)).
author:
  - dockercluster.swarm maintainers (@dockercluster)
extends_documentation_fragment:
  - dockercluster.swarm.attributes
attributes:
  check_mode:
    description: Reads the zone and reports the ports it would open (RV(added)) or close (RV(closed)), changing nothing.
  diff_mode:
    support: full
    description: The zone's (each recorded zone's) permanent and runtime port lists, before and after.
options:
  ports:
    description:
      - The ports to open, as C(PORT/PROTOCOL) (C(2377/tcp), C(4789/udp), a range C(8000-8010/tcp)).
      - Required with O(state=present); not used with O(state=absent), which closes what the record holds.
    type: list
    elements: str
  zone:
    description:
      - The firewalld zone to open them in; empty is firewalld's default zone (C(firewall-cmd --get-default-zone)).
    type: str
    default: ""
  state:
    description:
      - V(present) opens O(ports); V(absent) closes the ports this module opened on the host (its record).
    type: str
    choices: [present, absent]
    default: present
  record_path:
    description:
      - The record, on the host, of the ports this module opened, per zone and side (JSON). Written before
        the ports are added; removed once V(absent) closed them.
    type: path
    default: /var/lib/dockercluster/firewalld-ports.json
requirements:
  - firewalld (C(firewall-cmd)) on the managed host, for anything to happen.
'''

EXAMPLES = r'''
- name: Open the ports of a Swarm-mode worker whose engine listens on 2375
  dockercluster.swarm.firewalld_ports:
    ports: [7946/tcp, 7946/udp, 4789/udp, 2375/tcp]
  register: opened

- name: Say where firewalld is not installed (nothing was done)
  ansible.builtin.debug:
    msg: "{{ opened.msg }}"
  when: opened.msg is defined

- name: Close them again (only those the module opened)
  dockercluster.swarm.firewalld_ports:
    state: absent
'''

RETURN = r'''
running:
  description: Whether firewalld runs on the host (false, only its permanent configuration was changed, or
    nothing where it is not installed).
  returned: always
  type: bool
zone:
  description: The zone the ports went into.
  returned: when firewalld is installed and O(state=present)
  type: str
  sample: public
added:
  description: The ports added (in check mode, to add), to the permanent configuration and to the runtime.
  returned: when firewalld is installed and O(state=present)
  type: dict
  sample: {permanent: [2377/tcp], runtime: [2377/tcp]}
ports:
  description: The zone's ports afterwards (permanent configuration).
  returned: when firewalld is installed and O(state=present)
  type: list
  elements: str
closed:
  description: Per zone, the recorded ports closed (in check mode, to close) on each side.
  returned: when firewalld is installed and O(state=absent)
  type: dict
  sample: {public: {permanent: [2377/tcp, 7946/tcp], runtime: [2377/tcp, 7946/tcp]}}
msg:
  description: Why nothing was done, where firewalld does not run and cannot be configured offline.
  returned: when firewalld does not run and C(firewall-offline-cmd) is not there
  type: str
'''

import errno
import json
import os

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.dockercluster.swarm.plugins.module_utils.atomic_write import atomic_write
from ansible_collections.dockercluster.swarm.plugins.module_utils.firewalld_ports import (
    SIDES,
    missing,
    normalize_port,
    parse_list,
    read_record,
    record_added,
    to_close,
)


class FirewalldPorts(object):

    def __init__(self, module):
        self.module = module
        self.cmd = module.get_bin_path('firewall-cmd')
        # firewall-offline-cmd, where firewalld is installed but does not run: the permanent side alone.
        self.offline = None
        self.sides = SIDES

    def firewall_cmd(self, *args):
        if self.offline:
            args = [arg for arg in args if arg != '--permanent']
        command = self.offline or self.cmd
        rc, out, err = self.module.run_command([command] + list(args))
        if rc != 0:
            self.module.fail_json(msg='%s %s failed (%s): %s' % (os.path.basename(command), ' '.join(args), rc,
                                                                 (err or out).strip()))
        return out.strip()

    def warn_offline(self, changed):
        if self.offline and changed:
            self.module.warn('firewalld does not run here: only its permanent configuration changed '
                             '(firewall-offline-cmd); it applies when firewalld starts')

    def running(self):
        if not self.cmd:
            return False
        rc, out, _err = self.module.run_command([self.cmd, '--state'])
        return rc == 0 and out.strip() == 'running'

    def zone_ports(self, zone):
        """Each side's open ports; offline, no runtime side (none is read or changed)."""
        return dict((where, parse_list(self.firewall_cmd(*((['--permanent'] if where == 'permanent' else [])
                                                           + ['--zone=' + zone, '--list-ports'])))
                     if where in self.sides else []) for where in SIDES)

    def change_ports(self, zone, action, ports):
        """``action`` ('add' or 'remove') the ports per side; one call for each side, as firewall-cmd
        takes several --add-port (--remove-port) and refuses them all on a bad one."""
        if self.module.check_mode:
            return
        for where in self.sides:
            if ports[where]:
                self.firewall_cmd(*((['--permanent'] if where == 'permanent' else []) + ['--zone=' + zone]
                                    + ['--%s-port=%s' % (action, p) for p in ports[where]]))

    def read_record(self):
        path = self.module.params['record_path']
        try:
            with open(path) as handle:
                text = handle.read()
        except (IOError, OSError) as exc:
            if exc.errno != errno.ENOENT:
                self.module.fail_json(msg='reading %s: %s' % (path, exc))
            text = ''
        try:
            return read_record(text)
        except ValueError as exc:
            self.module.fail_json(msg='%s: %s' % (path, exc))

    def write_record(self, zones):
        path = self.module.params['record_path']
        if self.module.check_mode:
            return
        try:
            if not any(p for sides in zones.values() for ports in sides.values() for p in ports):
                os.remove(path)
                return
            if not os.path.isdir(os.path.dirname(path)):
                os.makedirs(os.path.dirname(path), 0o755)
            atomic_write(path, (json.dumps({'zones': zones}, indent=2, sort_keys=True) + '\n').encode('utf-8'), 0o644)
        except OSError as exc:
            if exc.errno != errno.ENOENT:
                self.module.fail_json(msg='writing %s: %s' % (path, exc))

    def present(self, wanted):
        zone = self.module.params['zone'] or self.firewall_cmd('--get-default-zone')
        before = self.zone_ports(zone)
        added = dict((where, missing(wanted, ports) if where in self.sides else []) for where, ports in before.items())
        after = dict((where, sorted(set(ports) | set(added[where]))) for where, ports in before.items())
        if added['permanent'] or added['runtime']:
            # The record first: a port opened but not recorded would stay open after a reset.
            self.write_record(record_added(self.read_record(), zone, added))
        self.change_ports(zone, 'add', added)
        result = dict(changed=bool(added['permanent'] or added['runtime']), running=not self.offline, zone=zone,
                      added=added, ports=after['permanent'])
        self.warn_offline(result['changed'])
        self.add_diff(result, [(zone, before, after)])
        return result

    def absent(self):
        recorded = self.read_record()
        closed, views = {}, []
        for zone in sorted(recorded):
            before = self.zone_ports(zone)
            closed[zone] = to_close(recorded[zone], before)
            after = dict((w, [p for p in before[w] if p not in closed[zone][w]]) for w in SIDES)
            self.change_ports(zone, 'remove', closed[zone])
            views.append((zone, before, after))
        if recorded:
            # After the ports are closed: a failure before leaves the record for the next run.
            self.write_record({})
        result = dict(changed=bool(recorded), running=not self.offline, closed=closed)
        self.warn_offline(result['changed'])
        self.add_diff(result, views)
        return result

    def add_diff(self, result, views):
        if self.module._diff:
            result['diff'] = dict(before=''.join(self._lines(zone, before) for zone, before, _a in views),
                                  after=''.join(self._lines(zone, after) for zone, _b, after in views))

    @staticmethod
    def _lines(zone, ports):
        return ''.join('%s (%s): %s\n' % (zone, where, ' '.join(ports[where])) for where in SIDES)

    def run(self):
        try:
            wanted = [normalize_port(p) for p in self.module.params['ports'] or []]
        except ValueError as exc:
            self.module.fail_json(msg='ports: %s' % exc)
        if not self.running():
            self.offline = self.module.get_bin_path('firewall-offline-cmd') if self.cmd else None
            if not self.offline:
                self.module.exit_json(changed=False, running=False,
                                      msg='firewalld does not run here (firewall-cmd %s): no port to %s'
                                      % ('found, firewall-offline-cmd not' if self.cmd else 'not found',
                                         'open' if self.module.params['state'] == 'present' else 'close'))
            self.sides = ('permanent',)
        if self.module.params['state'] == 'present':
            self.module.exit_json(**self.present(wanted))
        self.module.exit_json(**self.absent())


def main():
    module = AnsibleModule(
        argument_spec=dict(
            ports=dict(type='list', elements='str'),
            zone=dict(type='str', default=''),
            state=dict(type='str', default='present', choices=['present', 'absent']),
            record_path=dict(type='path', default='/var/lib/dockercluster/firewalld-ports.json'),
        ),
        required_if=[('state', 'present', ['ports'])],
        supports_check_mode=True,
    )
    FirewalldPorts(module).run()


if __name__ == '__main__':
    main()
