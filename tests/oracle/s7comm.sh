#!/usr/bin/env bash
# s7comm: Vigil against tshark on every shared s7comm capture (tests/oracle/oracle.py).
cd "$(dirname "$0")/../.." || exit 1
exec python3 tests/oracle/oracle.py s7comm
