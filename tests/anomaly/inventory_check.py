#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""The passive inventory against tshark on the shared captures.

For every capture of the families that carry identities, tshark's fields of
the identity answers (EtherNet/IP ListIdentity and CIP identity replies,
Modbus Read Device Identification objects, S7 SZL 0x0011/0x001C records,
BACnet I-Am and device model names, GOOSE control blocks) give what each
device said; `vigil inventory --json -r CAPTURE` must name each of them on
the device that said it (by IP, or by MAC for GOOSE). Prints one line per
capture with identities and a table of what the inventory found; exits 1 on
a miss.

Usage: inventory_check.py VIGIL SHARED_PCAPS_DIR
"""
import json
import os
import re
import subprocess
import sys

VIGIL, SHARED = sys.argv[1], sys.argv[2]


def tshark_fields(cap, flt, fields):
    cmd = ["tshark", "-r", cap, "-Y", flt, "-T", "fields", "-E", "separator=\t",
           "-E", "occurrence=a", "-E", "aggregator=\x1f"]
    for f in fields:
        cmd += ["-e", f]
    out = subprocess.run(cmd, capture_output=True, text=True, errors="replace").stdout
    rows = []
    for line in out.splitlines():
        parts = line.split("\t")
        parts += [""] * (len(fields) - len(parts))
        rows.append([p.split("\x1f") if p else [] for p in parts])
    return rows


def tshark_verbose(cap, flt):
    cmd = ["tshark", "-r", cap, "-Y", flt, "-V"]
    return subprocess.run(cmd, capture_output=True, text=True, errors="replace").stdout


def expect_enip(cap):
    """(ip, what, value): product names, serials, vendor ids."""
    exp = []
    for src, name, serial, vendor in tshark_fields(
            cap, "enip.lir.name", ["ip.src", "enip.lir.name", "enip.lir.serial", "enip.lir.vendor"]):
        for n, s, v in zip(name, serial, vendor):
            exp += [(src[0], "product", n), (src[0], "serial", s), (src[0], "vendor_id", int(v, 0))]
    for src, name, serial, vendor in tshark_fields(
            cap, "cip.id.product_name", ["ip.src", "cip.id.product_name", "cip.id.serial_number",
                                         "cip.id.vendor_id"]):
        for n, s, v in zip(name, serial, vendor):
            exp += [(src[0], "product", n), (src[0], "serial", s), (src[0], "vendor_id", int(v, 0))]
    return exp


def expect_modbus(cap):
    """Read Device Identification answers: VendorName, ProductCode, revision."""
    exp = []
    for src, ids, vals in tshark_fields(
            cap, "modbus.object_str_value && mbtcp", ["ip.src", "modbus.object_id",
                                                      "modbus.object_str_value"]):
        named = {"0": "vendor", "1": "product", "2": "firmware"}
        for oid, val in zip(ids, vals):
            if oid in named and val.strip():
                exp.append((src[0], named[oid], val.strip()))
    return exp


def expect_s7(cap):
    exp = []
    for src, mlfb in tshark_fields(cap, "s7comm.szl.xy11.0001.anz && s7comm.data.userdata.szl_id == 0x0011",
                                   ["ip.src", "s7comm.szl.xy11.0001.anz"]):
        if mlfb and mlfb[0].strip():
            exp.append((src[0], "model", mlfb[0].strip()))
    for src, name, serial, typ in tshark_fields(
            cap, "s7comm.szl.001c.0005.serialn",
            ["ip.src", "s7comm.szl.001c.0002.name", "s7comm.szl.001c.0005.serialn",
             "s7comm.szl.001c.0007.cputypname"]):
        for what, v in (("name", name), ("serial", serial), ("product", typ)):
            if v and v[0].strip():
                exp.append((src[0], what, v[0].strip()))
    return exp


def expect_bacnet(cap):
    """I-Am device instances (from a B/IP source), model names of device
    objects in ReadProperty acks."""
    exp = []
    for src, inst, vendor in tshark_fields(
            cap, "bacapp.unconfirmed_service == 0 && ip && !bvlc.fwd_ip && !bacnet.sadr_eth "
                 "&& !bacnet.sadr_mstp && !bacnet.sadr_tmp",
            ["ip.src", "bacapp.instance_number", "bacapp.vendor_identifier"]):
        if src and inst and inst[0] != "4194303":
            exp.append((src[0], "device_instance", int(inst[0])))
    text = tshark_verbose(cap, "bacapp.type == 3 && bacapp.property_identifier == 70 && ip "
                               "&& !bacnet.sadr_eth && !bacnet.sadr_mstp && !bacnet.sadr_tmp")
    src = None
    for line in text.splitlines():
        m = re.match(r"Internet Protocol Version 4, Src: ([0-9.]+)", line)
        if m:
            src = m.group(1)
        m = re.search(r"model-name: UTF-8 '(.*)'$", line)
        if m and src and m.group(1).strip():
            exp.append((src, "model", m.group(1).strip()))
    return exp


def expect_goose(cap):
    """A publisher's name: the logical device of (one of) its gocbRefs."""
    pubs = {}
    for mac, refs in tshark_fields(cap, "goose.gocbRef", ["eth.src", "goose.gocbRef"]):
        for r in refs:
            pubs.setdefault(mac[0].lower(), []).append(r.split("/")[0])
    return [(mac, "goose_name", names) for mac, names in pubs.items()]


def device_of(devs, key):
    for d in devs:
        if d.get("ip") == key or (":" in key and d.get("mac") == key and "." not in key):
            return d
    for d in devs:
        if d.get("mac") == key:
            return d
    return None


def found(dev, what, value):
    if dev is None:
        return False
    ids = dev.get("identities", [])
    if what in ("vendor_id", "device_instance"):
        return any(value in i.get(what, []) for i in ids)
    if what == "goose_name":
        return dev.get("name") in value and "publisher" in dev.get("roles", [])
    vals = [dev.get(what)] + [i.get(what) for i in ids]
    return value in vals


FAMILIES = [("enip", expect_enip), ("modbus", expect_modbus), ("s7comm", expect_s7),
            ("bacnet", expect_bacnet), ("iec61850", expect_goose)]

fail = 0
rows = []
for fam, fn in FAMILIES:
    d = os.path.join(SHARED, fam)
    if not os.path.isdir(d):
        continue
    for name in sorted(os.listdir(d)):
        if not name.endswith((".pcap", ".pcapng")):
            continue
        cap = os.path.join(d, name)
        exp = fn(cap)
        if not exp:
            continue
        out = subprocess.run([VIGIL, "inventory", "--json", "-r", cap], capture_output=True, text=True)
        if out.returncode != 0:
            print(f"  FAIL  {fam}/{name}: vigil inventory exit {out.returncode}: {out.stderr.strip()}")
            fail += 1
            continue
        devs = json.loads(out.stdout)
        uniq = []
        for e in exp:
            k = (e[0], e[1], json.dumps(e[2]))
            if k not in [(u[0], u[1], json.dumps(u[2])) for u in uniq]:
                uniq.append(e)
        missing = [e for e in uniq if not found(device_of(devs, e[0]), e[1], e[2])]
        if missing:
            fail += 1
            print(f"  FAIL  {fam}/{name}: {len(missing)} of {len(uniq)} identities not in the inventory")
            for m in missing[:8]:
                print(f"        {m[0]}: {m[1]} {m[2]!r}")
        else:
            print(f"  ok    {fam}/{name}: {len(uniq)} identities of {len({e[0] for e in uniq})} "
                  f"devices, as tshark shows them")
        for dv in devs:
            has_id = any(dv.get(k) for k in ("vendor", "product", "model", "name", "firmware")) or \
                any(len(i) > 1 for i in dv.get("identities", []))
            if has_id:
                mods = [i for i in dv.get("identities", []) if i.get("component")
                        and any(i.get(k) for k in ("vendor", "product", "model", "firmware", "serial"))]
                rows.append((f"{fam}/{name}", dv, None))
                for m in mods[:3]:
                    rows.append((f"{fam}/{name}", dv, m))

print()
print("what the inventory found (devices with an identity):")
fmt = "  {:<46} {:<16} {:<32} {:<40} {:<9} {:<18} {}"
print(fmt.format("capture", "ip / mac", "vendor", "product / model", "firmware", "serial", "roles"))
for cap, d, m in rows:
    src = m if m else d
    pm = " / ".join(x for x in (src.get("product"), src.get("model")) if x)
    who = d.get("ip") or d.get("mac")
    if m:
        who = "  " + m.get("component", "")
        pm = pm
    print(fmt.format(cap[:46], (who or "")[:16], (src.get("vendor") or src.get("name") or "")[:32],
                     pm[:40], (src.get("firmware") or "")[:9], (src.get("serial") or "")[:18],
                     "" if m else ",".join(d.get("roles", []))))
sys.exit(1 if fail else 0)
