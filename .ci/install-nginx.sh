#!/usr/bin/env bash
# Installs Debian's nginx: the reverse proxy in front of the app instances for `npm run cluster`, the
# load bench and the cluster load test (they start their own nginx with a generated config on
# loopback; the system service is never used). Idempotent: does nothing if nginx is there.
set -euo pipefail
if command -v nginx >/dev/null 2>&1 || [ -x /usr/sbin/nginx ]; then
  echo "nginx already installed: $( (nginx -v || /usr/sbin/nginx -v) 2>&1)"
  exit 0
fi
SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update
# nginx-light would do too; plain nginx is the package every Debian release has.
$SUDO apt-get install -y --no-install-recommends nginx
# The package starts its default site on port 80 where systemd runs it; we need only the binary.
$SUDO service nginx stop >/dev/null 2>&1 || true
echo "installed: $(/usr/sbin/nginx -v 2>&1)"
