#!/usr/bin/env bash
# Installs Debian's chromium for the sandbox browser test (playwright-core drives /usr/bin/chromium;
# Playwright's own browser download cannot work offline). Idempotent: does nothing if it is there.
set -euo pipefail
if [ -x /usr/bin/chromium ]; then
  echo "chromium already installed: $(/usr/bin/chromium --version 2>/dev/null || echo /usr/bin/chromium)"
  exit 0
fi
SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update
$SUDO apt-get install -y --no-install-recommends chromium fonts-liberation
echo "installed: $(/usr/bin/chromium --version)"
