"""`rasa run` with the HTTP API token taken from RASA_API_TOKEN instead of the command line.

A process's arguments are readable by every local user (`ps`, /proc/PID/cmdline), so scripts/run.sh starts
the Rasa server through this module with the other `rasa run` arguments; the token is added here, inside
the process, where only its own memory holds it. Like every Rasa process of the project, it installs the
project's changes to Rasa's internals first (bot/server/rasa_cli.py, bot/server/rasa_seam.install(): one explicit call that
checks the Rasa version).

    RASA_API_TOKEN=... python -m bot.server.serve --model models/x.tar.gz --enable-api [other rasa run arguments]
"""
from __future__ import annotations

import os
import sys


def main() -> int:
    token = os.environ.get("RASA_API_TOKEN", "")
    if not token:
        print("error: RASA_API_TOKEN is not set (scripts/run.sh makes one when it is missing).", file=sys.stderr)
        return 2
    from bot.server.rasa_cli import run_rasa

    return run_rasa(["run", *sys.argv[1:], f"--auth-token={token}"])  # "=": a token may start with "-"


if __name__ == "__main__":
    sys.exit(main())
