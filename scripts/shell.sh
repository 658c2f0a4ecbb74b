#!/usr/bin/env bash
# rasa shell with the action server, for staff testing flows in the terminal.
set -uo pipefail
cd "$(dirname "$0")/.."
source scripts/common.sh

model=$(cat models/CURRENT)
check_profile
require_port "$ACTION_PORT" ACTION_PORT
start_action_server
trap 'kill -TERM "$ACTION_PID" 2>/dev/null; wait "$ACTION_PID" 2>/dev/null' EXIT INT TERM
wait_for_http "http://127.0.0.1:$ACTION_PORT/health" "$ACTION_PID" 60 || { echo "error: the action server did not start." >&2; exit 1; }
.venv/bin/rasa shell --model "$model" --endpoints endpoints.yml
