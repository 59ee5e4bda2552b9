#!/usr/bin/env bash
# modbus: Vigil against tshark on every shared modbus capture (tests/oracle/oracle.py).
cd "$(dirname "$0")/../.." || exit 1
exec python3 tests/oracle/oracle.py modbus
