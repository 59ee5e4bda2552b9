#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""Validates EVE records against Suricata's schema and Vigil's extension.

    validate.py [--suricata-only] [--report] [--errors N] FILE...

Each FILE holds EVE JSON records, one a line (lines wrapped in a syslog
header are not accepted: give the eve.json file). Every record is checked
against the schema made of

  - tests/schema/suricata.schema.json: Suricata's etc/schema.json, vendored
    unchanged (see tests/schema/README.md), and
  - tests/schema/vigil.schema.json: what Vigil writes that Suricata's schema
    does not describe (protocols Suricata lacks, Vigil's own records and
    counters), merged in.

The merge only adds: the extension may name a member Suricata defines only
to add members to it (an object's properties, an array's item properties)
or to document it ("description"); it may never change a type, so a record
that passes has every member Suricata defines under Suricata's name and of
Suricata's type. --suricata-only checks against Suricata's schema alone.

On top of the schema, every integer must be exact in an IEEE double (below
2^53, or jq, JavaScript and many SIEMs print another number) and flow_id
must fit in 51 bits, as Suricata masks it.

Prints the records and failures per event type and the commonest errors;
exit status 1 when a record fails (0 with --report), 2 on a bad argument or
a line that is not JSON.

Validating 100 000 records one by one takes minutes with python3-jsonschema,
so each record is reduced to its shape first (every string and number
replaced by a stand-in of the same type, arrays by their distinct item
shapes) and each distinct shape is validated once: the schema only looks at
members and types, and at the few values (timestamp) a pattern, enum or const
constrains, which the shape keeps.
"""

import argparse
import collections
import copy
import json
import os
import re
import sys

try:
    import jsonschema
except ImportError:
    print("validate.py: python3-jsonschema is missing (apt-get install python3-jsonschema)",
          file=sys.stderr)
    sys.exit(2)

HERE = os.path.dirname(os.path.abspath(__file__))
SURICATA = os.path.join(HERE, "suricata.schema.json")
VIGIL = os.path.join(HERE, "vigil.schema.json")

# Keys of a member definition the extension may write for a member Suricata
# already defines: documentation, and members to add (merged recursively).
EXTEND_ONLY = {"description", "$comment", "properties", "items"}


class MergeError(Exception):
    pass


def merge(base, ext, path):
    """Adds ext's members to base (in place); refuses any redefinition."""
    for key in ext:
        if key in ("description", "$comment"):
            if key not in base:
                base[key] = ext[key]
            continue
        if key == "properties":
            props = base.setdefault("properties", {})
            for name, sub in ext["properties"].items():
                where = path + "." + name if path else name
                if name not in props:
                    props[name] = sub
                    continue
                extra = set(sub) - EXTEND_ONLY
                if extra:
                    raise MergeError("%s: Suricata defines it; the extension may only add "
                                     "members or a description, not %s"
                                     % (where, ", ".join(sorted(extra))))
                merge(props[name], sub, where)
            continue
        if key == "items":
            if not isinstance(base.get("items"), dict):
                raise MergeError("%s[]: Suricata defines no item schema to extend" % path)
            extra = set(ext["items"]) - EXTEND_ONLY
            if extra:
                raise MergeError("%s[]: the extension may only add members to the items, not %s"
                                 % (path, ", ".join(sorted(extra))))
            merge(base["items"], ext["items"], path + "[]")
            continue
        if key == "$defs":
            defs = base.setdefault("$defs", {})
            for name, sub in ext["$defs"].items():
                if name in defs:
                    raise MergeError("$defs.%s: Suricata defines it" % name)
                defs[name] = sub
            continue
        if path == "" and key in ("$schema", "$id", "title"):
            continue
        raise MergeError("%s: the extension may not set %r on a member Suricata defines"
                         % (path or "(top level)", key))


def load_schema(suricata_only=False, extension=VIGIL):
    with open(SURICATA) as f:
        schema = json.load(f)
    if not suricata_only:
        with open(extension) as f:
            ext = json.load(f)
        merge(schema, ext, "")
    return schema


class Constrained:
    """Members whose values a pattern, enum or const constrains, by name.

    A value that meets every constraint given to a member of that name
    anywhere in the schema is replaced by the first such value seen (so
    that records still share shapes); any other value is kept as it is."""

    def __init__(self, schema):
        self.rules = collections.defaultdict(list)
        self.rep = {}

        def walk(node):
            if isinstance(node, dict):
                for name, sub in node.get("properties", {}).items():
                    if isinstance(sub, dict) and ({"pattern", "enum", "const"} & set(sub)):
                        self.rules[name].append(sub)
                for v in node.values():
                    walk(v)
            elif isinstance(node, list):
                for v in node:
                    walk(v)

        walk(schema)

    def __contains__(self, name):
        return name in self.rules

    def stand_in(self, name, v):
        for r in self.rules[name]:
            if "pattern" in r and not (isinstance(v, str) and re.search(r["pattern"], v)):
                return v
            if "enum" in r and v not in r["enum"]:
                return v
            if "const" in r and v != r["const"]:
                return v
        return self.rep.setdefault((name, type(v).__name__), v)


JSON_INT_MAX = 2 ** 53
FLOW_ID_MAX = 2 ** 51


def shape(value, keep, problems, path):
    """The record reduced to what the schema can see (see the module doc)."""
    if isinstance(value, dict):
        out = {}
        for k, v in value.items():
            if k in keep and not isinstance(v, (dict, list)):
                out[k] = keep.stand_in(k, v)
            else:
                out[k] = shape(v, keep, problems, path + "." + k if path else k)
        return out
    if isinstance(value, list):
        items = {}
        for v in value:
            s = shape(v, keep, problems, path + "[]")
            items[json.dumps(s, sort_keys=True)] = s
        return [items[k] for k in sorted(items)]
    if isinstance(value, bool) or value is None:
        return value
    if isinstance(value, int):
        if abs(value) >= JSON_INT_MAX:
            problems.add("%s: %d is not exact in a double (2^53 and above)" % (path, value))
        return 0
    if isinstance(value, float):
        return 0.5
    return "s"


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--suricata-only", action="store_true",
                    help="Suricata's schema alone, without Vigil's extension")
    ap.add_argument("--extension", default=VIGIL, help="the extension (default: %(default)s)")
    ap.add_argument("--no-number-checks", action="store_true",
                    help="the schema alone, without the 2^53 and flow_id checks")
    ap.add_argument("--report", action="store_true", help="exit 0 even when records fail")
    ap.add_argument("--errors", type=int, default=12, help="distinct errors to print")
    ap.add_argument("--quiet", action="store_true", help="print only the totals")
    ap.add_argument("--dump-schema", action="store_true",
                    help="print the merged schema and exit")
    ap.add_argument("files", nargs="*")
    args = ap.parse_args()

    try:
        schema = load_schema(args.suricata_only, args.extension)
    except MergeError as e:
        print("validate.py: %s: %s" % (args.extension, e), file=sys.stderr)
        return 2
    if args.dump_schema:
        json.dump(schema, sys.stdout, indent=4)
        print()
        return 0
    # Suricata's schema names no draft; it uses $defs (2019-09 on) and the
    # array form of items (before 2020-12): 2019-09 reads it as written
    cls = jsonschema.Draft201909Validator
    cls.check_schema(schema)
    validator = cls(schema)
    keep = Constrained(schema)

    verdicts = {}  # shape key -> list of error strings ([] = valid)
    total = collections.Counter()
    failed = collections.Counter()
    errors = collections.Counter()
    example = {}
    for name in args.files:
        with open(name, "rb") as f:
            for lineno, line in enumerate(f, 1):
                if not line.strip():
                    continue
                try:
                    rec = json.loads(line)
                except ValueError as e:
                    print("%s:%d: not JSON: %s" % (name, lineno, e), file=sys.stderr)
                    return 2
                et = rec.get("event_type", "?") if isinstance(rec, dict) else "?"
                et = et if isinstance(et, str) else "?"
                total[et] += 1
                problems = set()
                s = shape(rec, keep, problems, "")
                if args.no_number_checks:
                    problems = set()
                fid = rec.get("flow_id") if isinstance(rec, dict) else None
                if isinstance(fid, int) and not 0 <= fid < FLOW_ID_MAX and \
                        not args.no_number_checks:
                    problems.add("flow_id: %d does not fit in 51 bits (Suricata masks it)" % fid)
                key = json.dumps(s, sort_keys=True)
                if key not in verdicts:
                    verdicts[key] = sorted(
                        "%s: %s" % ("/".join(str(p) for p in e.absolute_path) or "(record)",
                                    e.message[:300])
                        for e in validator.iter_errors(s))
                errs = verdicts[key] + sorted(problems)
                if errs:
                    failed[et] += 1
                    for e in errs:
                        # the same error in every record: count it once per record
                        msg = "%s: %s" % (et, re.sub(r"\b\d{6,}\b", "N", e))
                        errors[msg] += 1
                        example.setdefault(msg, "%s:%d" % (name, lineno))
    n = sum(total.values())
    nf = sum(failed.values())
    which = "Suricata's schema" if args.suricata_only else "Suricata's schema + vigil.schema.json"
    print("%d of %d records fail %s (%d distinct shapes)" % (nf, n, which, len(verdicts)))
    if not args.quiet:
        for et in sorted(total):
            print("  %-12s %7d records %7d fail" % (et, total[et], failed[et]))
        for msg, c in errors.most_common(args.errors):
            print("  %6d x %s\n           e.g. %s" % (c, msg, example[msg]))
    if nf and not args.report:
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
