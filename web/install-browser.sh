#!/usr/bin/env bash
# Installs Debian's chromium and chromium-driver for the flow builder's browser tests
# (/usr/bin/chromium, /usr/bin/chromedriver), when they are not there yet. Run by the local module's
# build before its tests. It never fails the build: when the browser cannot be installed (no apt-get,
# not root and no sudo, no network), it says why, and the browser tests skip themselves with the
# same message.
set -uo pipefail
if [[ -x /usr/bin/chromium && -x /usr/bin/chromedriver ]]; then
  exit 0
fi
say() { echo "web/install-browser.sh: $*" >&2; }
if ! command -v apt-get >/dev/null; then
  say "no apt-get: install chromium and chromedriver yourself to run the browser tests; they are skipped"
  exit 0
fi
sudo=()
if [[ $(id -u) != 0 ]]; then
  if sudo -n true 2>/dev/null; then
    sudo=(sudo -n)
  else
    say "not root and no password-less sudo: run 'apt-get install chromium chromium-driver' to run the browser tests; they are skipped"
    exit 0
  fi
fi
say "installing Debian's chromium and chromium-driver for the browser tests (once)"
export DEBIAN_FRONTEND=noninteractive
if ! { "${sudo[@]}" apt-get update -qq && "${sudo[@]}" apt-get install -y -qq chromium chromium-driver >/dev/null; }; then
  say "apt-get could not install chromium and chromium-driver; the browser tests are skipped"
fi
exit 0
