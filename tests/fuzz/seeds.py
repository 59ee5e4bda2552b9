#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""Seed corpora for the libFuzzer targets, taken from what the project has.

    tests/fuzz/seeds.py OUT_DIR [CAPTURE_DIR...]

  packet      runs of consecutive frames of every capture (pcap and pcapng)
              in pcaps/ and the capture folders given (../shared/pcaps), in
              fuzz_packet.c's format: {len:2 LE, link:1, ts_step:1, frame}*
  <parser>    for each parser target (fuzz_modbus, ...): the payloads of its
              protocol in those captures (by port, or EtherType for layer-2
              protocols): every datagram or segment on its own, and the
              first bytes of each TCP direction in order (what the framing
              core reassembles)
  rules       Vigil's rule files and every other *.rules in the tree, whole
              and one rule per seed
  config      every *.yaml in the tree (the shipped and test
              configurations) and the YAML the test scripts write (here
              documents)

Seeds go to OUT_DIR/<target>/, named by a hash of their bytes (duplicates
collapse); nothing is written into the source tree. Bounded: at most
MAX_PER_CAPTURE seeds of a kind per capture, MAX_PER_TARGET per target.
Only the Python standard library.
"""
import hashlib
import os
import re
import struct
import sys

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), '..', '..'))
MAX_PER_CAPTURE = 48      # packet seeds (runs of frames) per capture
FRAMES_PER_SEED = 24
MAX_PAYLOADS = 200        # payload seeds per capture and parser
MAX_STREAMS = 64          # reassembled-direction seeds per capture and parser
STREAM_BYTES = 4096
MAX_PER_TARGET = 4000
MAX_SEED = 32768

# fuzz_packet.c's table of link types, by index
LINK_INDEX = {1: 0, 101: 1, 12: 1, 14: 1, 113: 2, 276: 3, 0: 4, 108: 5, 228: 6, 229: 7}

# the parsers' protocols: (transport, ports) or ('l2', EtherType). Targets
# that do not exist (yet) just get no seeds used.
PROTOCOLS = {
    'modbus': [('tcp', {502, 503, 5020}), ('udp', {502})],
    'dnp3': [('tcp', {20000, 20001}), ('udp', {20000, 20001})],
    'iec104': [('tcp', {2404, 2405})],
    's7comm': [('tcp', {102})],
    'mms': [('tcp', {102})],
    'enip': [('tcp', {44818}), ('udp', {44818, 2222})],
    'opcua': [('tcp', {4840, 4843, 48010, 48020, 48400, 53530, 62541})],
    'bacnet': [('udp', set(range(47808, 47824)))],
    'mqtt': [('tcp', {1883, 8883})],
    'goose': [('l2', 0x88b8)],
    'pn_dcp': [('l2', 0x8892)],
}


class Out:
    def __init__(self, base):
        self.base = base
        self.count = {}

    def put(self, target, data):
        if not data or len(data) > MAX_SEED or self.count.get(target, 0) >= MAX_PER_TARGET:
            return
        d = os.path.join(self.base, target)
        os.makedirs(d, exist_ok=True)
        name = os.path.join(d, hashlib.sha1(data).hexdigest()[:20])
        if os.path.exists(name):
            return
        with open(name, 'wb') as f:
            f.write(data)
        self.count[target] = self.count.get(target, 0) + 1


# ---- captures ------------------------------------------------------------

def read_capture(path):
    """[(linktype, ts_us, frame)] of a pcap or pcapng file; [] if neither
    (or what could be read before a corrupt end)."""
    with open(path, 'rb') as f:
        b = f.read()
    if len(b) < 24:
        return []
    magic = b[:4]
    out = []
    if magic in (b'\xd4\xc3\xb2\xa1', b'\xa1\xb2\xc3\xd4', b'\x4d\x3c\xb2\xa1', b'\xa1\xb2\x3c\x4d'):
        e = '<' if magic in (b'\xd4\xc3\xb2\xa1', b'\x4d\x3c\xb2\xa1') else '>'
        nsec = magic in (b'\x4d\x3c\xb2\xa1', b'\xa1\xb2\x3c\x4d')
        link = struct.unpack(e + 'I', b[20:24])[0] & 0xffff
        off = 24
        while off + 16 <= len(b):
            sec, frac, cap, _ = struct.unpack(e + 'IIII', b[off:off + 16])
            if off + 16 + cap > len(b) or cap > 262144:
                break
            out.append((link, sec * 1000000 + (frac // 1000 if nsec else frac), b[off + 16:off + 16 + cap]))
            off += 16 + cap
        return out
    if magic == b'\x0a\x0d\x0d\x0a':
        off, e, links, tsres = 0, '<', [], []
        while off + 12 <= len(b):
            if b[off:off + 4] == b'\x0a\x0d\x0d\x0a':
                e = '<' if b[off + 8:off + 12] == b'\x4d\x3c\x2b\x1a' else '>'
                links, tsres = [], []
            btype, blen = struct.unpack(e + 'II', b[off:off + 8])
            if blen < 12 or off + blen > len(b):
                break
            body = b[off + 8:off + blen - 4]
            if btype == 1 and len(body) >= 8:          # interface description
                links.append(struct.unpack(e + 'H', body[:2])[0])
                res = 6
                o = 8
                while o + 4 <= len(body):               # if_tsresol
                    code, ln = struct.unpack(e + 'HH', body[o:o + 4])
                    if code == 0:
                        break
                    if code == 9 and ln >= 1:
                        v = body[o + 4]
                        res = v if v < 128 else None
                    o += 4 + ((ln + 3) & ~3)
                tsres.append(res)
            elif btype == 6 and len(body) >= 20:        # enhanced packet
                iface, hi, lo, cap, _ = struct.unpack(e + 'IIIII', body[:20])
                if iface < len(links):
                    ts = (hi << 32) | lo
                    r = tsres[iface]
                    us = ts * 10 ** 6 // 10 ** r if r is not None else ts
                    out.append((links[iface], us, body[20:20 + cap]))
            elif btype == 3 and len(body) >= 4 and links:  # simple packet
                out.append((links[0], out[-1][1] if out else 0, body[4:]))
            off += blen
        return out
    return []


def l3_of(link, fr):
    """(ethertype, offset of the network header) of a frame, or None."""
    try:
        if link == 1:
            o, t = 12, struct.unpack('>H', fr[12:14])[0]
            while t in (0x8100, 0x88a8, 0x9100):
                o += 4
                t = struct.unpack('>H', fr[o:o + 2])[0]
            return t, o + 2
        if link in (101, 12, 14, 228, 229):
            v = fr[0] >> 4
            return (0x0800 if v == 4 else 0x86dd), 0
        if link == 113:
            return struct.unpack('>H', fr[14:16])[0], 16
        if link == 276:
            return struct.unpack('>H', fr[0:2])[0], 20
        if link in (0, 108):
            fam = struct.unpack('<I' if link == 0 else '>I', fr[:4])[0]
            if fam == 2 or fam == 0x02000000:
                return 0x0800, 4
            return 0x86dd, 4
    except (struct.error, IndexError):
        return None
    return None


def l4_of(fr, t, o):
    """(proto, src, dst, sport, dport, seq, payload) of an unfragmented
    TCP/UDP packet, or None."""
    try:
        if t == 0x0800:
            hl = (fr[o] & 15) * 4
            total = struct.unpack('>H', fr[o + 2:o + 4])[0]
            if struct.unpack('>H', fr[o + 6:o + 8])[0] & 0x3fff:
                return None                                # a fragment
            proto, src, dst = fr[o + 9], fr[o + 12:o + 16], fr[o + 16:o + 20]
            end = min(len(fr), o + total) if total >= hl else len(fr)
            l4 = o + hl
        elif t == 0x86dd:
            proto, src, dst = fr[o + 6], fr[o + 8:o + 24], fr[o + 24:o + 40]
            end = min(len(fr), o + 40 + struct.unpack('>H', fr[o + 4:o + 6])[0])
            l4 = o + 40
        else:
            return None
        if proto == 6:
            sp, dp, seq = struct.unpack('>HHI', fr[l4:l4 + 8])
            doff = (fr[l4 + 12] >> 4) * 4
            return 'tcp', src, dst, sp, dp, seq, fr[l4 + doff:end]
        if proto == 17:
            sp, dp = struct.unpack('>HH', fr[l4:l4 + 4])
            return 'udp', src, dst, sp, dp, 0, fr[l4 + 8:end]
    except (struct.error, IndexError):
        return None
    return None


def capture_seeds(path, out, parsers):
    pkts = read_capture(path)
    if not pkts:
        return 0
    # packet: runs of consecutive frames, spread over the capture
    runs = [pkts[i:i + FRAMES_PER_SEED] for i in range(0, len(pkts), FRAMES_PER_SEED)]
    step = max(1, len(runs) // MAX_PER_CAPTURE)
    for run in runs[::step][:MAX_PER_CAPTURE]:
        seed, last = bytearray(), run[0][1]
        for link, ts, fr in run:
            if link not in LINK_INDEX:
                continue
            fr = fr[:65535]
            st = max(0, min(255, (ts - last) // 100000))
            last = ts
            seed += struct.pack('<HBB', len(fr), LINK_INDEX[link], st) + fr
        out.put('packet', bytes(seed))
    # parsers: payloads by port or EtherType
    n_pay = {}
    streams = {}
    for link, _, fr in pkts:
        l3 = l3_of(link, fr)
        if not l3:
            continue
        t, o = l3
        for name in parsers:
            for kind, sel in PROTOCOLS[name]:
                if kind == 'l2' and t == sel:
                    if n_pay.get(name, 0) < MAX_PAYLOADS:
                        out.put(name, fr[o:])
                        n_pay[name] = n_pay.get(name, 0) + 1
        l4 = l4_of(fr, t, o)
        if not l4:
            continue
        proto, src, dst, sp, dp, seq, pay = l4
        if not pay:
            continue
        for name in parsers:
            for kind, sel in PROTOCOLS[name]:
                if kind != proto or (sp not in sel and dp not in sel):
                    continue
                if n_pay.get(name, 0) < MAX_PAYLOADS:
                    out.put(name, pay)
                    n_pay[name] = n_pay.get(name, 0) + 1
                if proto == 'tcp':
                    key = (name, src, dst, sp, dp)
                    s = streams.get(key)
                    if s is None:
                        if sum(1 for k in streams if k[0] == name) >= MAX_STREAMS:
                            continue
                        s = streams[key] = {}
                    if seq not in s and sum(len(v) for v in s.values()) < STREAM_BYTES:
                        s[seq] = pay                 # retransmissions once
    for (name, *_), segs in streams.items():
        data = b''.join(segs[k] for k in sorted(segs))
        out.put(name, data[:STREAM_BYTES])
    return len(pkts)


# ---- rules and configurations ------------------------------------------------

def tree_files(suffix):
    skip = {'.git'}
    for d, dirs, files in os.walk(ROOT):
        dirs[:] = [x for x in dirs if x not in skip and not x.startswith('build')]
        for f in files:
            if f.endswith(suffix):
                yield os.path.join(d, f)


def rule_seeds(out):
    n = 0
    for p in sorted(tree_files('.rules')):
        text = open(p, 'rb').read()
        out.put('rules', text)
        for line in text.splitlines():
            if line.strip() and not line.lstrip().startswith(b'#'):
                out.put('rules', line + b'\n')
        n += 1
    return n


HEREDOC = re.compile(r"<<-?\s*'?(\w+)'?[^\n]*\n(.*?)\n\1\n", re.S)


def config_seeds(out):
    n = 0
    for p in sorted(tree_files('.yaml')) + sorted(
            os.path.join(ROOT, 'tests', 'fuzz', 'corpus', 'config', f)
            for f in os.listdir(os.path.join(ROOT, 'tests', 'fuzz', 'corpus', 'config'))):
        out.put('config', open(p, 'rb').read())
        n += 1
    # the configurations test scripts write (cat > x.yaml << 'Y' ... Y)
    for p in sorted(tree_files('.sh')):
        text = open(p, encoding='utf-8', errors='replace').read()
        for m in HEREDOC.finditer(text):
            body = m.group(2)
            if re.search(r'^[a-z-]+:\s*$', body, re.M) and 'yaml' in text[max(0, m.start() - 80):m.start()]:
                out.put('config', (body + '\n').encode())
                n += 1
    return n


def main():
    if len(sys.argv) < 2:
        print(__doc__, file=sys.stderr)
        return 2
    out = Out(sys.argv[1])
    parsers = sorted(PROTOCOLS)
    caps = sorted(os.path.join(ROOT, 'pcaps', f) for f in os.listdir(os.path.join(ROOT, 'pcaps'))
                  if f.endswith(('.pcap', '.pcapng')))
    missing = []
    for d in sys.argv[2:]:
        if not os.path.isdir(d):
            missing.append(d)
            continue
        for dd, _, files in os.walk(d):
            caps += sorted(os.path.join(dd, f) for f in files if f.endswith(('.pcap', '.pcapng', '.cap')))
    frames = sum(capture_seeds(c, out, parsers) for c in caps)
    nr = rule_seeds(out)
    nc = config_seeds(out)
    for d in missing:
        print('seeds: %s is missing: no seeds from its captures' % d, file=sys.stderr)
    print('seeds: %d captures (%d frames), %d rule files, %d configurations -> %s' %
          (len(caps), frames, nr, nc, ', '.join('%s %d' % kv for kv in sorted(out.count.items()))))
    return 0


if __name__ == '__main__':
    sys.exit(main())
