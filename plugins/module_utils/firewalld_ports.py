# -*- coding: utf-8 -*-
# Copyright: dockercluster.swarm contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""What firewalld_ports decides, as functions pytest calls directly: a port's spelling as
firewall-cmd writes it, which of the wanted ports a zone lacks, and the record of the ports it
opened (so that closing gives back only those)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json

PROTOCOLS = ('tcp', 'udp', 'sctp', 'dccp')
# firewalld keeps two port lists per zone: the permanent configuration and the running firewall.
SIDES = ('permanent', 'runtime')


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


def _span(port):
    """(low, high, protocol) of a port as normalize_port spells it."""
    number, _sep, proto = port.partition('/')
    low, _dash, high = number.partition('-')
    return int(low), int(high or low), proto


def covers(entry, port):
    """Whether a zone's port ``entry`` (a port, or a range) opens all of ``port`` already."""
    try:
        low, high, proto = _span(normalize_port(entry))
    except ValueError:
        return False
    want_low, want_high, want_proto = _span(port)
    return proto == want_proto and low <= want_low and want_high <= high


def missing(wanted, present):
    """The wanted ports the zone does not open yet, in the order wanted. A port inside a range the zone
    lists is open (firewall-cmd would refuse it: ALREADY_ENABLED)."""
    return [port for port in wanted if not any(covers(entry, port) for entry in present)]


def read_record(text):
    """The record's ``{zone: {'permanent': [...], 'runtime': [...]}}`` of the ports this module opened;
    ValueError when ``text`` (the file's content, empty when there is none) is not such a record."""
    data = json.loads(text) if text.strip() else {'zones': {}}
    zones = data.get('zones') if isinstance(data, dict) else None
    if not isinstance(zones, dict) or not all(
            isinstance(sides, dict) and all(isinstance(sides.get(w, []), list) for w in SIDES)
            for sides in zones.values()):
        raise ValueError('not a record of opened ports: %r' % (text[:200],))
    return dict((zone, dict((w, sorted(set(sides.get(w, [])))) for w in SIDES)) for zone, sides in zones.items())


def record_added(zones, zone, added):
    """``zones`` with the ports just ``added`` to ``zone`` (per side) recorded; a new dict."""
    merged = dict((name, dict(sides)) for name, sides in zones.items())
    sides = merged.setdefault(zone, dict((w, []) for w in SIDES))
    for where in SIDES:
        sides[where] = sorted(set(sides[where]) | set(added[where]))
    return merged


def to_close(recorded, open_now):
    """Per side, the recorded ports the zone still lists: what closing gives back (the others are
    closed already, by hand or by a reload)."""
    return dict((where, [p for p in recorded[where] if p in set(open_now[where])]) for where in SIDES)
