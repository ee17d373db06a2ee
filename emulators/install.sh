#!/usr/bin/env bash
# Installs the pinned test emulators (dynalite for DynamoDB, s3rver for S3) into
# emulators/node_modules with `npm ci`. Skips the work when node_modules already matches the
# lockfile (the stamp holds its hash). --ignore-scripts is enough: dynalite keeps its tables in
# memory (memory-level); it still loads classic-level at startup, whose npm package ships prebuilt
# binaries for linux/darwin/win32 x64 and arm64, so nothing is compiled.
set -euo pipefail
cd "$(dirname "$0")"
stamp=node_modules/.visionflow-stamp
want=$(cat package-lock.json install.sh | sha256sum | cut -d' ' -f1)
if [[ -f $stamp && $(cat "$stamp") == "$want" ]]; then
  exit 0
fi
command -v npm >/dev/null || { echo "emulators/install.sh: npm (Node.js) is required to install the test emulators" >&2; exit 1; }
npm ci --no-audit --no-fund --ignore-scripts --loglevel=error
echo "$want" > "$stamp"
