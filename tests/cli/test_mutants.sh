#!/usr/bin/env bash
# A few hundred mutated copies of the shared artifacts through `wick run`: each
# must run or fail with exit 1 and a message — never crash or hang.
set -u
exec python3 "$(dirname "$0")/mutants.py" "$WICK_BIN" "$WICK_SHARED_DATA" 300
