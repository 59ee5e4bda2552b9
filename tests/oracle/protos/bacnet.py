# SPDX-License-Identifier: BSD-3-Clause
"""BACnet/IP for tests/oracle/oracle.py: per BVLC message, tshark's bvlc /
bacnet / bacapp dissection against Vigil's bacnet records.

A PDU is (BVLC function, network layer message type, APDU type, service
choice, invoke id), None where the message has no such field. Reject, Abort
and SegmentACK PDUs carry no service choice: Vigil names the service of the
request they answer (service_from_request), tshark does not, so the service
is left out for them. Frames that are not BACnet/IP (BACnet over 802.2 LLC,
MS/TP carried by Cimetrics' encapsulation) have no bvlc layer: the filter
leaves them out on both sides, as Vigil sees BACnet/IP only.
"""


def ints(v):
    out = []
    for x in v.split(',') if v else []:
        x = x.strip()
        if x:
            out.append(int(x, 16) if x.startswith('0x') else int(x))
    return out


def first(v):
    n = ints(v)
    return n[0] if n else None


def ts(f):
    fn, msg, typ, csvc, usvc, inv = (first(x) for x in f[:6])
    if typ is not None and typ in (4, 6, 7):
        csvc = usvc = None
    return [(fn, msg, typ, csvc if csvc is not None else usvc, inv)]


def vg(r):
    x = r['bacnet']
    fn = x['bvlc']['function']
    msg = x.get('npdu', {}).get('message_type')
    a = x.get('apdu')
    if a is None or 'type' not in a:
        return [(fn, msg, None, None, None)]
    svc = None if a.get('service_from_request') or a['type'] in (4, 6, 7) else a.get('service')
    return [(fn, msg, a['type'], svc, a.get('invoke_id'))]


PROTO = dict(
    name='bacnet',
    dirs=['bacnet'],
    filt='bvlc',
    fields=['bvlc.function', 'bacnet.mesgtyp', 'bacapp.type', 'bacapp.confirmed_service',
            'bacapp.unconfirmed_service', 'bacapp.invoke_id'],
    ts=ts,
    vg=vg,
    known={
        ('ws_bacnet-stack-services.pcap', 1):
            'NPDU version 0x10 (the standard knows only 1): the first datagram of its flow, which '
            'Vigil\'s probe does not take as BACnet (its flow is recognised from the next datagram); '
            'tshark dissects the APDU after the unknown version anyway',
    },
)
