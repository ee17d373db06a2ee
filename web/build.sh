#!/usr/bin/env bash
# Builds the flow builder into OUT_DIR (the local module's classes/web, so it ends up in the jar):
# `npm ci` from package-lock.json (stamped like models/install.sh: skipped when node_modules
# matches the lockfile), the unit tests of the pure modules (node --test), then esbuild. The build
# itself is skipped when OUT_DIR already holds the output of the same sources.
set -euo pipefail
cd "$(dirname "$0")"
out=${1:?usage: web/build.sh OUT_DIR}
stamp=node_modules/.visionflow-stamp
want=$(cat package-lock.json build.sh | sha256sum | cut -d' ' -f1)
if [[ ! -f $stamp || $(cat "$stamp") != "$want" ]]; then
  command -v npm >/dev/null || { echo "web/build.sh: npm (Node.js) is required to build the flow builder" >&2; exit 1; }
  npm ci --no-audit --no-fund --ignore-scripts --loglevel=error
  echo "$want" > "$stamp"
fi
sources=$( (cat package-lock.json build.sh build.mjs; find src -type f | sort | xargs cat) | sha256sum | cut -d' ' -f1)
if [[ -f $out/.visionflow-stamp && $(cat "$out/.visionflow-stamp") == "$sources" ]]; then
  exit 0
fi
node --test --test-reporter=dot src/*.test.js
node build.mjs "$out"
echo "$sources" > "$out/.visionflow-stamp"
