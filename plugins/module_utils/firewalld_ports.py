# -*- coding: utf-8 -*-
# Copyright: dockercluster.swarm contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""What firewalld_ports decides, as functions pytest calls directly: a port's spelling as
firewall-cmd writes it, and which of the wanted ports a zone lacks."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

PROTOCOLS = ('tcp', 'udp', 'sctp', 'dccp')


def normalize_port(spec):
    """``'2377/tcp'`` as firewall-cmd lists it; ValueError naming what is wrong."""
    text = str(spec).strip().lower()
    port, sep, proto = text.partition('/')
    if not sep or proto not in PROTOCOLS:
        raise ValueError('%r: expected PORT/PROTOCOL, the protocol one of %s' % (spec, ', '.join(PROTOCOLS)))
    low, dash, high = port.partition('-')
    bounds = [low, high] if dash else [low]
    if not all(b.isdigit() and 0 < int(b) < 65536 for b in bounds) or (dash and int(low) > int(high)):
        raise ValueError('%r: the port must be 1-65535 (or a range LOW-HIGH)' % (spec,))
    return '%s/%s' % ('-'.join(str(int(b)) for b in bounds), proto)


def parse_list(output):
    """``firewall-cmd --list-ports`` output (space separated) as a sorted list."""
    return sorted(set(output.split()))


def missing(wanted, present):
    """The wanted ports the zone does not list yet, in the order wanted."""
    have = set(present)
    return [port for port in wanted if port not in have]
