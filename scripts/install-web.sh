#!/usr/bin/env bash
# The web widget's npm modules, pinned by web/package-lock.json (never committed built): socket.io-client,
# which the Rasa server serves to the widget, and the devDependencies rasa-webchat and axe-core (only the browser
# tests load them: rasa-webchat from another origin, axe-core injected into the console's pages). Skipped when web/node_modules already matches the lock file.
#   scripts/install-web.sh runtime   what a clinic's server needs: socket.io-client only (install.sh)
#   scripts/install-web.sh all       with the devDependencies, for the browser tests (install-test-deps.sh)
set -uo pipefail
cd "$(dirname "$0")/.."
mode="${1:-all}"

[ -f web/package-lock.json ] || exit 0
if [ -f web/node_modules/.package-lock.json ] && [ ! web/package-lock.json -nt web/node_modules/.package-lock.json ] \
   && { [ "$mode" = runtime ] || { [ -d web/node_modules/rasa-webchat ] && [ -d web/node_modules/axe-core ]; }; }; then
  exit 0
fi
omit=()
[ "$mode" = runtime ] && omit=(--omit=dev)
if ! command -v npm >/dev/null 2>&1; then
  echo "error: npm is missing, the web widget needs it once to install socket.io-client: install Node.js and npm (Debian: apt-get install nodejs npm), then run 'make install' again." >&2
  exit 1
fi
echo "installing the web widget's npm modules (npm ci ${omit[*]:-} in web/)"
(cd web && npm ci --no-audit --no-fund --loglevel=error "${omit[@]}") || { echo "error: npm ci failed in web/ (see npm's message above)." >&2; exit 1; }
