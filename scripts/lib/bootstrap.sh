#!/usr/bin/env bash
# Make this machine able to run the project: OS packages (PostgreSQL server, Redis, MariaDB, Chromium), pnpm 10, and the
# workspace's node_modules. Installs with apt when run as root; otherwise prints the exact command.
# Sourced by scripts/stack.sh and scripts/test.sh.
set -euo pipefail

bootstrap_os_packages() {
  local missing=()
  compgen -G '/usr/lib/postgresql/*/bin/postgres' >/dev/null || missing+=(postgresql)
  command -v redis-server >/dev/null || [ -x /usr/bin/redis-server ] || missing+=(redis-server)
  # MariaDB: the Turnkey stand-in's database (apps/turnkey-sim); tests start their own server on a private port.
  command -v mariadbd >/dev/null || [ -x /usr/sbin/mariadbd ] || missing+=(mariadb-server)
  # Chromium: the web app's browser tests (apps/web/e2e) drive it with playwright-core; CHROMIUM_PATH overrides.
  [ -x "${CHROMIUM_PATH:-/usr/bin/chromium}" ] || missing+=(chromium)
  # A CJK font, so the browser tests' screenshots show the zh-TW screens as text rather than boxes.
  command -v fc-list >/dev/null && fc-list :lang=zh | grep -q . || missing+=(fonts-wqy-zenhei)
  # nginx: scripts/deploy/nginx.test.ts runs the gateway's config (deploy/nginx) with `nginx -t` and on private ports.
  command -v nginx >/dev/null || [ -x /usr/sbin/nginx ] || missing+=(nginx)
  # openssl: that test's self-signed certificate.
  command -v openssl >/dev/null || missing+=(openssl)
  [ ${#missing[@]} -eq 0 ] && return 0
  if [ "$(id -u)" -eq 0 ]; then
    echo "installing OS packages: ${missing[*]}" >&2
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq >/dev/null
    apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
    # apt may start a packaged cluster/service on its default port; we use our own on private ports.
  else
    echo "missing OS packages; run:  sudo apt-get install -y --no-install-recommends ${missing[*]}" >&2
    exit 1
  fi
}

bootstrap_pnpm() {
  if ! command -v pnpm >/dev/null || [ "$(pnpm --version | cut -d. -f1)" != "10" ]; then
    echo "installing pnpm 10" >&2
    npm install -g pnpm@10 >/dev/null 2>&1 || { echo "could not install pnpm; run: npm install -g pnpm@10" >&2; exit 1; }
  fi
}

bootstrap_node_modules() {
  # --frozen-lockfile: the committed lockfile is the truth; CI must not silently resolve new versions.
  CI=true pnpm install --frozen-lockfile --reporter=silent
}

bootstrap_all() {
  bootstrap_os_packages
  bootstrap_pnpm
  bootstrap_node_modules
}
