#!/usr/bin/env bash
# e2e: `briefpress newsletter --send` against a scripted fake SMTP server on
# 127.0.0.1 that fails at every stage (see check_smtp_faults.py): exit 1 with
# the package kept, never the password in any output, never a login before
# TLS; over-long recipients refused. Args: BRIEFPRESS BUILD_DIR.
set -euo pipefail
bp=$1 build=$2
work=$build/e2e-smtp-faults
rm -rf "$work" && mkdir -p "$work"
exec python3 tests/e2e/check_smtp_faults.py "$work" "$bp"
