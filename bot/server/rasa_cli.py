"""Rasa's command line with the project's changes to Rasa installed first (bot/server/rasa_seam.install()).

Every Rasa process of the project that handles conversations starts here or in bot/server/serve.py, which calls
this: `rasa run` (scripts/run.sh through bot/server/serve.py, scripts/shell.sh) and `rasa test core` (make
conversation-test). install() checks the Rasa version and stops with the reason on another one.

    python -m bot.server.rasa_cli run --model models/x.tar.gz ...      (same arguments as `rasa`)
"""
from __future__ import annotations

import sys
from typing import List


def run_rasa(args: List[str]) -> int:
    from bot.server import rasa_seam

    try:
        rasa_seam.install()
    except rasa_seam.RasaVersionError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    from rasa.__main__ import main as rasa_main

    sys.argv = ["rasa", *args]
    rasa_main()
    return 0


if __name__ == "__main__":
    sys.exit(run_rasa(sys.argv[1:]))
