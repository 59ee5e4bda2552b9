# SPDX-License-Identifier: BSD-3-Clause
"""OPC UA for tests/oracle/oracle.py: per chunk the message type, the request
id of the sequence header, the numeric TypeId of the service (the
encoding's id: 631 ReadRequest, 634 ReadResponse, 397 ServiceFault), the
request handle of its Request/ResponseHeader and a response's
ServiceResult."""

SECURE = ('OPN', 'MSG', 'CLO')
# the response encodings (OPC 10000-6 NodeIds.csv), ServiceFault included
RESPONSES = {397, 425, 12209, 431, 440, 12212, 449, 455, 464, 470, 476, 482, 491, 497, 503, 509,
             530, 536, 557, 563, 569, 618, 624, 634, 667, 676, 703, 715, 754, 766, 772, 778, 784,
             790, 796, 802, 829, 835, 844, 850}


def _split(v):
    return [x.strip() for x in v.split(',')] if v else []


def ts(f):
    # tshark lists each field's values for the frame apart: HEL/ACK/ERR/RHE
    # have neither request id nor service, an encrypted chunk has a request
    # id (read from ciphertext) and no service
    # (a service's header has one RequestHandle; a response's one
    # ServiceResult)
    types, rqid, svc = _split(f[0]), _split(f[1]), _split(f[2])
    handle, result = _split(f[3]), _split(f[4])
    n_sec = sum(1 for t in types if t in SECURE)
    out = []
    k = kh = kr = 0
    for t in types:
        if t in SECURE:
            r = int(rqid[k]) if k < len(rqid) else None
            s = int(svc[k]) if len(svc) == n_sec and k < len(svc) else None
            h = st = None
            if s is not None and kh < len(handle):
                h = int(handle[kh], 0)
                kh += 1
            if s in RESPONSES and kr < len(result):
                st = int(result[kr], 0)
                kr += 1
            out.append((t, r, s, h, st))
            k += 1
        else:
            out.append((t, None, None, None, None))
    return out


def vg(r):
    x = r['opcua']
    return [(x['msg_type'], x.get('request_id'), x.get('service_id'), x.get('request_handle'),
             x.get('status'))]


_ENC = 'icsnpp_open62541_client-server_encrypted.pcap'
_WHY = ('Basic128Rsa15/SignAndEncrypt channel (difference of definition): the sequence header '
        'and body of this chunk are encrypted; tshark reads a request id out of the ciphertext, '
        'Vigil reports the chunk as encrypted with no request id')

PROTO = dict(
    name='opcua',
    dirs=['opcua'],
    filt='opcua',
    fields=['opcua.transport.type', 'opcua.security.rqid', 'opcua.servicenodeid.numeric',
            'opcua.RequestHandle', 'opcua.ServiceResult'],
    ts=ts,
    vg=vg,
    # the capture on a non-standard port: tshark only dissects it when told
    # (Vigil finds it by its probe)
    extra=['-d', 'tcp.port==48010,opcua'],
    known={(_ENC, fr): _WHY for fr in (31, 33, 35, 37, 39, 41, 43, 45, 47, 49, 51)},
)
