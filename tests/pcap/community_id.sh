#!/usr/bin/env bash
# Community ID of every flow checked against tshark (see community_id.py).
exec python3 "$(dirname "$0")/community_id.py"
