"""ALLOWED_ORIGINS: which sites' pages may talk to the bot (bot.core.settings, bot.server.channels.origins).

The socket.io half runs for real: the project's socket.io channel mounted the way `rasa run` mounts it
(Rasa's own app-wide Sanic-CORS included) in a Sanic server on 127.0.0.1, asked for socket.io's polling
handshake and a WebSocket with the Origin header a browser would send. The browser tests
(tests/browser/test_widget_origins.py) show the same with the widget and rasa-webchat in chromium.
"""
from __future__ import annotations

import asyncio
import itertools
import os
import subprocess
import sys

import pytest
import websockets
from rasa.core.channels.channel import register
from rasa.server import configure_cors
from sanic import Sanic

from bot.server.channels.origins import engineio_origin_check, own_origins
from bot.server.channels.socketio import GuardedSocketIOInput
from bot.core.settings import ROOT, SettingsError, allowed_origins, parse_origins
from tests.sanic_server import ThreadedSanic

CLINIC_SITE = "https://www.example-clinic.org"
HANDSHAKE = "/socket.io/?EIO=4&transport=polling"
_names = itertools.count()


# ---------- the setting ----------

def test_origins_are_written_as_browsers_send_them(monkeypatch):
    monkeypatch.setenv("ALLOWED_ORIGINS", " https://WWW.Example-Clinic.org/ ,http://localhost:8080,"
                                          "https://www.example-clinic.org:443,, http://[::1]:80")
    assert allowed_origins() == (CLINIC_SITE, "http://localhost:8080", "http://[::1]")


def test_unset_or_empty_means_the_bots_own_pages_only(monkeypatch):
    monkeypatch.delenv("ALLOWED_ORIGINS", raising=False)
    assert allowed_origins() == ()
    monkeypatch.setenv("ALLOWED_ORIGINS", " ")
    assert allowed_origins() == ()


@pytest.mark.parametrize("value", ["*", "www.example-clinic.org", "https://www.example-clinic.org/chat",
                                   "https://*.example-clinic.org", "ftp://example.org", "https://user@example.org",
                                   "https://example.org:99999", "https://example.org?x=1"])
def test_anything_but_an_origin_is_refused_by_name(value):
    with pytest.raises(SettingsError) as refused:
        parse_origins(f"{CLINIC_SITE},{value}")
    assert repr(value) in str(refused.value) and "ALLOWED_ORIGINS" in str(refused.value)


@pytest.mark.parametrize("value, code, said", [("clinic.org", 1, "'clinic.org' is not an origin"),
                                               (CLINIC_SITE + "/", 0, f"own pages and {CLINIC_SITE}\n"),
                                               ("", 0, "own pages only")])
def test_the_start_up_check_of_run_sh_says_what_is_wrong(value, code, said):
    env = {**os.environ, "ALLOWED_ORIGINS": value}
    done = subprocess.run([sys.executable, "-m", "bot.core.settings"], env=env, capture_output=True, text=True,
                          cwd=ROOT)
    assert done.returncode == code
    assert said in done.stdout + done.stderr


def test_the_bots_own_origin_comes_from_the_host_asked_for():
    assert own_origins({"HTTP_HOST": "127.0.0.1:5005"}) == {"http://127.0.0.1:5005", "https://127.0.0.1:5005"}
    # Behind a proxy that passes the public host on.
    behind = {"HTTP_HOST": "127.0.0.1:5005", "HTTP_X_FORWARDED_HOST": "chat.example.org, 10.0.0.1"}
    assert "https://chat.example.org" in own_origins(behind)
    assert own_origins({"HTTP_HOST": "evil.example/; x"}) == frozenset()
    check = engineio_origin_check([CLINIC_SITE])
    assert check(CLINIC_SITE, {"HTTP_HOST": "127.0.0.1:5005"})
    assert check(None, {"HTTP_HOST": "127.0.0.1:5005"})  # no Origin: not a browser page on another site
    assert not check("https://evil.example", {"HTTP_HOST": "127.0.0.1:5005"})
    assert not check("null", {"HTTP_HOST": "127.0.0.1:5005"})


# ---------- the socket.io server ----------

class SocketServer(ThreadedSanic):
    """GuardedSocketIOInput in a Sanic app built as `rasa run` builds it."""

    def __init__(self) -> None:
        app = Sanic(f"origins_test_{next(_names)}")
        configure_cors(app, None)  # what rasa run does without --cors
        self.channel = GuardedSocketIOInput(session_persistence=True)
        register([self.channel], app, route="/webhooks/")
        super().__init__(app)

    @property
    def own(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def get(self, path: str, headers=None, method: str = "GET"):
        return self.request(path, method=method, headers=headers)

    def websocket(self, origin: str, extra=None):
        """The engine.io open packet ('0{...}') when the WebSocket is accepted, else the refusal."""
        async def open_():
            try:
                async with websockets.connect(f"ws://127.0.0.1:{self.port}/socket.io/?EIO=4&transport=websocket",
                                              origin=origin, extra_headers=extra or {}, open_timeout=10) as ws:
                    return await asyncio.wait_for(ws.recv(), 10)
            except websockets.InvalidStatusCode as refused:
                return refused.status_code

        # On the server's own loop (in its thread): this thread may have one running (Playwright).
        return asyncio.run_coroutine_threadsafe(open_(), self.loop).result(30)


@pytest.fixture(scope="module")
def started():
    """One server per value of ALLOWED_ORIGINS, each started with it in the environment as run.sh does."""
    running = {}

    def start(value):
        if value not in running:
            with pytest.MonkeyPatch.context() as patch:
                if value is None:
                    patch.delenv("ALLOWED_ORIGINS", raising=False)
                else:
                    patch.setenv("ALLOWED_ORIGINS", value)
                running[value] = SocketServer()
        return running[value]

    yield start
    for server in running.values():
        server.close()


@pytest.fixture()
def socket_server(request, started):
    """The server started with ALLOWED_ORIGINS=CLINIC_SITE, or (param None) without ALLOWED_ORIGINS."""
    return started(getattr(request, "param", CLINIC_SITE))


def cors_headers(headers):
    return {k: v for k, v in headers.items() if k.lower().startswith("access-control-")}


def test_an_allowed_site_gets_the_polling_handshake_with_cors_headers(socket_server):
    status, headers, body = socket_server.get(HANDSHAKE, {"Origin": CLINIC_SITE})
    assert status == 200 and body.startswith(b"0{")
    assert cors_headers(headers) == {"Access-Control-Allow-Origin": CLINIC_SITE}  # no credentials


def test_an_allowed_site_gets_a_websocket(socket_server):
    assert socket_server.websocket(CLINIC_SITE).startswith("0{")


@pytest.mark.parametrize("origin", ["https://evil.example", "http://www.example-clinic.org",
                                    "https://www.example-clinic.org.evil.example", "null"])
def test_any_other_site_is_refused_on_both_transports_without_cors_headers(socket_server, origin):
    status, headers, body = socket_server.get(HANDSHAKE, {"Origin": origin})
    assert status == 400 and b"not an accepted origin" in body
    assert cors_headers(headers) == {}
    assert socket_server.websocket(origin) == 400


def test_a_refused_sites_preflight_gets_no_allow_origin(socket_server):
    status, headers, _ = socket_server.get(HANDSHAKE, {"Origin": "https://evil.example",
                                                       "Access-Control-Request-Method": "POST",
                                                       "Access-Control-Request-Headers": "x-test"}, method="OPTIONS")
    assert "Access-Control-Allow-Origin" not in headers and "Access-Control-Allow-Credentials" not in headers


@pytest.mark.parametrize("socket_server", [None, CLINIC_SITE], indirect=True)
def test_the_bots_own_pages_always_get_through(socket_server):
    for origin in (socket_server.own, socket_server.own.replace("http:", "https:")):  # https: behind a TLS proxy
        status, _, body = socket_server.get(HANDSHAKE, {"Origin": origin})
        assert status == 200 and body.startswith(b"0{"), origin
        assert socket_server.websocket(origin).startswith("0{")
    # A client that is not a browser page sends no Origin (the REST-like socket.io clients, the tests).
    assert socket_server.get(HANDSHAKE)[0] == 200
    # A proxy in front, passing the public host on.
    public = {"X-Forwarded-Host": "chat.example.org", "X-Forwarded-Proto": "https"}
    assert socket_server.get(HANDSHAKE, {"Origin": "https://chat.example.org", **public})[0] == 200
    assert socket_server.websocket("https://chat.example.org", public).startswith("0{")


@pytest.mark.parametrize("socket_server", [None], indirect=True)
def test_by_default_no_other_site_gets_through(socket_server):
    assert socket_server.get(HANDSHAKE, {"Origin": CLINIC_SITE})[0] == 400
    assert socket_server.websocket(CLINIC_SITE) == 400
