#!/usr/bin/env bash
# bacnet: Vigil against tshark on every shared bacnet capture (tests/oracle/oracle.py).
cd "$(dirname "$0")/../.." || exit 1
exec python3 tests/oracle/oracle.py bacnet
