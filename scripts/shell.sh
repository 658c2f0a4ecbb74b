#!/usr/bin/env bash
# `make shell`: rasa shell for staff testing flows in the terminal, beside a running `make run`.
# It has its own ports (SHELL_PORT for its Rasa server, SHELL_ACTION_PORT for its own action server), listens
# on 127.0.0.1 only, uses the model `make run` serves (models/CURRENT; it trains only when there is none), and
# sends the servers' logs and third-party warnings to SHELL_LOG (var/shell.log) instead of the screen.
set -uo pipefail
cd "$(dirname "$0")/.."
source scripts/common.sh

SHELL_PORT=${SHELL_PORT:-5105}
SHELL_ACTION_PORT=${SHELL_ACTION_PORT:-5155}
SHELL_LOG=${SHELL_LOG:-var/shell.log}
mkdir -p "$(dirname "$SHELL_LOG")"
: > "$SHELL_LOG" || { echo "error: cannot write the shell's log $SHELL_LOG (set SHELL_LOG=<file>)." >&2; exit 1; }

# The live servers' ports (RASA_PORT, ACTION_PORT, CONSOLE_PORT) are theirs: the shell never uses them.
for var in SHELL_PORT SHELL_ACTION_PORT; do
  case "${!var}" in
    "$RASA_PORT" | "$ACTION_PORT" | "${CONSOLE_PORT:-5080}")
      echo "error: $var=${!var} is a port of 'make run' (RASA_PORT, ACTION_PORT, CONSOLE_PORT): choose another." >&2; exit 1 ;;
  esac
done
[ "$SHELL_PORT" != "$SHELL_ACTION_PORT" ] || { echo "error: SHELL_PORT and SHELL_ACTION_PORT must differ." >&2; exit 1; }
require_port "$SHELL_PORT" SHELL_PORT "make shell"
require_port "$SHELL_ACTION_PORT" SHELL_ACTION_PORT "make shell"
check_profile

# The model the live bot serves. Training happens here only when there is none at all (a fresh clone):
# `make train` is how a changed model is made, and it would also change what `make run` serves next.
model=$(cat models/CURRENT 2>/dev/null)
if [ -z "$model" ] || [ ! -f "$model" ]; then
  echo "No trained model yet: training one first (about 5 minutes; progress in $SHELL_LOG)."
  scripts/train.sh >> "$SHELL_LOG" 2>&1 || { echo "error: training failed; see $SHELL_LOG." >&2; exit 1; }
  model=$(cat models/CURRENT)
fi

echo "make shell: Rasa on 127.0.0.1:$SHELL_PORT, actions on 127.0.0.1:$SHELL_ACTION_PORT, model $model; logs and warnings go to $SHELL_LOG"

# endpoints.yml names the action server as ${ACTION_PORT}: for this shell's processes that is its own port.
export ACTION_PORT=$SHELL_ACTION_PORT
start_action_server >> "$SHELL_LOG" 2>&1
cleanup() {
  trap - EXIT INT TERM HUP
  kill -TERM "$ACTION_PID" 2>/dev/null
  wait "$ACTION_PID" 2>/dev/null
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM HUP
wait_for_http "http://127.0.0.1:$SHELL_ACTION_PORT/health" "$ACTION_PID" 60 \
  || { echo "error: the shell's action server did not start; see $SHELL_LOG." >&2; exit 1; }

# The shell's Rasa server: bound to 127.0.0.1 (rasa's default is 0.0.0.0, every network interface), with the
# preview channel only (credentials-shell.yml): the same guard and risk path as the live channels. Its output
# (Python warnings, Rasa's and TensorFlow's logs) goes to the log; the conversation is on the terminal.
CHANNEL=${CHANNEL:-web}
case "$CHANNEL" in
  web | sms) ;;
  *) echo "error: CHANNEL=$CHANNEL: use CHANNEL=web (the chat widget) or CHANNEL=sms (the SMS line)." >&2; exit 2 ;;
esac
.venv/bin/python -m bot.server.rasa_cli run --model "$model" --endpoints endpoints.yml --credentials credentials-shell.yml \
  --interface 127.0.0.1 --port "$SHELL_PORT" >> "$SHELL_LOG" 2>&1 &
RASA_PID=$!
cleanup() {
  trap - EXIT INT TERM HUP
  kill -TERM "$RASA_PID" "$ACTION_PID" 2>/dev/null
  wait "$RASA_PID" "$ACTION_PID" 2>/dev/null
}
echo "Loading the model (about 20 seconds) ..."
wait_for_http "http://127.0.0.1:$SHELL_PORT/" "$RASA_PID" 300 \
  || { echo "error: the shell's Rasa server did not start; see $SHELL_LOG." >&2; exit 1; }
# The prompt goes to stderr (Python's input() on a terminal): the client imports nothing that warns.
.venv/bin/python -m tools.shell --url "http://127.0.0.1:$SHELL_PORT" --channel "$CHANNEL" \
  --stories "${SHELL_STORIES:-tests/stories/saved}"
status=$?
if [ "$status" -ne 0 ] && [ "$status" -ne 130 ]; then
  echo "error: the shell stopped with status $status; the reason is at the end of $SHELL_LOG." >&2
fi
exit "$status"
