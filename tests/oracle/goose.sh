#!/usr/bin/env bash
# goose: Vigil against tshark on every shared iec61850 capture (tests/oracle/oracle.py,
# plugin tests/oracle/protos/goose.py).
cd "$(dirname "$0")/../.." || exit 1
exec python3 tests/oracle/oracle.py goose
