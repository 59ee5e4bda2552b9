#!/usr/bin/env bash
# mms: Vigil against tshark on every shared IEC 61850 capture (tests/oracle/oracle.py).
cd "$(dirname "$0")/../.." || exit 1
exec python3 tests/oracle/oracle.py mms
