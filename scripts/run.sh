#!/usr/bin/env bash
# Starts the action server and the Rasa server on 127.0.0.1; Ctrl-C or SIGTERM stops both.
# `make run` builds, trains and migrates first; this script only starts what is ready.
set -uo pipefail
cd "$(dirname "$0")/.."
source scripts/common.sh

model=$(cat models/CURRENT 2>/dev/null) || { echo "error: no trained model: run 'make run' (or 'make train')." >&2; exit 1; }
check_profile
require_port "$ACTION_PORT" ACTION_PORT
require_port "$RASA_PORT" RASA_PORT

# The SMS line is enabled only when its secret is set (TWILIO_* variables, see README).
credentials=credentials.yml
if [ -n "${TWILIO_AUTH_TOKEN:-}" ]; then
  mkdir -p var
  { cat credentials.yml; printf '\n# Added by scripts/run.sh because TWILIO_AUTH_TOKEN is set.\nbot.channels.twilio.VerifiedTwilioInput:\n'; } > var/credentials.yml
  credentials=var/credentials.yml
fi

pids=()
stop() {
  trap - INT TERM EXIT
  echo "stopping..."
  kill -TERM "${pids[@]}" 2>/dev/null
  wait "${pids[@]}" 2>/dev/null
  exit "${1:-0}"
}
trap 'stop 0' INT TERM
trap 'stop $?' EXIT

start_action_server
pids+=("$ACTION_PID")
.venv/bin/rasa run --model "$model" --interface 127.0.0.1 --port "$RASA_PORT" \
  --endpoints endpoints.yml --credentials "$credentials" &
pids+=("$!")

if wait_for_http "http://127.0.0.1:$RASA_PORT/" "${pids[1]}" 240; then
  cat <<MSG

  The IOP helpline assistant is running.
    REST:      curl -s -XPOST http://127.0.0.1:$RASA_PORT/webhooks/rest/webhook -d '{"sender":"me","message":"hi"}'
    socket.io: http://127.0.0.1:$RASA_PORT/socket.io
    actions:   http://127.0.0.1:$ACTION_PORT/health
    SMS:       $( [ "$credentials" = credentials.yml ] && echo "off (set TWILIO_AUTH_TOKEN and friends to enable)" || echo "POST http://127.0.0.1:$RASA_PORT/webhooks/twilio/webhook (signed by Twilio)")
  Stop with Ctrl-C.

MSG
else
  echo "error: the Rasa server did not start (see its messages above)." >&2
  stop 1
fi

# Either server exiting stops the other.
wait -n "${pids[@]}"
stop $?
