#!/usr/bin/env bash
# enip: Vigil against tshark on every shared enip capture (tests/oracle/oracle.py).
cd "$(dirname "$0")/../.." || exit 1
exec python3 tests/oracle/oracle.py enip
