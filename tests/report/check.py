#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""Checks of `vigil report` pages for tests/report/report.sh.

  check.py expect EVE.json          hosts and host pairs the records name,
                                    computed here on their own (not with
                                    vigil's code): "HOSTS PAIRS"
  check.py dom DUMP.html [--hosts N] [--pairs N] [--attacker IP]... [--text S]...
                                    the DOM chromium built (--dump-dom): the
                                    map's hosts and arrows, the host table, no
                                    element the page did not write itself
  check.py png SHOT.png DUMP.html   the screenshot shows the map: each node
                                    colour in about the area of its circles
Exit 0 when every check passes; each failure is printed.
"""
import ipaddress
import json
import re
import struct
import sys
import zlib
from html.parser import HTMLParser

MAP_NODES, MAP_PAIRS = 120, 360  # the report's default limits (report.h)


def canon_ip(s):
    try:
        return str(ipaddress.ip_address(s)) if isinstance(s, str) else None
    except ValueError:
        return None


def canon_mac(s):
    if isinstance(s, str) and re.fullmatch(r"[0-9a-fA-F]{2}(:[0-9a-fA-F]{2}){5}", s):
        return s.lower()
    return None


def expect(path):
    """Hosts: every valid address of a flow, transaction, alert or asset
    record (IP, else MAC at layer 2); a MAC-only host whose MAC one single IP
    host has (asset records) is that host. Pairs: (client, server) of flows
    and transactions, (cause, target) of alerts (the flow's client)."""
    hosts, macs_of_ip, pairs = set(), {}, set()
    skip = {"stats", "anomaly"}
    for line in open(path, errors="replace"):
        i = line.find("{")
        if i < 0:
            continue
        try:
            r = json.loads(line[i:])
        except ValueError:
            continue
        t = r.get("event_type")
        if not isinstance(r, dict) or not isinstance(t, str) or t in skip:
            continue
        if t == "asset":
            a = r.get("asset", {})
            ip, mac = canon_ip(a.get("ip")), canon_mac(a.get("mac"))
            if ip:
                hosts.add(ip)
                if mac:
                    macs_of_ip.setdefault(mac, set()).add(ip)
            elif mac:
                hosts.add(mac)
            continue
        if t != "alert" and t != "flow" and not isinstance(r.get(t), dict):
            continue
        eth = r.get("ether", {}) if isinstance(r.get("ether"), dict) else {}
        s = canon_ip(r.get("src_ip")) or (t != "flow" and canon_mac(eth.get("src_mac")))
        d = canon_ip(r.get("dest_ip")) or (t != "flow" and canon_mac(eth.get("dest_mac")))
        if t == "alert" and r.get("direction") == "to_client":
            s, d = d, s
        for h in (s, d):
            if h:
                hosts.add(h)
        if s and d:
            pairs.add((s, d))
    alias = {m: next(iter(ips)) for m, ips in macs_of_ip.items()
             if len(ips) == 1 and m in hosts and not int(m[:2], 16) & 1}
    hosts = {alias.get(h, h) for h in hosts}
    pairs = {(alias.get(a, a), alias.get(b, b)) for a, b in pairs}
    pairs = {p for p in pairs if p[0] != p[1]}
    print(len(hosts), len(pairs))
    return 0


class Dom(HTMLParser):
    """Elements by tag, map nodes and arrows, host table rows, text."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.tags, self.nodes, self.edges, self.text = {}, [], [], []
        self.host_rows, self.in_host_table, self.in_tbody = 0, False, False
        self.svg = None
        self.title, self.in_title = "", False

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        self.tags[tag] = self.tags.get(tag, 0) + 1
        cls = (a.get("class") or "").split()
        if tag == "svg" and a.get("id") == "map-svg":
            self.svg = a
        if tag == "g" and "node" in cls:
            self.nodes.append((a.get("data-key"), cls))
        if tag == "g" and "edge" in cls:
            self.edges.append((a.get("data-src"), a.get("data-dst"), a.get("data-alerts")))
        if tag == "table":
            self.in_host_table = a.get("id") == "host-table"
        if tag == "tbody":
            self.in_tbody = True
        if tag == "tr" and self.in_host_table and self.in_tbody:
            self.host_rows += 1
        if tag == "title" and not self.svg:
            self.in_title = True

    def handle_endtag(self, tag):
        if tag == "tbody":
            self.in_tbody = False
        if tag == "table":
            self.in_host_table = False
        if tag == "title":
            self.in_title = False

    def handle_data(self, data):
        self.text.append(data)
        if self.in_title:
            self.title += data


ALLOWED = {"html", "head", "meta", "title", "style", "body", "header", "h1", "p", "nav",
           "a", "section", "h2", "div", "b", "ul", "li", "svg", "defs", "marker", "path",
           "rect", "circle", "text", "line", "g", "table", "thead", "tbody", "tr", "th",
           "td", "code", "span", "footer"}


def dom(args):
    path = args[0]
    opts = {"--hosts": [], "--pairs": [], "--attacker": [], "--text": [], "--title": []}
    k = 1
    while k < len(args):
        opts[args[k]].append(args[k + 1])
        k += 2
    d = Dom()
    d.feed(open(path, encoding="utf-8").read())
    fail = []
    extra = set(d.tags) - ALLOWED
    if extra:
        fail.append("elements the page does not write: %s" % sorted(extra))
    if d.svg is None:
        fail.append("no map (svg#map-svg)")
    else:
        if int(d.svg.get("data-nodes", -1)) != len(d.nodes):
            fail.append("map says %s hosts, draws %d" % (d.svg.get("data-nodes"), len(d.nodes)))
        if int(d.svg.get("data-edges", -1)) != len(d.edges):
            fail.append("map says %s arrows, draws %d" % (d.svg.get("data-edges"), len(d.edges)))
    keys = {n[0] for n in d.nodes}
    if len(keys) != len(d.nodes):
        fail.append("a host drawn twice")
    for s, t, _ in d.edges:
        if s not in keys or t not in keys:
            fail.append("arrow %s -> %s to a host not drawn" % (s, t))
    for h in opts["--hosts"]:
        n = int(h)
        if d.host_rows != n:
            fail.append("host table: %d rows, expected %d" % (d.host_rows, n))
        if len(d.nodes) != min(n, MAP_NODES):
            fail.append("map: %d hosts, expected %d" % (len(d.nodes), min(n, MAP_NODES)))
    for p in opts["--pairs"]:
        n = int(p)
        if len(d.edges) != min(n, MAP_PAIRS):
            fail.append("map: %d arrows, expected %d" % (len(d.edges), min(n, MAP_PAIRS)))
    for ip in opts["--attacker"]:
        if not any(k == ip and "attacker" in c for k, c in d.nodes):
            fail.append("%s is not drawn as a host that caused alerts" % ip)
        if not any(s == ip and int(a or 0) > 0 for s, _, a in d.edges):
            fail.append("no red arrow from %s" % ip)
    text = "".join(d.text)
    for t in opts["--text"]:
        if t not in text:
            fail.append("text %r not on the page (as text)" % t)
    for t in opts["--title"]:
        if d.title != t:
            fail.append("title %r, expected %r" % (d.title, t))
    for f in fail:
        print("  FAIL  %s: %s" % (path, f))
    if not fail:
        print("  ok    %s: %d hosts and %d arrows drawn, %d host rows, only the page's own "
              "elements" % (path.split("/")[-1], len(d.nodes), len(d.edges), d.host_rows))
    return 1 if fail else 0


def png_pixels(path):
    """(width, height, rows of RGB(A) bytes) of an 8-bit RGB or RGBA PNG."""
    data = open(path, "rb").read()
    if data[:8] != b"\x89PNG\r\n\x1a\n":
        raise ValueError("not a PNG")
    pos, idat, hdr = 8, [], None
    while pos < len(data):
        n, kind = struct.unpack(">I4s", data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + n]
        if kind == b"IHDR":
            hdr = struct.unpack(">IIBBBBB", body)
        elif kind == b"IDAT":
            idat.append(body)
        pos += 12 + n
    w, h, depth, ctype, _, _, interlace = hdr
    if depth != 8 or ctype not in (2, 6) or interlace:
        raise ValueError("PNG of depth %d, colour type %d, interlace %d" % (depth, ctype, interlace))
    bpp = 3 if ctype == 2 else 4
    raw = zlib.decompress(b"".join(idat))
    stride = w * bpp
    rows, prev = [], bytearray(stride)
    for y in range(h):
        f = raw[y * (stride + 1)]
        line = bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
        if f == 1:
            for i in range(bpp, stride):
                line[i] = (line[i] + line[i - bpp]) & 255
        elif f == 2:
            line = bytearray((a + b) & 255 for a, b in zip(line, prev))
        elif f == 3:
            for i in range(stride):
                left = line[i - bpp] if i >= bpp else 0
                line[i] = (line[i] + ((left + prev[i]) >> 1)) & 255
        elif f == 4:
            for i in range(stride):
                a = line[i - bpp] if i >= bpp else 0
                b, c = prev[i], prev[i - bpp] if i >= bpp else 0
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                line[i] = (line[i] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
        rows.append(line)
        prev = line
    return w, h, bpp, rows


# node fill colours (sensor/report/html.c)
COLOURS = {"supervisory": (0x2b, 0x6c, 0xb0), "field": (0x2f, 0x85, 0x5a),
           "other": (0x71, 0x80, 0x96), "attacker": (0xe5, 0x3e, 0x3e)}


def png(args):
    shot, dump = args[0], args[1]
    d = Dom()
    d.feed(open(dump, encoding="utf-8").read())
    drawn = {k: 0 for k in COLOURS}
    for _, cls in d.nodes:
        if "attacker" in cls:
            drawn["attacker"] += 1
        elif "multicast" in cls:
            continue
        else:
            drawn[cls[1]] += 1
    w, h, bpp, rows = png_pixels(shot)
    counts = {k: 0 for k in COLOURS}
    blank = 0
    for line in rows:
        for x in range(0, w * bpp, bpp):
            px = line[x:x + 3]
            if px[0] > 245 and px[1] > 245 and px[2] > 245:
                blank += 1
                continue
            for k, c in COLOURS.items():
                if abs(px[0] - c[0]) <= 6 and abs(px[1] - c[1]) <= 6 and abs(px[2] - c[2]) <= 6:
                    counts[k] += 1
    fail = []
    if blank > 0.98 * w * h:
        fail.append("the page is blank (%d of %d pixels white)" % (blank, w * h))
    # a host's circle shows about 700-800 pixels of its fill (radius 17, a
    # ring of 2 to 4), the legend's dot about 200: every drawn host of a
    # colour, with a third of margin for those cut by the window's edge
    for k in COLOURS:
        n = drawn[k]
        lo = int(0.33 * n * 700) + (150 if n else 0)
        hi = n * 1000 + 200 + 3000  # table rows of attackers carry the colour too
        if not lo <= counts[k] <= hi:
            fail.append("%s: %d pixels of its colour for %d hosts drawn (expected %d..%d)"
                        % (k, counts[k], n, lo, hi))
    for f in fail:
        print("  FAIL  %s: %s" % (shot, f))
    if not fail:
        print("  ok    %s: %dx%d, the map's colours: %s" % (
            shot.split("/")[-1], w, h,
            ", ".join("%s %d px (%d hosts)" % (k, counts[k], drawn[k]) for k in COLOURS)))
    return 1 if fail else 0


def main():
    if len(sys.argv) < 3:
        print(__doc__)
        return 2
    cmd, args = sys.argv[1], sys.argv[2:]
    return {"expect": lambda: expect(args[0]), "dom": lambda: dom(args), "png": lambda: png(args)}[cmd]()


if __name__ == "__main__":
    sys.exit(main())
