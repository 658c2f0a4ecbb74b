"""The website chat widget's files, served by the Rasa server itself at /webhooks/chat/.

Only files: the widget talks to the bot over the socket.io channel (bot.server.channels.socketio), so this
channel accepts no messages. Serving from the same server keeps third parties out of the page (no CDN)
and lets the demo page's Content-Security-Policy allow 'self' only.

  GET /webhooks/chat/                  the demo page (web/demo.html, a Jinja2 template filled from clinic.yml)
  GET /webhooks/chat/widget.js         the widget; one <script src=".../widget.js" defer> tag creates it
  GET /webhooks/chat/widget.css, demo.css
  GET /webhooks/chat/socket.io.min.js  socket.io-client from web/node_modules (installed by npm at set-up)
  GET /webhooks/chat/config.json       public clinic details for the widget (no secrets), and its crisis wording:
                                       the status lines when the server is slow or unreachable and the crisis
                                       links, from domain.yml (utter_widget_*), so the numbers are written once

The files are loaded by <script> and <link> tags, which any page may use. config.json is read with fetch,
so a page on another site reads it only when that site is in ALLOWED_ORIGINS (bot/server/channels/origins.py):
Sanic-CORS then names the page's origin in Access-Control-Allow-Origin; any other site gets no CORS header.
"""
from __future__ import annotations

import hashlib
import logging
import re
from pathlib import Path
from typing import Any, Awaitable, Callable, Dict, Iterable, Optional, Text

from jinja2 import Environment, FileSystemLoader, TemplateError, TemplateNotFound, select_autoescape
from rasa.core.channels.channel import InputChannel, UserMessage
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse
from sanic_cors import cross_origin

from bot.core import wording
from bot.core.profile import ProfileError, current_profile
from bot.core.settings import ROOT, allowed_origins

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
# What a browser shows when a page cannot be served (domain.yml's utter_page_*, bot/core/wording.py).
MISSING_CLIENT = wording.text("utter_page_missing_client") + "\n"
MISSING_FILE = wording.text("utter_page_missing_file") + "\n"
NO_PROFILE = wording.text("utter_page_no_profile") + "\n"
NO_PAGE = wording.text("utter_page_unavailable") + "\n"
# The widget's own crisis wording (web/widget.js keeps a built-in copy for when config.json cannot be loaded).
WIDGET_TEXTS = {"stuck": "utter_widget_stuck", "reconnecting": "utter_widget_reconnecting",
                "slow": "utter_widget_slow", "failed": "utter_widget_failed"}
WIDGET_LINES = "utter_widget_crisis_lines"
_SAFE_HOST = re.compile(r"[A-Za-z0-9.-]+(:\d{1,5})?|\[[0-9A-Fa-f:.]+\](:\d{1,5})?")


def demo_csp(host: Optional[str]) -> str:
    """Only this server: no inline code, no third-party scripts, fonts, frames or analytics. Older browsers
    do not count ws(s):// as 'self', so the socket's own host is named (only when it is a plain host)."""
    connect = "'self'"
    if host and _SAFE_HOST.fullmatch(host):
        connect += f" ws://{host} wss://{host}"
    return ("default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; "
            f"connect-src {connect}; base-uri 'none'; form-action 'none'; frame-ancestors 'none'")


def phone_href(phone: str) -> str:
    digits = re.sub(r"\D", "", phone)
    return "tel:+" + (digits if len(digits) == 11 else "1" + digits)


def crisis_config() -> Dict[str, Any]:
    """The widget's crisis wording from domain.yml: its status lines (each with 911 and 988) and its crisis links
    ({key: [label, href]}). Without the links (a domain.yml that cannot be read) only the texts, which are then
    bot/core/wording.py's last-resort line: the widget keeps its built-in links."""
    config: Dict[str, Any] = {"texts": {key: wording.text(name) for key, name in WIDGET_TEXTS.items()}}
    lines = (wording.custom(WIDGET_LINES) or {}).get("lines")
    if isinstance(lines, dict) and lines:
        config["lines"] = {key: list(value) for key, value in lines.items()}
    return config


def public_config() -> Dict[str, Any]:
    """What the widget shows before the first message. Everything here is already in the bot's answers."""
    profile = current_profile()
    return {
        "program_name": profile.program_name,
        "phone": profile.phone,
        "phone_href": phone_href(profile.phone),
        "office_hours": profile.office_hours,
        "retention_days": profile.retention_days,
        "crisis": crisis_config(),
    }


def _file_response(request: Request, path: Path, content_type: str, extra: Optional[Dict[str, str]] = None
                   ) -> HTTPResponse:
    if not path.is_file():
        logger.error("chat widget: %s is missing", path)
        missing = MISSING_CLIENT if path.name == "socket.io.min.js" else MISSING_FILE
        return response.text(missing, status=503, headers=COMMON_HEADERS)
    return _body_response(request, path.read_bytes(), content_type, extra)


def _body_response(request: Request, body: bytes, content_type: str, extra: Optional[Dict[str, str]] = None
                   ) -> HTTPResponse:
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

    def __init__(self, web_dir: Optional[Path] = None, origins: Optional[Iterable[str]] = None) -> None:
        self.web_dir = Path(web_dir or WEB_DIR)
        # The other sites whose pages may read config.json (ALLOWED_ORIGINS; none: the bot's own pages only).
        self.allowed_origins = tuple(allowed_origins() if origins is None else origins)

    @property
    def web_dir(self) -> Path:
        return self._web_dir

    @web_dir.setter
    def web_dir(self, path: Path) -> None:
        self._web_dir = Path(path)
        # The demo page is a template: the clinic's name, numbers and address come from clinic.yml when it is
        # served (Jinja2 reloads it when the file changes, and escapes every value).
        self.templates = Environment(loader=FileSystemLoader(str(self._web_dir)), autoescape=select_autoescape(
            default=True), keep_trailing_newline=True)

    def demo_page(self) -> bytes:
        profile = current_profile()
        page = self.templates.get_template("demo.html")
        return page.render(profile=profile, phone_href=phone_href(profile.phone),
                           emergency=wording.text("utter_page_emergency")).encode("utf-8")

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        bp = Blueprint("chat_widget", __name__)

        @bp.route("/", methods=["GET", "HEAD"])
        async def demo(request: Request) -> HTTPResponse:
            try:
                body = self.demo_page()
            except TemplateNotFound:
                logger.error("chat widget: %s is missing", self.web_dir / "demo.html")
                return response.text(MISSING_FILE, status=503, headers=COMMON_HEADERS)
            except ProfileError as exc:
                logger.error("chat widget: clinic profile unusable: %s", exc)
                return response.text(NO_PROFILE, status=503, headers=COMMON_HEADERS)
            except TemplateError as exc:
                logger.error("chat widget: %s cannot be rendered: %s", self.web_dir / "demo.html", exc)
                return response.text(NO_PAGE, status=503, headers=COMMON_HEADERS)
            return _body_response(request, body, "text/html; charset=utf-8",
                                  {"Content-Security-Policy": demo_csp(request.host)})

        def serve(name: str) -> Callable[[Request], Awaitable[HTTPResponse]]:
            relative, content_type = FILES[name]

            async def handler(request: Request) -> HTTPResponse:
                return _file_response(request, self.web_dir / relative, content_type)

            return handler

        for name in FILES:
            bp.add_route(serve(name), "/" + name, methods=["GET", "HEAD"], name=name.replace(".", "_"))

        @bp.route("/config.json", methods=["GET", "HEAD"])
        @cross_origin(bp, origins=list(self.allowed_origins), methods=["GET", "HEAD"], always_send=False,
                      supports_credentials=False, automatic_options=False, send_wildcard=False)
        async def config(request: Request) -> HTTPResponse:
            # Read by the widget on the clinic's pages: the bot's own, and those of ALLOWED_ORIGINS.
            headers = {**COMMON_HEADERS, "Vary": "Origin"}
            try:
                return response.json(public_config(), headers=headers)
            except ProfileError as exc:
                logger.error("chat widget: clinic profile unusable: %s", exc)
                return response.json({"error": "the clinic profile is not available"}, status=503, headers=headers)

        return bp
