#!/usr/bin/env bash
# mqtt: Vigil against tshark on every shared mqtt capture and on the
# generated pcaps/mqtt.pcap (tests/oracle/oracle.py); the mqtt object of
# every record against Suricata's EVE schema (mqtt_schema.py); Suricata's
# own rules/mqtt-events.rules loading unchanged.
cd "$(dirname "$0")/../.." || exit 1
BUILD=${BUILD:-build}
VIGIL=${VIGIL:-$BUILD/vigil}
rc=0
python3 tests/oracle/oracle.py mqtt
r=$?
[ $r -ne 0 ] && rc=$r
python3 tests/oracle/oracle.py mqtt pcaps/mqtt.pcap
r=$?
[ $r -ne 0 ] && [ $rc -eq 0 ] && rc=$r
VIGIL=$VIGIL python3 tests/oracle/mqtt_schema.py || rc=1
if out=$("$VIGIL" --test-rules -c tests/pcap/vigil.yaml -S tests/oracle/suricata-mqtt-events.rules 2>&1) &&
	echo "$out" | grep -q "rules: 9 loaded, 0 failed, 0 unsupported"; then
	echo "   ok    Suricata's mqtt-events.rules: 9 rules load unchanged"
else
	echo "   FAIL  Suricata's mqtt-events.rules: $out"
	rc=1
fi
exit $rc
