#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""The mqtt object of every record Vigil writes against Suricata's schema.

    mqtt_schema.py [CAPTURE...]

Runs Vigil (every transaction logged, the shipped rules) over the shared
mqtt captures and the generated pcaps/mqtt.pcap (or the captures given),
and checks the mqtt object of every mqtt and alert record against the
"mqtt" definition of Suricata's etc/schema.json (tests/oracle/
suricata_mqtt_schema.json, with its provenance): member names, nesting and
JSON types, no member Suricata's schema does not know. A small validator of
the schema keywords that fragment uses (type, properties,
additionalProperties, items); no packages needed.

Also checked: no object repeats a key, and none of the passwords or
authentication data the generator puts on the wire appears in a record.

One addition to the schema, named here: Suricata's logger
(rust/src/mqtt/logger.rs) writes an "auth" object for MQTT 5.0 AUTH packets
that its schema at that commit does not describe; AUTH_SCHEMA below is that
object as the logger writes it.

Exit 0 when every object validates, 1 otherwise, 77 when nothing ran.
"""
import json
import os
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
SHARED = os.environ.get('SHARED', os.path.join(os.path.dirname(ROOT), 'shared'))
BUILD = os.environ.get('BUILD', os.path.join(ROOT, 'build'))
VIGIL = os.path.abspath(os.environ.get('VIGIL', os.path.join(BUILD, 'vigil')))

AUTH_SCHEMA = {
    'type': 'object',
    'properties': {'qos': {'type': 'integer'}, 'retain': {'type': 'boolean'},
                   'dup': {'type': 'boolean'}, 'reason_code': {'type': 'integer'},
                   'properties': {'type': 'object', 'additionalProperties': True}},
    'additionalProperties': False,
}

# on the wire in pcaps/mqtt.pcap (tests/tools/gen_mqtt.c), never in a record
SECRETS = ['Xk9-v2!q', 'Qz7#mw4Lr', 'rtu-Pw-17', 'Vb3-9wq!', 'n,,n=gw90', 'c=biws', 'r=rOprNG']


def check(value, schema, path, errors):
    t = schema.get('type')
    types = {'object': dict, 'array': list, 'string': str, 'boolean': bool}
    if t == 'integer':
        ok = isinstance(value, int) and not isinstance(value, bool)
    elif t == 'number':
        ok = isinstance(value, (int, float)) and not isinstance(value, bool)
    elif t in types:
        ok = isinstance(value, types[t])
    else:
        ok = True
    if not ok:
        errors.append('%s: %s, want %s' % (path, type(value).__name__, t))
        return
    if t == 'object':
        props = schema.get('properties', {})
        for k, v in value.items():
            if k in props:
                check(v, props[k], path + '.' + k, errors)
            elif schema.get('additionalProperties', True) is False:
                errors.append('%s: member %r not in the schema' % (path, k))
    elif t == 'array' and 'items' in schema:
        for i, v in enumerate(value):
            check(v, schema['items'], '%s[%d]' % (path, i), errors)


def no_dup_keys(pairs):
    keys = [k for k, _ in pairs]
    if len(keys) != len(set(keys)):
        raise ValueError('repeated key in %s' % keys)
    return dict(pairs)


def records(cap, tmp):
    out = os.path.join(tmp, 'eve.json')
    if os.path.exists(out):
        os.unlink(out)
    cfg = os.path.join(tmp, 'c.yaml')
    with open(os.path.join(ROOT, 'tests', 'pcap', 'vigil.yaml')) as f:
        base = f.read()
    # the test configuration with its rule path made absolute
    base = base.replace('default-rule-path: ../../rules', 'default-rule-path: ' + os.path.join(ROOT, 'rules'))
    with open(cfg, 'w') as f:
        f.write(base)
    r = subprocess.run([VIGIL, '-q', '-r', cap, '-c', cfg, '--workers', '1', '-o', out],
                       capture_output=True, text=True, check=False)
    if r.returncode != 0:
        raise RuntimeError('vigil failed on %s: %s' % (cap, r.stderr.strip()))
    with open(out) as f:
        return f.read()


def main():
    with open(os.path.join(HERE, 'suricata_mqtt_schema.json')) as f:
        schema = json.load(f)['mqtt']
    schema = dict(schema, properties=dict(schema['properties'], auth=AUTH_SCHEMA))
    caps = sys.argv[1:]
    if not caps:
        d = os.path.join(SHARED, 'pcaps', 'mqtt')
        if os.path.isdir(d):
            caps += sorted(os.path.join(d, n) for n in os.listdir(d))
        caps.append(os.path.join(ROOT, 'pcaps', 'mqtt.pcap'))
    caps = [c for c in caps if os.path.exists(c)]
    if not caps or not os.path.exists(VIGIL):
        print('   mqtt schema: SKIP: no capture or no %s' % VIGIL)
        return 77
    bad = 0
    total = 0
    with tempfile.TemporaryDirectory() as tmp:
        for cap in caps:
            text = records(cap, tmp)
            errors = []
            n = 0
            for line in text.splitlines():
                try:
                    rec = json.loads(line, object_pairs_hook=no_dup_keys)
                except ValueError as e:
                    errors.append('%s: %s' % (line[:80], e))
                    continue
                if 'mqtt' not in rec:
                    continue
                n += 1
                check(rec['mqtt'], schema, '%s@%s.mqtt' % (rec['event_type'], rec.get('pcap_cnt')),
                      errors)
            if os.path.basename(cap) == 'mqtt.pcap':
                errors += ['a secret in a record: %s' % s for s in SECRETS if s in text]
            total += n
            name = os.path.basename(cap)
            if errors:
                bad += 1
                print('   FAIL  %s: %d mqtt objects, %d problems' % (name, n, len(errors)))
                for e in errors[:10]:
                    print('           ' + e)
            else:
                print('   ok    %s: %d mqtt objects valid' % (name, n))
    print('mqtt schema: %d mqtt objects in %d captures against Suricata\'s schema, %d captures with '
          'problems' % (total, len(caps), bad))
    return 1 if bad else 0


if __name__ == '__main__':
    sys.exit(main())
