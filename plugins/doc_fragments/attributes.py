# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type


class ModuleDocFragment(object):
    # The attributes of the swarm_* modules, the way ansible.builtin.action_common_attributes
    # works: every module extends this fragment, and one named section below where its texts are
    # shared. A module's own attribute keys (a description that only it has) override these.
    DOCUMENTATION = r'''
attributes:
  check_mode:
    support: full
'''

    # swarm_manager, swarm_agent: cluster membership, or the classic Swarm container.
    MEMBERSHIP = r'''
attributes:
  check_mode:
    description: Reports the steps it would take (RV(actions)) without taking them.
  diff_mode:
    support: partial
    description: With O(backend=swarmkit) membership is not a file and RV(actions) lists the steps instead;
      with O(backend=classic) the container's spec before and after is the diff.
'''

    # Modules that only read.
    INFO_MODULE = r'''
attributes:
  check_mode:
    description: Read-only; runs the same in check mode.
  diff_mode:
    support: none
    description: Read-only.
'''
