#!/usr/bin/env bash
# pn_dcp: Vigil against tshark on every shared PROFINET capture
# (tests/oracle/oracle.py), and on the one other shared capture with DCP
# frames (modbus/iti_mb2.pcap: four Identify requests among Modbus).
cd "$(dirname "$0")/../.." || exit 1
SHARED=${SHARED:-$(pwd)/../shared}
if command -v tshark > /dev/null && [ -d "$SHARED/pcaps/profinet" ]; then
	for cap in "$SHARED"/pcaps/profinet/*; do
		n=$(tshark -n -r "$cap" -Y pn_dcp 2> /dev/null | wc -l)
		[ "$n" = 0 ] && echo "   note  $(basename "$cap"): no DCP frame (PNIO-CM over UDP or RT only): nothing to compare"
	done
fi
python3 tests/oracle/oracle.py pn_dcp || exit $?
[ -f "$SHARED/pcaps/modbus/iti_mb2.pcap" ] || exit 0
exec python3 tests/oracle/oracle.py pn_dcp "$SHARED/pcaps/modbus/iti_mb2.pcap"
