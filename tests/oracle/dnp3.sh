#!/usr/bin/env bash
# dnp3: Vigil against tshark on every shared dnp3 capture (tests/oracle/oracle.py).
cd "$(dirname "$0")/../.." || exit 1
exec python3 tests/oracle/oracle.py dnp3
