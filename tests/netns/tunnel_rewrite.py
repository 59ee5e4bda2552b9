#!/usr/bin/env python3
"""Cuts a capture of vigil-gen's tunnel scenario into its parts (two hours
apart) and writes the parts named on the command line with every IPv4
address, at every layer, moved into 169.254.0.0/16 (a.b.c.d -> 169.254.c.d;
the scenario's IPv6 addresses are already in fd00::/8), checksums made
again. tcprewrite only rewrites the outermost header, and the namespace
tests put no other address on a wire, inside a tunnel or not.

    tunnel_rewrite.py CAPTURE OUTDIR PART...    (PART: an index, 0 = plain)

Walks what the scenario writes: Ethernet (+802.1Q/QinQ), IPv4, IPv6, GRE
(checksum, key, sequence; IPv4, IPv6, Ethernet, ERSPAN I/II/III, MPLS),
UDP to 4789 (VXLAN), MPLS (IP, or Ethernet behind a control word). A
checksum in a later fragment than the header it covers is not reached
(the part with GRE in outer fragments): the namespace test leaves that
part out."""
import struct
import sys


def csum(b):
    if len(b) % 2:
        b += b"\0"
    s = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    while s >> 16:
        s = (s & 0xffff) + (s >> 16)
    return (~s) & 0xffff


def csum_adjust(old_csum, old, new):
    """RFC 1624: the checksum after old bytes (an even number) became new."""
    s = (~old_csum) & 0xffff
    for i in range(0, len(old), 2):
        s += (~struct.unpack("!H", old[i:i + 2])[0]) & 0xffff
        s += struct.unpack("!H", new[i:i + 2])[0]
    while s >> 16:
        s = (s & 0xffff) + (s >> 16)
    return (~s) & 0xffff


def ll(a):
    return bytes([169, 254, a[2], a[3]])


class Frame:
    def __init__(self, data):
        self.b = bytearray(data)
        self.cut = 0  # inside the first fragment of an outer datagram

    def eth(self, off, end):
        if off + 14 > end:
            return
        t, o = struct.unpack("!H", self.b[off + 12:off + 14])[0], off + 14
        while t in (0x8100, 0x88a8, 0x9100) and o + 4 <= end:
            t, o = struct.unpack("!H", self.b[o + 2:o + 4])[0], o + 4
        self.ethertype(t, o, end)

    def ethertype(self, t, o, end):
        if t == 0x0800:
            self.ip4(o, end)
        elif t == 0x86dd:
            self.ip6(o, end)
        elif t in (0x8847, 0x8848):
            self.mpls(o, end)

    def ip4(self, o, end):
        if o + 20 > end or self.b[o] >> 4 != 4:
            return
        hl = (self.b[o] & 15) * 4
        tot = struct.unpack("!H", self.b[o + 2:o + 4])[0]
        end = min(end, o + tot)
        old = bytes(self.b[o + 12:o + 20])
        new = ll(old[:4]) + ll(old[4:])
        self.b[o + 12:o + 20] = new
        self.b[o + 10:o + 12] = b"\0\0"
        self.b[o + 10:o + 12] = struct.pack("!H", csum(bytes(self.b[o:o + hl])))
        frag = struct.unpack("!H", self.b[o + 6:o + 8])[0]
        proto, l4 = self.b[o + 9], o + hl
        if frag & 0x1fff:
            return  # a later fragment: no header of its own
        whole = not frag & 0x2000
        self.cut += not whole
        self.l4(proto, l4, end, whole, old, new, 4, new[:4], new[4:])
        self.cut -= not whole

    def ip6(self, o, end):
        if o + 40 > end:
            return
        plen = struct.unpack("!H", self.b[o + 4:o + 6])[0]
        end = min(end, o + 40 + plen)
        self.l4(self.b[o + 6], o + 40, end, True, b"", b"", 6,
                bytes(self.b[o + 8:o + 24]), bytes(self.b[o + 24:o + 40]))

    def l4(self, proto, o, end, whole, old, new, ver, src, dst):
        if proto == 47:
            self.gre(o, end)
            return
        if proto not in (6, 17):
            return
        at = o + (16 if proto == 6 else 6)
        if at + 2 > end:
            return
        if proto == 17 and o + 4 <= end and struct.unpack("!H", self.b[o + 2:o + 4])[0] == 4789:
            self.eth(o + 16, end)  # VXLAN: an Ethernet frame after 8 bytes
        c = struct.unpack("!H", self.b[at:at + 2])[0]
        if proto == 17 and c == 0:
            return
        if whole and not self.cut:
            n = end - o
            pseudo = src + dst + (struct.pack("!HBB", 0, 0, proto) + struct.pack("!H", n)
                                  if ver == 4 else struct.pack("!I", n) + bytes(3) + bytes([proto]))
            self.b[at:at + 2] = b"\0\0"
            v = csum(pseudo + bytes(self.b[o:end]))
            if proto == 17 and v == 0:
                v = 0xffff
            self.b[at:at + 2] = struct.pack("!H", v)
        elif old:
            self.b[at:at + 2] = struct.pack("!H", csum_adjust(c, old, new))

    def gre(self, o, end):
        if o + 4 > end:
            return
        f0, proto = self.b[o], struct.unpack("!H", self.b[o + 2:o + 4])[0]
        p = o + 4 + (4 if f0 & 0x80 else 0) + (4 if f0 & 0x20 else 0) + (4 if f0 & 0x10 else 0)
        if f0 & 0x40 or self.b[o + 1] & 7 or p > end:
            return
        if proto == 0x6558:
            self.eth(p, end)
        elif proto == 0x88be:
            self.eth(p + (8 if f0 & 0x10 else 0), end)
        elif proto == 0x22eb:
            if p + 12 <= end and not (self.b[p + 10] >> 2) & 0x1f:
                self.eth(p + 12 + (8 if self.b[p + 11] & 1 else 0), end)
        else:
            self.ethertype(proto, p, end)
        if f0 & 0x80:  # the GRE checksum, over the header and what it carries
            self.b[o + 4:o + 6] = b"\0\0"
            self.b[o + 4:o + 6] = struct.pack("!H", csum(bytes(self.b[o:end])))

    def mpls(self, o, end):
        while o + 4 <= end:
            bos = self.b[o + 2] & 1
            o += 4
            if bos:
                break
        else:
            return
        if o >= end:
            return
        n = self.b[o] >> 4
        if n == 4:
            self.ip4(o, end)
        elif n == 6:
            self.ip6(o, end)
        elif o + 4 <= end and self.b[o] == 0 and self.b[o + 1] == 0:
            self.eth(o + 4, end)
        else:
            self.eth(o, end)


def main():
    cap, outdir, want = sys.argv[1], sys.argv[2], [int(x) for x in sys.argv[3:]]
    raw = open(cap, "rb").read()
    hdr, parts, last, off = raw[:24], [], None, 24
    while off + 16 <= len(raw):
        sec, usec, incl, orig = struct.unpack("<IIII", raw[off:off + 16])
        ts = sec * 1000000 + usec
        if last is None or ts - last > 3600 * 1000000:
            parts.append([])
        f = Frame(raw[off + 16:off + 16 + incl])
        f.eth(0, len(f.b))
        parts[-1].append(raw[off:off + 16] + bytes(f.b))
        last, off = ts, off + 16 + incl
    for i in want:
        with open("%s/tunnel-%d.pcap" % (outdir, i), "wb") as out:
            out.write(hdr)
            for r in parts[i]:
                out.write(r)


if __name__ == "__main__":
    main()
