# SPDX-License-Identifier: BSD-3-Clause
"""BACnet/IP for tests/oracle/oracle.py: per BVLC message, tshark's bvlc /
bacnet / bacapp dissection against Vigil's bacnet records.

A PDU is (BVLC function, network layer message type, APDU type, service
choice, invoke id, ...), None where the message has no such field. Reject, Abort
and SegmentACK PDUs carry no service choice: Vigil names the service of the
request they answer (service_from_request), tshark does not, so the service
is left out for them. Frames that are not BACnet/IP (BACnet over 802.2 LLC,
MS/TP carried by Cimetrics' encapsulation) have no bvlc layer: the filter
leaves them out on both sides, as Vigil sees BACnet/IP only.

For the services whose parameters Vigil decodes (DECODED below, whole PDUs
only: tshark reassembles segments, Vigil does not) the PDU also carries the
first object identifier (type, instance) and the first property identifier
of the parameters, and an Error PDU its error class and code.
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


# (APDU type, service) -> whether the parameters name an object / a property
DECODED = {
    (0, 1): (True, True), (0, 6): (True, False), (0, 7): (True, False), (0, 11): (True, False),
    (0, 12): (True, True), (0, 14): (True, True), (0, 15): (True, True), (0, 16): (True, True),
    (3, 10): (True, False), (3, 12): (True, True), (3, 14): (True, True),
    (1, 0): (True, False), (1, 1): (True, False), (1, 2): (True, True),
}


def params(typ, svc, seg, objs, props):
    obj, prop = DECODED.get((typ, svc), (False, False)) if not seg else (False, False)
    return (objs[0] if obj and objs else None, props[0] if prop and props else None)


def ts(f):
    fn, msg, typ, csvc, usvc, inv, seg = (first(x) for x in f[:7])
    svc = csvc if csvc is not None else usvc
    objs = list(zip(ints(f[7]), ints(f[8])))
    o, p = params(typ, svc, seg, objs, ints(f[9]))
    err = (first(f[10]), first(f[11])) if typ == 5 else None
    if typ is not None and typ in (4, 6, 7):
        svc = None
    return [(fn, msg, typ, svc, inv, o, p, err)]


def vg(r):
    x = r['bacnet']
    fn = x['bvlc']['function']
    msg = x.get('npdu', {}).get('message_type')
    a = x.get('apdu')
    if a is None or 'type' not in a:
        return [(fn, msg, None, None, None, None, None, None)]
    typ, svc = a['type'], a.get('service')
    objs = [(o['object_type'], o['instance']) for o in x.get('objects', []) if 'instance' in o]
    props = [o['property'] for o in x.get('objects', []) if 'property' in o]
    o, p = params(typ, svc, a.get('segmented'), objs, props)
    err = (a.get('error_class'), a.get('error_code')) if typ == 5 else None
    if a.get('service_from_request') or typ in (4, 6, 7):
        svc = None
    return [(fn, msg, typ, svc, a.get('invoke_id'), o, p, err)]


PROTO = dict(
    name='bacnet',
    dirs=['bacnet'],
    filt='bvlc',
    fields=['bvlc.function', 'bacnet.mesgtyp', 'bacapp.type', 'bacapp.confirmed_service',
            'bacapp.unconfirmed_service', 'bacapp.invoke_id', 'bacapp.segmented_request',
            'bacapp.objectType', 'bacapp.instance_number', 'bacapp.property_identifier',
            'bacapp.error_class', 'bacapp.error_code'],
    ts=ts,
    vg=vg,
    known={
        ('ws_bacnet-stack-services.pcap', 1):
            'NPDU version 0x10 (the standard knows only 1): the first datagram of its flow, which '
            'Vigil\'s probe does not take as BACnet (its flow is recognised from the next datagram); '
            'tshark dissects the APDU after the unknown version anyway',
    },
)
