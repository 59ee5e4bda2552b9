#!/usr/bin/env bash
# opcua: Vigil against tshark on every shared opcua capture (tests/oracle/oracle.py).
cd "$(dirname "$0")/../.." || exit 1
exec python3 tests/oracle/oracle.py opcua
