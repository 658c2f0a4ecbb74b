"""Settings read from environment variables, each with a safe local default."""
from __future__ import annotations

import os
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("IOP_VAR_DIR", ROOT / "var"))


def _sqlite_url(name: str) -> str:
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    return f"sqlite:///{VAR_DIR / name}"


def database_url() -> str:
    """The project's own tables (handoffs, callbacks, opt-outs, ...)."""
    return os.environ.get("DATABASE_URL") or _sqlite_url("iop.db")


def tracker_database_url() -> str:
    """Rasa's tracker store: the same database as the project's tables when DATABASE_URL is set."""
    return os.environ.get("TRACKER_DATABASE_URL") or os.environ.get("DATABASE_URL") or _sqlite_url("tracker.db")


def redis_url() -> str:
    """Only for several Rasa server processes: their lock store and the widget's socket.io messages."""
    return os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/1")


def profile_path() -> Path:
    return Path(os.environ.get("CLINIC_PROFILE", ROOT / "clinic.yml"))
