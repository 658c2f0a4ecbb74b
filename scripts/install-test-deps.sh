#!/usr/bin/env bash
# What `make test` needs beyond `make install`: the web widget's npm modules matching the lock file
# (scripts/install-web.sh; rasa-webchat is there for the browser tests), Debian's chromium (browser tests,
# driven by Playwright from the lock file), PostgreSQL and Redis (storage and scale-out tests start throwaway
# servers). Installed only when missing.
set -uo pipefail
cd "$(dirname "$0")/.."
# Here too: `make install` runs again only when requirements.lock or install.sh changes, not web/'s lock file.
scripts/install-web.sh all || exit 1
need=()
[ -x /usr/bin/chromium ] || need+=(chromium)
compgen -G "/usr/lib/postgresql/*/bin/postgres" >/dev/null || need+=(postgresql)
command -v redis-server >/dev/null || [ -x /usr/bin/redis-server ] || need+=(redis-server)
[ ${#need[@]} -eq 0 ] && exit 0
if [ "$(id -u)" -ne 0 ] || ! command -v apt-get >/dev/null; then
  echo "error: the tests need these Debian packages: ${need[*]}. Install them (apt-get install ${need[*]}) and run again." >&2
  exit 1
fi
echo "installing Debian packages for the tests: ${need[*]}"
export DEBIAN_FRONTEND=noninteractive
if ! apt-get install -y -q --no-install-recommends "${need[@]}" >/dev/null; then
  apt-get update -q >/dev/null && apt-get install -y -q --no-install-recommends "${need[@]}" >/dev/null \
    || { echo "error: apt-get could not install ${need[*]}" >&2; exit 1; }
fi
