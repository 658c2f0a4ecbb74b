"""Which web pages may talk to the bot from a browser: the pages its own server serves, and the pages of the
sites listed in ALLOWED_ORIGINS (bot.core.settings.allowed_origins), e.g. the clinic's own website embedding the
widget or rasa-webchat.

Browsers send the page's origin with every socket.io request (the Origin header) and only let a page read
a cross-origin HTTP answer that names its origin in Access-Control-Allow-Origin. Both halves are done by the
libraries: python-engineio checks the Origin of every socket.io request, polling and WebSocket alike, and
answers a refused one with 400 and no CORS headers (`engineio_origin_check` is its `cors_allowed_origins`);
Sanic-CORS (Rasa's own dependency) writes the headers of the widget's config.json (bot.server.channels.widget).
"""
from __future__ import annotations

from functools import lru_cache
from typing import Any, Callable, Dict, FrozenSet, Iterable, Optional, Set

from bot.core.settings import SettingsError, parse_origins


def own_origins(environ: Dict[str, str]) -> FrozenSet[str]:
    """The origins of the bot's own pages, from the Host the browser asked for (or the X-Forwarded-Host a
    proxy passed on), as http or https: behind a TLS proxy the server itself only ever sees http, and the
    host alone is what makes a page the bot's own. A browser page cannot set either header on a socket.io
    request to another site (WebSocket requests carry no custom headers; polling ones would need a
    preflight, which is checked first)."""
    forwarded = environ.get("HTTP_X_FORWARDED_HOST", "").split(",")[0].strip()
    return _origins_of(environ.get("HTTP_HOST", "").strip()) | _origins_of(forwarded)


@lru_cache(maxsize=64)
def _origins_of(host: str) -> FrozenSet[str]:
    found: Set[str] = set()
    for scheme in ("http", "https") if host else ():
        try:
            found.update(parse_origins(f"{scheme}://{host}"))
        except SettingsError:  # not a host name: no page has it as its origin
            pass
    return frozenset(found)


def engineio_origin_check(allowed: Iterable[str]) -> Callable[[Optional[str], Dict[str, str]], bool]:
    """python-engineio's cors_allowed_origins as a function: it is called with the request's Origin header
    and its environ, and only an origin it accepts gets through (and gets CORS headers on polling)."""
    listed = frozenset(allowed)

    def accepts(origin: Optional[str], environ: Dict[str, str]) -> bool:
        if not origin:  # no Origin header: not a cross-site browser request (engineio lets these through)
            return True
        return origin in listed or origin in own_origins(environ)

    return accepts


def apply_to_socketio(sio: Any, allowed: Iterable[str]) -> None:
    """Rasa's channel builds its python-socketio server with cors_allowed_origins=[], which switches
    python-engineio's origin checks off: any site's page could open a WebSocket to the bot, and no site's
    page could use the polling transport (no CORS headers). The check is set on the built server through
    bot/server/rasa_seam.py."""
    from bot.server import rasa_seam

    rasa_seam.set_origin_check(sio, engineio_origin_check(allowed))
