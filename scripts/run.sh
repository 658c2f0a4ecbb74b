#!/usr/bin/env bash
# Starts the action server and the Rasa server on 127.0.0.1; Ctrl-C or SIGTERM stops both.
# `make run` builds, trains and migrates first; this script only starts what is ready.
set -uo pipefail
cd "$(dirname "$0")/.."
source scripts/common.sh

model=$(cat models/CURRENT 2>/dev/null) || { echo "error: no trained model: run 'make run' (or 'make train')." >&2; exit 1; }
check_profile
# Other sites whose pages may use the widget or any socket.io client (README, "Channels"): a wrong entry
# stops here with the reason, instead of the site being refused later without a word.
origins=$(.venv/bin/python -m bot.core.settings) || exit 1
require_port "$ACTION_PORT" ACTION_PORT
require_port "$RASA_PORT" RASA_PORT
CONSOLE_PORT=${CONSOLE_PORT:-5080}  # not 5006: RASA_SERVERS uses the ports after RASA_PORT
require_port "$CONSOLE_PORT" CONSOLE_PORT

# Rasa's HTTP API (used by the staff console) is never open: it needs this token. Without one in the
# environment, a random token is made for this run and handed to the console.
if [ -z "${RASA_API_TOKEN:-}" ]; then
  RASA_API_TOKEN=$(.venv/bin/python -c 'import secrets; print(secrets.token_hex(32))')
fi
export RASA_API_TOKEN CONSOLE_PORT RASA_URL="http://127.0.0.1:$RASA_PORT"

# Optional parts, switched on by their secrets (see README): the SMS line (TWILIO_AUTH_TOKEN and friends) and
# JWT checks on the widget's socket.io connections (SOCKETIO_JWT_SECRET). The secrets stay in the environment:
# the composed file only names the variable, which Rasa expands.
credentials=credentials.yml
if [ -n "${TWILIO_AUTH_TOKEN:-}" ] || [ -n "${SOCKETIO_JWT_SECRET:-}" ]; then
  mkdir -p var
  {
    if [ -n "${SOCKETIO_JWT_SECRET:-}" ]; then
      sed 's/^\(  session_persistence: true\)$/\1\n  jwt_key: ${SOCKETIO_JWT_SECRET}/' credentials.yml
    else
      cat credentials.yml
    fi
    if [ -n "${TWILIO_AUTH_TOKEN:-}" ]; then
      printf '\n# Added by scripts/run.sh because TWILIO_AUTH_TOKEN is set.\nbot.server.channels.twilio.VerifiedTwilioInput:\n'
    fi
  } > var/credentials.yml
  credentials=var/credentials.yml
fi

# Scale-out (README, "Scaling out"): RASA_SERVERS processes on RASA_PORT, RASA_PORT+1, ... sharing one
# PostgreSQL database, with Rasa's Redis lock store ordering each conversation's turns across them.
RASA_SERVERS=${RASA_SERVERS:-1}
endpoints=endpoints.yml
if [ -n "${REDIS_URL:-}" ]; then
  mkdir -p var
  { cat endpoints.yml; printf '\n# Added by scripts/run.sh because REDIS_URL is set.\nlock_store:\n  type: bot.server.lock_store.UrlRedisLockStore\n'; } > var/endpoints.yml
  endpoints=var/endpoints.yml
fi
if [ "$RASA_SERVERS" -gt 1 ]; then
  if [ -z "${REDIS_URL:-}" ]; then
    echo "error: RASA_SERVERS=$RASA_SERVERS needs REDIS_URL (the lock store that orders each conversation's turns)." >&2; exit 1
  fi
  case "${TRACKER_DATABASE_URL:-${DATABASE_URL:-sqlite}}" in
    sqlite*) echo "error: RASA_SERVERS=$RASA_SERVERS needs DATABASE_URL on PostgreSQL: SQLite is for one process." >&2; exit 1 ;;
  esac
  for ((i = 1; i < RASA_SERVERS; i++)); do require_port $((RASA_PORT + i)) RASA_PORT; done
fi
# Several Rasa workers already keep every core busy: TensorFlow's own thread pools in each would only
# fight over the cores (measured with `make bench`). Set the variables yourself to override.
if [ $((RASA_SERVERS * ${SANIC_WORKERS:-1})) -gt 1 ]; then
  export TF_INTRA_OP_PARALLELISM_THREADS=${TF_INTRA_OP_PARALLELISM_THREADS:-1}
  export TF_INTER_OP_PARALLELISM_THREADS=${TF_INTER_OP_PARALLELISM_THREADS:-1}
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
for ((i = 0; i < RASA_SERVERS; i++)); do
  # bot/server/serve.py adds --auth-token from RASA_API_TOKEN inside the process: on the command line `ps` would show
  # it to every local user.
  .venv/bin/python -m bot.server.serve --model "$model" --interface 127.0.0.1 --port $((RASA_PORT + i)) \
    --endpoints "$endpoints" --credentials "$credentials" --enable-api &
  pids+=("$!")
done

started=true
for ((i = 0; i < RASA_SERVERS; i++)); do
  wait_for_http "http://127.0.0.1:$((RASA_PORT + i))/" "${pids[$((i + 1))]}" 300 || started=false
done
if $started; then
  .venv/bin/python -m bot.console serve &
  pids+=("$!")
  wait_for_port "$CONSOLE_PORT" "$!" 60 || { echo "error: the staff console did not start." >&2; stop 1; }
  [ "$RASA_SERVERS" -gt 1 ] && echo "  $RASA_SERVERS Rasa servers: ports $RASA_PORT to $((RASA_PORT + RASA_SERVERS - 1)) (put a load balancer in front)"
  cat <<MSG

  The IOP helpline assistant is running.
    web chat:  http://127.0.0.1:$RASA_PORT/webhooks/chat/  (demo page with the widget)
    console:   http://127.0.0.1:$CONSOLE_PORT/  (staff; create an account with: make staff-user)
    REST:      curl -s -XPOST http://127.0.0.1:$RASA_PORT/webhooks/rest/webhook -d '{"sender":"me","message":"hi"}'
    socket.io: http://127.0.0.1:$RASA_PORT/socket.io
    sites:     the widget and socket.io clients work on $origins
    actions:   http://127.0.0.1:$ACTION_PORT/health
    SMS:       $( [ "$credentials" = credentials.yml ] && echo "off (set TWILIO_AUTH_TOKEN and friends to enable)" || echo "POST http://127.0.0.1:$RASA_PORT/webhooks/twilio/webhook (signed by Twilio)")
  Stop with Ctrl-C.

MSG
else
  echo "error: the Rasa server did not start (see its messages above)." >&2
  stop 1
fi

# Any server exiting stops the others.
wait -n "${pids[@]}"
stop $?
