#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""Protocol oracle: Vigil's transactions against tshark's dissection.

    oracle.py PROTO [CAPTURE...]

For every capture of the protocol in ../shared/pcaps (or those given), runs
tshark and Vigil and compares, frame by frame, the multiset of PDUs each
one sees: per PDU the identifying fields (function code, unit, transaction
id, type id, cause, common address, ROSCTR, command, service...). A frame
where they differ is a failure unless KNOWN below names it, with the reason
(a tshark defect, or a documented difference of definition).

Exit 0 when everything agrees, 1 otherwise, 77 when tshark or the shared
captures are missing.
"""
import collections
import json
import os
import shutil
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SHARED = os.environ.get('SHARED', os.path.join(os.path.dirname(ROOT), 'shared'))
BUILD = os.environ.get('BUILD', os.path.join(ROOT, 'build'))
VIGIL = os.path.abspath(os.environ.get('VIGIL', os.path.join(BUILD, 'vigil')))


def ints(v):
    """tshark prints numbers in decimal or 0x-hex; returns ints."""
    out = []
    for x in v.split(',') if v else []:
        x = x.strip()
        if not x:
            continue
        out.append(int(x, 16) if x.startswith('0x') else int(x))
    return out


# ---- per protocol: tshark side ------------------------------------------------

def ts_modbus(f):
    tid, unit, fc = ints(f[0]), ints(f[1]), ints(f[2])
    # tshark gives one func_code per Modbus PDU and one trans_id/unit per
    # MBAP header; a header without a decodable PDU has no func_code
    return [(t, u, c & 0x7f) for t, u, c in zip(tid, unit, fc)]


def ts_dnp3(f):
    return [(fc,) for fc in ints(f[0])]


def ts_iec104(f):
    # apci types 0 = I, 1 = S, 3 = U; one typeid/cot/ca per I frame's ASDU
    types = ints(f[0])
    tid, cot, ca = ints(f[1]), ints(f[2]), ints(f[3])
    out = []
    k = 0
    for t in types:
        if t == 0 and k < len(tid):
            out.append(('I', tid[k], cot[k] if k < len(cot) else None, ca[k] if k < len(ca) else None))
            k += 1
        elif t == 0:
            out.append(('I', None, None, None))  # an I frame without an ASDU tshark decodes
        else:
            out.append(({1: 'S', 3: 'U'}.get(t, str(t)), None, None, None))
    return out


def ts_s7comm(f):
    rosctr, func = ints(f[0]), ints(f[1])
    out = []
    k = 0
    for r in rosctr:
        if r in (1, 3) and k < len(func):
            out.append((r, func[k]))
            k += 1
        else:
            out.append((r, None))
    return out


def ts_enip(f):
    return [(c,) for c in ints(f[0])]


# ---- per protocol: Vigil side -------------------------------------------------

def vg_modbus(r):
    m = r['modbus']
    part = m.get('request' if r.get('direction') == 'to_server' else 'response')
    if part is None:
        return []
    return [(part['transaction_id'], part['unit_id'], part['function_raw'] & 0x7f)]


def vg_dnp3(r):
    return [(r['dnp3']['application']['function_code'],)] if 'application' in r['dnp3'] else []


def vg_iec104(r):
    x = r['iec104']
    t = x['apci']['type']
    if t == 'I' and 'asdu' in x:
        a = x['asdu']
        # causetx is the 6-bit cause in tshark (P/N and T are fields of their own)
        return [('I', a['type_id'], a.get('cot'), a.get('common_address'))]
    return [(t, None, None, None)]


def vg_s7comm(r):
    x = r['s7comm']
    if 'rosctr' not in x:
        return []  # COTP connection TPDUs and S7comm-plus: not S7comm PDUs for tshark
    if x['rosctr'] in (1, 3):
        return [(x['rosctr'], x.get('function'))]
    return [(x['rosctr'], None)]


def vg_enip(r):
    x = r['enip']
    if 'io' in x:
        return []  # class 0/1 I/O: tshark calls it CIP I/O, not ENIP
    part = x.get('request') or x.get('response')
    return [(part['command_raw'],)]


PROTOS = {
    'modbus': dict(dirs=['modbus'], filt='mbtcp', fields=['mbtcp.trans_id', 'mbtcp.unit_id', 'modbus.func_code'],
                   ts=ts_modbus, vg=vg_modbus),
    'dnp3': dict(dirs=['dnp3'], filt='dnp3.al.func', fields=['dnp3.al.func'], ts=ts_dnp3, vg=vg_dnp3),
    'iec104': dict(dirs=['iec104'], filt='iec60870_104',
                   fields=['iec60870_104.type', 'iec60870_asdu.typeid', 'iec60870_asdu.causetx',
                           'iec60870_asdu.addr'], ts=ts_iec104, vg=vg_iec104),
    's7comm': dict(dirs=['s7comm'], filt='s7comm', fields=['s7comm.header.rosctr', 's7comm.param.func'],
                   ts=ts_s7comm, vg=vg_s7comm),
    # tshark's IDMP heuristic dissector claims some EtherNet/IP streams on
    # 44818 (quickdraw_CL5000EIP-*: "IDMP fragment, 536870913 bytes"), so
    # IDMP is disabled for this comparison
    'enip': dict(dirs=['enip'], filt='enip', fields=['enip.command'], ts=ts_enip, vg=vg_enip,
                 extra=['--disable-protocol', 'idmp']),
}

# Protocols added later each have a module of their own, tests/oracle/protos/NAME.py,
# defining PROTO = dict(name=..., dirs=[...], filt=..., fields=[...], ts=f, vg=f)
# like the entries above (optional: extra=[tshark args], known={(capture, frame): reason}),
# and a tests/oracle/NAME.sh that runs `oracle.py NAME`.
PLUGIN_KNOWN = {}


def load_plugins():
    import importlib.util
    d = os.path.join(os.path.dirname(os.path.abspath(__file__)), 'protos')
    if not os.path.isdir(d):
        return
    for n in sorted(os.listdir(d)):
        if not n.endswith('.py') or n.startswith('_'):
            continue
        spec = importlib.util.spec_from_file_location('oracle_' + n[:-3], os.path.join(d, n))
        mod = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(mod)
        p = dict(mod.PROTO)
        name = p.pop('name')
        for (cap, fr), why in p.pop('known', {}).items():
            PLUGIN_KNOWN[(name, cap, fr)] = why
        PROTOS[name] = p


load_plugins()

# Frames where tshark and Vigil disagree for a reason that is not a Vigil
# defect: (protocol, capture file name, frame) -> reason.
KNOWN = {
    ('modbus', 'iti_mb2.pcap', 1131):
        'first copy of client bytes 139-199 (four requests): tshark flags it a retransmission and does '
        'not dissect it (its analysis is confused by the ACK state); Vigil parses the new bytes',
    ('modbus', 'iti_mb2.pcap', 3008):
        'server bytes 384-670 follow a hole (371-384 never captured): tshark dissects them at once, '
        'Vigil holds out-of-order data until the hole is filled or declared lost (FIN at 3032)',
    ('modbus', 'iti_mb2.pcap', 3032):
        'the FIN declares the hole 371-384 lost: Vigil delivers the held responses here (see 3008)',
    ('modbus', 'iti_mb2.pcap', 13176):
        'a retransmission of 239 bytes that also carries 30 new ones completing responses 9824 and '
        '9825: tshark does not dissect retransmitted segments, Vigil parses the new bytes',
    ('modbus', 'zeek_modbusBig.pcap', 3150):
        'the client acknowledges the response (3149) before the capture shows it: tshark calls the '
        'first copy of server bytes 7085-7095 a spurious retransmission and does not dissect it; '
        'Vigil waits for late data after an early ACK and parses the response',
    ('modbus', 'zeek_fuzz-1011.pcap', 4):
        '434 s after the previous packet of an unestablished flow: the flow has expired in Vigil '
        '(tcp new timeout 60 s), so this packet starts a new flow picked up mid-stream and its PDU is '
        'parsed; tshark keeps the old stream and calls the segment a retransmission',
}
for _fr in (18, 114, 210, 810):
    KNOWN[('dnp3', 'icsnpp_dnp3_example.pcap', _fr)] = (
        'tshark does not wrap the DNP3 transport sequence from 63 to 0: the message whose FIR segment '
        'has sequence 63 and whose FIN segment has sequence 0 stays unreassembled in tshark; Vigil '
        'reassembles it (IEEE 1815 counts transport sequences modulo 64)')
KNOWN[('dnp3', 'icsnpp_dnp3_example.pcap', 311)] = (
    'transport sequence 0 right after 63 (frame 309): tshark reports application function 0 (confirm) '
    'although the application header in the frame is c8 81, a response (129), which Vigil reports')
for _fr in (5050, 5064, 5079, 5093, 14585):
    KNOWN[('dnp3', 'qut2017_attacks_training_infrequent.pcap', _fr)] = (
        'ARP-spoofing man in the middle: two versions of the outstation stream are on the wire '
        '(frames 5039 and 5041 differ by one byte, later segments overlap delivered bytes with other '
        'data); Vigil keeps the first copy (first-wins, stream.reassembly_overlap_different_data) so '
        'its frames differ from tshark, which dissects each segment on its own')


def tshark_frames(cap, filt):
    cmd = ['tshark', '-n', '-r', cap, '-Y', filt, '-T', 'fields', '-e', 'frame.number']
    out = subprocess.run(cmd, capture_output=True, text=True, check=False).stdout
    return set(int(x) for x in out.split())


def retransmissions(cap):
    """Frames tshark itself marks as TCP retransmissions."""
    return tshark_frames(cap, 'tcp.analysis.retransmission || tcp.analysis.fast_retransmission || '
                              'tcp.analysis.spurious_retransmission')


# A segment that follows a hole in the capture ("previous segment not
# captured"): tshark dissects it at once; Vigil holds it until the hole is
# declared lost (an acknowledgement covering it, data beyond it, or the end
# of the flow) and reports its PDUs on that later packet. Such PDUs are
# paired with the same PDUs in Vigil within this many frames.
HOLE_WINDOW = 40


def compare(proto, name, ts, vg, rtx, holes):
    """Returns (PDUs, differing frames, excused notes)."""
    frames = sorted(set(ts) | set(vg))
    only_ts, only_vg = {}, {}
    n = 0
    for fr in frames:
        a = collections.Counter(ts.get(fr, []))
        b = collections.Counter(vg.get(fr, []))
        n += sum(a.values())
        if a != b:
            only_ts[fr] = a - b
            only_vg[fr] = b - a
    notes = collections.defaultdict(list)
    # pair PDUs tshark reports after a hole with the same PDUs Vigil reports later
    hole_list = sorted(holes)
    for fr in sorted(only_ts):
        # a hole at or shortly before this frame (data queued behind a hole
        # waits with it)
        if not only_ts[fr] or not any(fr - HOLE_WINDOW <= h <= fr for h in hole_list):
            continue
        for g in sorted(x for x in only_vg if fr < x <= fr + HOLE_WINDOW):
            common = only_ts[fr] & only_vg[g]
            if common:
                only_ts[fr] -= common
                only_vg[g] -= common
                notes['after a hole, reported when the hole was declared lost'].append('%d->%d' % (fr, g))
            if not only_ts[fr]:
                break
    diffs = []
    for fr in frames:
        a, b = only_ts.get(fr, collections.Counter()), only_vg.get(fr, collections.Counter())
        if not a and not b:
            continue
        why = KNOWN.get((proto, name, fr)) or PLUGIN_KNOWN.get((proto, name, fr))
        if why:
            notes['known: ' + why].append(str(fr))
            continue
        if fr in rtx and a and not b:
            notes['tshark also dissected a retransmitted copy; Vigil delivers bytes once'].append(str(fr))
            continue
        if fr in rtx and b and not a:
            # Vigil delivers each stream byte at most once: PDUs here mean
            # the bytes were new to it (their first copy was never captured,
            # or the ACK was captured before the data)
            notes['tshark does not dissect a segment it calls a retransmission; its bytes were new '
                  '(Vigil delivers each byte once)'].append(str(fr))
            continue
        diffs.append('frame %d: tshark only %s, vigil only %s' % (fr, sorted(a.elements(), key=str),
                                                                  sorted(b.elements(), key=str)))
    return n, diffs, notes


def run_tshark(cap, p):
    cmd = ['tshark', '-n', '-r', cap] + p.get('extra', []) + ['-Y', p['filt'], '-T', 'fields', '-E', 'aggregator=,',
           '-E', 'separator=/t', '-e', 'frame.number'] + sum((['-e', f] for f in p['fields']), [])
    out = subprocess.run(cmd, capture_output=True, text=True, check=False).stdout
    frames = collections.defaultdict(list)
    for line in out.splitlines():
        cols = line.split('\t')
        cols += [''] * (len(p['fields']) + 1 - len(cols))
        frames[int(cols[0])] += p['ts'](cols[1:])
    return frames


def run_vigil(cap, proto, tmp):
    out = os.path.join(tmp, 'eve.json')
    if os.path.exists(out):
        os.unlink(out)
    cfg = os.path.join(tmp, 'c.yaml')
    with open(cfg, 'w') as f:
        f.write('stats:\n  interval: 0\nlogging: {anomaly: no}\napp-layer:\n  protocols:\n' +
                '    %s: {log: yes}\n' % proto)
    r = subprocess.run([VIGIL, '-q', '-r', cap, '-c', cfg, '--workers', '1', '-o', out],
                       capture_output=True, text=True, check=False)
    if r.returncode != 0:
        raise RuntimeError('vigil failed on %s: %s' % (cap, r.stderr.strip()))
    frames = collections.defaultdict(list)
    for line in open(out):
        rec = json.loads(line)
        if rec.get('event_type') != proto or 'pcap_cnt' not in rec:
            continue
        frames[rec['pcap_cnt']] += PROTOS[proto]['vg'](rec)
    return frames


def main():
    if len(sys.argv) < 2 or sys.argv[1] not in PROTOS:
        print('usage: oracle.py %s [CAPTURE...]' % '|'.join(PROTOS))
        return 2
    proto = sys.argv[1]
    p = PROTOS[proto]
    if not shutil.which('tshark'):
        print('   %s: SKIP: tshark missing (make test-deps)' % proto)
        return 77
    caps = sys.argv[2:]
    if not caps:
        for d in p['dirs']:
            dd = os.path.join(SHARED, 'pcaps', d)
            if not os.path.isdir(dd):
                print('   %s: SKIP: %s not found' % (proto, dd))
                return 77
            caps += sorted(os.path.join(dd, n) for n in os.listdir(dd))
    tmp = tempfile.mkdtemp()
    total = 0
    bad = 0
    explained = 0
    try:
        for cap in caps:
            ts = run_tshark(cap, p)
            vg = run_vigil(cap, proto, tmp)
            name = os.path.basename(cap)
            rtx = retransmissions(cap)
            holes = tshark_frames(cap, 'tcp.analysis.lost_segment')
            n, diffs, notes = compare(proto, name, ts, vg, rtx, holes)
            total += n
            explained += sum(len(v) for v in notes.values())
            if diffs:
                bad += len(diffs)
                print('   FAIL  %s: %d PDUs, %d frames differ' % (name, n, len(diffs)))
                for d in diffs[:8]:
                    print('           ' + d)
            else:
                print('   ok    %s: %d PDUs agree' % (name, n))
            for why, frs in sorted(notes.items()):
                print('           excused %d: %s (frames %s%s)' % (len(frs), why[:150], ' '.join(frs[:10]),
                                                               ' ...' if len(frs) > 10 else ''))
    finally:
        shutil.rmtree(tmp)
    print('%s oracle: %d PDUs in %d captures checked against tshark, %d frames differ, %d explained' %
          (proto, total, len(caps), bad, explained))
    return 1 if bad else 0


if __name__ == '__main__':
    sys.exit(main())
