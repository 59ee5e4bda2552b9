# SPDX-License-Identifier: BSD-3-Clause
"""MQTT for tests/oracle/oracle.py: per frame, the control packets tshark
dissects against Vigil's mqtt records.

Each packet is identified by its type, fixed-header flags and packet
identifier; tshark gives one mqtt.hdrflags per packet and one mqtt.msgid per
packet that carries one (PUBLISH with QoS > 0, the acks, (UN)SUBSCRIBE and
their acks), paired with the packets in order. The frame's strings and
codes are compared as multisets of their own (no pairing needed): topics
and topic filters, client ids, usernames, the requested QoS of each filter,
return and reason codes. A Vigil record is one packet: the last member of
its mqtt object (the earlier ones are the transaction's earlier messages,
Suricata's model).
"""

TYPES = ['unassigned', 'connect', 'connack', 'publish', 'puback', 'pubrec', 'pubrel', 'pubcomp',
         'subscribe', 'suback', 'unsubscribe', 'unsuback', 'pingreq', 'pingresp', 'disconnect',
         'auth']
WITH_ID = {4, 5, 6, 7, 8, 9, 10, 11}
CODE_FIELDS = ['mqtt.conack.val', 'mqtt.connack.reason_code', 'mqtt.puback.reason_code',
               'mqtt.pubrec.reason_code', 'mqtt.pubrel.reason_code', 'mqtt.pubcomp.reason_code',
               'mqtt.suback.qos', 'mqtt.suback.reason_code', 'mqtt.unsuback.reason_code',
               'mqtt.disconnect.reason_code', 'mqtt.auth.reason_code']
FIELDS = ['mqtt.hdrflags', 'mqtt.msgid', 'mqtt.topic', 'mqtt.clientid', 'mqtt.username',
          'mqtt.sub.qos', 'mqtt.subscription_options_qos'] + CODE_FIELDS


def ints(v):
    return [int(x, 16) if x.startswith('0x') else int(x) for x in v.split(',') if x.strip()] if v else []


def strs(v):
    # tshark joins the values of a field with ','; a value holding ',' is
    # therefore split too, the same way on both sides (see vg)
    return [x for x in v.split(',')] if v else []


def ts(f):
    hdr, ids = ints(f[0]), ints(f[1])
    out = []
    k = 0
    for h in hdr:
        t, flags = h >> 4, h & 0xf
        has_id = t in WITH_ID or (t == 3 and (flags >> 1) & 3 in (1, 2))
        mid = None
        if has_id and k < len(ids):
            mid = ids[k]
            k += 1
        out.append((t, flags, mid))
    out += [('topic', x) for x in strs(f[2])]
    out += [('client_id', x) for x in strs(f[3])]
    out += [('username', x) for x in strs(f[4])]
    out += [('sub_qos', x) for x in ints(f[5]) + ints(f[6])]
    out += [('code', x) for v in f[7:] for x in ints(v)]
    return out


def split(s):
    return s.split(',')


def vg(r):
    m = r['mqtt']
    if not m:
        return [(0, 0, None)]  # type 0: Suricata's record has no member for it
    key = list(m)[-1]
    x = m[key]
    if x.get('truncated') and 'topic' not in x:
        return []  # above 1 MiB: skipped unparsed by Vigil (tshark reassembles what it has)
    flags = (x['qos'] << 1) | (8 if x['dup'] else 0) | (1 if x['retain'] else 0)
    out = [(TYPES.index(key), flags, x.get('message_id'))]
    if 'topic' in x:
        out += [('topic', t) for t in split(x['topic'])]
    for t in x.get('topics', []):
        out += [('topic', s) for s in split(t['topic'] if isinstance(t, dict) else t)]
        if isinstance(t, dict):
            out.append(('sub_qos', t['qos']))
    if 'client_id' in x and x['client_id']:
        out += [('client_id', s) for s in split(x['client_id'])]
    if 'username' in x:
        out += [('username', s) for s in split(x['username'])]
    for k in ('return_code', 'reason_code'):
        if k in x:
            out.append(('code', x[k]))
    for k in ('qos_granted', 'reason_codes'):
        out += [('code', c) for c in x.get(k, [])]
    return out


# Differences of definition in the generated capture (pcaps/mqtt.pcap,
# given on the command line by tests/oracle/mqtt.sh), which carries
# malformed packets on purpose.
KNOWN = {}
for fr, why in {
    60: 'a 5.0 PUBLISH by topic alias (empty topic): tshark shows the topic the alias stands for, '
        'Vigil (like Suricata) the topic on the wire',
    80: 'a 5.0 AUTH without a body: Vigil writes reason_code 0, which an absent code means (5.0 '
        '3.15.2.1); tshark shows no code',
    228: 'subscription options 0x04 (a reserved bit) in 3.1.1: tshark shows the whole byte as the '
         'requested QoS, Vigil the QoS bits (and raises mqtt.invalid_subscription_options)',
    210: 'PUBLISH with QoS 3 (flags 0x6): tshark does not read its packet id, Vigil reads it (and '
         'raises mqtt.invalid_qos_level)',
    224: 'a topic of overlong UTF-8 (c0 af): Vigil writes the bytes escaped as \\u00c0\\u00af (and '
         'raises mqtt.invalid_utf8), tshark as replacement characters',
    242: 'a SUBSCRIBE of 40 filters: Vigil logs the first 32 (MQTT_LOG_TOPICS, mqtt.too_many_topics '
         'says so), tshark all 40',
    243: 'its SUBACK: Vigil logs the first 32 of the 40 codes (and the copy of the SUBSCRIBE in the '
         'record), tshark all 40',
    247: 'a client id that is not UTF-8 (ff fe): escaped by Vigil (\\u00ff\\u00fe), replacement '
         'characters in tshark',
    297: 'garbage on port 1883 (a TLS record header and text): tshark dissects every byte on the '
         'port as MQTT (a CONNECT here); Vigil\'s probe refuses it, the flow is not MQTT',
}.items():
    KNOWN[('mqtt.pcap', fr)] = why

PROTO = dict(name='mqtt', dirs=['mqtt'], filt='mqtt', fields=FIELDS, ts=ts, vg=vg,
             extra=['-d', 'tcp.port==11883,mqtt'], known=KNOWN)
