#!/usr/bin/env bash
# iec104: Vigil against tshark on every shared iec104 capture (tests/oracle/oracle.py).
cd "$(dirname "$0")/../.." || exit 1
exec python3 tests/oracle/oracle.py iec104
