# SPDX-License-Identifier: BSD-3-Clause
"""PROFINET DCP for tests/oracle/oracle.py: per frame, the DCP PDU tshark
sees (pn_dcp: ServiceID, ServiceType, Xid) against Vigil's pn_dcp records.

tshark dissects DCP as a heuristic sub-dissector of PN-RT for FrameIDs
0xFEFC-0xFEFF, as Vigil does; the other FrameIDs of EtherType 0x8892 (RT
cyclic data, alarms, PTCP) are neither a pn_dcp PDU in tshark nor a record
in Vigil (Vigil counts them in the parser's state)."""


def _ints(v):
    out = []
    for x in v.split(',') if v else []:
        x = x.strip()
        if x:
            out.append(int(x, 16) if x.startswith('0x') else int(x))
    return out


def ts(f):
    sid, stype, xid = _ints(f[0]), _ints(f[1]), _ints(f[2])
    return [(a, b, c) for a, b, c in zip(sid, stype, xid)]


def vg(r):
    x = r['pn_dcp']
    return [(x['service_id'], x['service_type'], x['xid'])]


PROTO = dict(name='pn_dcp', dirs=['profinet'], filt='pn_dcp',
             fields=['pn_dcp.service_id', 'pn_dcp.service_type', 'pn_dcp.xid'],
             ts=ts, vg=vg, known={})
