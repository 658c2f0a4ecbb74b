"""The website chat widget's files, served by the Rasa server itself at /webhooks/chat/.

Only files: the widget talks to the bot over the socket.io channel (bot.channels.socketio), so this
channel accepts no messages. Serving from the same server keeps third parties out of the page (no CDN)
and lets the demo page's Content-Security-Policy allow 'self' only.

  GET /webhooks/chat/                  the demo page (web/demo.html)
  GET /webhooks/chat/widget.js         the widget; one <script src=".../widget.js" defer> tag creates it
  GET /webhooks/chat/widget.css, demo.css
  GET /webhooks/chat/socket.io.min.js  socket.io-client from web/node_modules (installed by npm at set-up)
  GET /webhooks/chat/config.json       public clinic details for the widget (no secrets)
"""
from __future__ import annotations

import hashlib
import logging
import re
from pathlib import Path
from typing import Any, Awaitable, Callable, Dict, Optional, Text

from rasa.core.channels.channel import InputChannel, UserMessage
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from bot.profile import ProfileError, current_profile
from bot.settings import ROOT

logger = logging.getLogger(__name__)

WEB_DIR = ROOT / "web"
SOCKET_IO_CLIENT = "node_modules/socket.io-client/dist/socket.io.min.js"
FILES = {
    "widget.js": ("widget.js", "application/javascript; charset=utf-8"),
    "widget.css": ("widget.css", "text/css; charset=utf-8"),
    "demo.css": ("demo.css", "text/css; charset=utf-8"),
    "socket.io.min.js": (SOCKET_IO_CLIENT, "application/javascript; charset=utf-8"),
}
# Revalidate every time (ETag makes that cheap): a clinic's fix to the widget reaches people at once.
COMMON_HEADERS = {"X-Content-Type-Options": "nosniff", "Cache-Control": "no-cache", "Referrer-Policy": "no-referrer"}
MISSING_CLIENT = ("The chat's socket.io client is not installed on this server: run 'make run' (or 'npm ci' in "
                  "web/). If you are in danger, call 911, or call or text 988.\n")
MISSING_FILE = "The chat widget's files are missing on this server. If you are in danger, call 911, or call or text 988.\n"
_SAFE_HOST = re.compile(r"[A-Za-z0-9.-]+(:\d{1,5})?|\[[0-9A-Fa-f:.]+\](:\d{1,5})?")


def demo_csp(host: Optional[str]) -> str:
    """Only this server: no inline code, no third-party scripts, fonts, frames or analytics. Older browsers
    do not count ws(s):// as 'self', so the socket's own host is named (only when it is a plain host)."""
    connect = "'self'"
    if host and _SAFE_HOST.fullmatch(host):
        connect += f" ws://{host} wss://{host}"
    return ("default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; "
            f"connect-src {connect}; base-uri 'none'; form-action 'none'; frame-ancestors 'none'")


def public_config() -> Dict[str, Any]:
    """What the widget shows before the first message. Everything here is already in the bot's answers."""
    profile = current_profile()
    digits = re.sub(r"\D", "", profile.phone)
    return {
        "program_name": profile.program_name,
        "phone": profile.phone,
        "phone_href": "tel:+" + (digits if len(digits) == 11 else "1" + digits),
        "office_hours": profile.office_hours,
        "retention_days": profile.retention_days,
    }


def _file_response(request: Request, path: Path, content_type: str, extra: Optional[Dict[str, str]] = None
                   ) -> HTTPResponse:
    if not path.is_file():
        logger.error("chat widget: %s is missing", path)
        missing = MISSING_CLIENT if path.name == "socket.io.min.js" else MISSING_FILE
        return response.text(missing, status=503, headers=COMMON_HEADERS)
    body = path.read_bytes()
    etag = '"' + hashlib.sha256(body).hexdigest()[:32] + '"'
    headers = {**COMMON_HEADERS, "ETag": etag, **(extra or {})}
    if request.headers.get("if-none-match") == etag:
        return response.empty(status=304, headers=headers)
    return response.raw(b"" if request.method == "HEAD" else body, content_type=content_type, headers=headers)


class ChatWidget(InputChannel):
    """Serves the widget's files; every conversation goes over socket.io."""

    @classmethod
    def name(cls) -> Text:
        return "chat"

    def __init__(self, web_dir: Optional[Path] = None) -> None:
        self.web_dir = Path(web_dir or WEB_DIR)

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        bp = Blueprint("chat_widget", __name__)

        @bp.route("/", methods=["GET", "HEAD"])
        async def demo(request: Request) -> HTTPResponse:
            return _file_response(request, self.web_dir / "demo.html", "text/html; charset=utf-8",
                                  {"Content-Security-Policy": demo_csp(request.host)})

        def serve(name: str) -> Callable[[Request], Awaitable[HTTPResponse]]:
            relative, content_type = FILES[name]

            async def handler(request: Request) -> HTTPResponse:
                return _file_response(request, self.web_dir / relative, content_type)

            return handler

        for name in FILES:
            bp.add_route(serve(name), "/" + name, methods=["GET", "HEAD"], name=name.replace(".", "_"))

        @bp.route("/config.json", methods=["GET", "HEAD"])
        async def config(request: Request) -> HTTPResponse:
            # Public, so any clinic page that embeds the widget may read it.
            headers = {**COMMON_HEADERS, "Access-Control-Allow-Origin": "*"}
            try:
                return response.json(public_config(), headers=headers)
            except ProfileError as exc:
                logger.error("chat widget: clinic profile unusable: %s", exc)
                return response.json({"error": "the clinic profile is not available"}, status=503, headers=headers)

        return bp
