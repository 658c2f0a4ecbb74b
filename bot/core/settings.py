"""Settings read from environment variables, each with a safe local default."""
from __future__ import annotations

import os
import re
from pathlib import Path
from typing import List, Optional, Tuple
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parents[2]
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


class SettingsError(ValueError):
    """An environment variable that cannot be used; the message says which and why."""


DEFAULT_PORTS = {"http": 80, "https": 443}
_HOST = re.compile(r"[a-z0-9.-]+|[0-9a-f:.]+")  # a name or address; an IPv6 address comes without brackets


def parse_origins(value: str) -> Tuple[str, ...]:
    """`https://clinic.org, http://localhost:8080` -> each origin as a browser writes it in its Origin header
    (scheme and host in lower case, no default port, no trailing slash). Anything else is refused by name:
    a wrong entry would otherwise be ignored in silence and the widget would not connect from that site."""
    origins: List[str] = []
    bad: List[str] = []
    for item in filter(None, (part.strip() for part in value.split(","))):
        origin = _origin(item)
        if origin is None:
            bad.append(repr(item))
        elif origin not in origins:
            origins.append(origin)
    if bad:
        raise SettingsError(
            f"ALLOWED_ORIGINS: {', '.join(bad)} {'is not an origin' if len(bad) == 1 else 'are not origins'}: "
            "write each site as scheme and host, with the port if it is not the usual one, separated by commas, "
            "e.g. ALLOWED_ORIGINS=https://www.example-clinic.org,https://example-clinic.org ('*' is not "
            "accepted: name the sites)")
    return tuple(origins)


def _origin(item: str) -> Optional[str]:
    try:
        url = urlsplit(item)
        port = url.port
    except ValueError:
        return None
    scheme, host = url.scheme.lower(), (url.hostname or "").lower()
    if (scheme not in DEFAULT_PORTS or not _HOST.fullmatch(host) or url.path not in ("", "/") or url.query
            or url.fragment or url.username is not None or url.password is not None):
        return None
    if ":" in host:  # IPv6
        host = f"[{host}]"
    return f"{scheme}://{host}" + (f":{port}" if port is not None and port != DEFAULT_PORTS[scheme] else "")


def allowed_origins() -> Tuple[str, ...]:
    """ALLOWED_ORIGINS: the other sites (origins) whose pages may embed the chat widget, or use any socket.io
    client such as rasa-webchat. Empty (the default): only the pages of the bot's own server."""
    return parse_origins(os.environ.get("ALLOWED_ORIGINS", ""))


if __name__ == "__main__":  # `python -m bot.core.settings`: the start-up check of scripts/run.sh
    try:
        found = allowed_origins()
    except SettingsError as exc:
        raise SystemExit(f"error: {exc}") from None
    print("this server's own pages" + (" and " + ", ".join(found) if found else " only (ALLOWED_ORIGINS is not set)"))
