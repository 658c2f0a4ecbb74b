# Shared by run.sh and shell.sh: port checks and starting the action server.
ACTION_PORT=${ACTION_PORT:-5055}
RASA_PORT=${RASA_PORT:-5005}
export ACTION_PORT RASA_PORT PYTHONPATH="${PYTHONPATH:-$PWD}" RASA_TELEMETRY_ENABLED=false

port_free() {
  .venv/bin/python - "$1" <<'PY'
import socket, sys
with socket.socket() as s:  # closed: an open one prints a ResourceWarning under PYTHONWARNINGS=default
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        s.bind(("127.0.0.1", int(sys.argv[1])))
    except OSError:
        sys.exit(1)
PY
}

require_port() {  # $1 port, $2 name of the variable that moves it, $3 the command (default: make run)
  if ! port_free "$1"; then
    echo "error: port $1 is already in use (another '${3:-make run}'?). Stop that program, or choose another port: $2=<port> ${3:-make run}" >&2
    exit 1
  fi
}

check_profile() {
  .venv/bin/python -m bot.core.profile >/dev/null || exit 1
}

start_action_server() {  # on 127.0.0.1:$ACTION_PORT; output as the caller's (shell.sh sends it to its log)
  SANIC_HOST=127.0.0.1 .venv/bin/rasa run actions --actions actions --port "$ACTION_PORT" &
  ACTION_PID=$!
}

wait_for_http() {  # $1 url, $2 pid to watch, $3 seconds
  for _ in $(seq 1 "$3"); do
    if .venv/bin/python -c "import urllib.request,sys; urllib.request.urlopen(sys.argv[1], timeout=2)" "$1" 2>/dev/null; then
      return 0
    fi
    kill -0 "$2" 2>/dev/null || return 1
    sleep 1
  done
  return 1
}

wait_for_port() {  # $1 port, $2 pid to watch, $3 seconds: until something listens on 127.0.0.1:$1
  for _ in $(seq 1 "$3"); do
    port_free "$1" || return 0
    kill -0 "$2" 2>/dev/null || return 1
    sleep 1
  done
  return 1
}
