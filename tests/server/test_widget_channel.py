"""The chat widget's channel (bot.server.channels.widget): the files, their headers, and no way in for messages.

The blueprint runs in a real Sanic server on 127.0.0.1 (a thread of this process), mounted the way Rasa
mounts channels (/webhooks/<name>/), over a copy of web/ with a stand-in socket.io client, so the tests
do not depend on `npm ci` having run.
"""
from __future__ import annotations

import html
import itertools
import json
import re
import shutil
from pathlib import Path

import pytest
from sanic import Sanic

from bot.core import wording
from bot.server.channels import widget
from bot.server.channels.widget import SOCKET_IO_CLIENT, ChatWidget
from bot.core.profile import load_profile
from tests.sanic_server import ThreadedSanic

ROOT = Path(__file__).resolve().parents[2]
WEB = ROOT / "web"
FAKE_CLIENT = b"/* stand-in for socket.io.min.js */ window.io = function () {};"
_names = itertools.count()


def copy_web(target: Path, with_client: bool) -> Path:
    target.mkdir(parents=True)
    for name in ("widget.js", "widget.css", "demo.html", "demo.css"):
        shutil.copy(WEB / name, target / name)
    if with_client:
        client = target / SOCKET_IO_CLIENT
        client.parent.mkdir(parents=True)
        client.write_bytes(FAKE_CLIENT)
    return target


class Served(ThreadedSanic):
    """The channel's blueprint in a Sanic server on a free port."""

    def __init__(self, channel: ChatWidget) -> None:
        self.messages = []
        app = Sanic(f"widget_test_{next(_names)}")

        async def on_new_message(message) -> None:  # the widget channel must never call it
            self.messages.append(message)

        app.blueprint(channel.blueprint(on_new_message), url_prefix="/webhooks/chat")
        super().__init__(app)


CLINIC_SITE = "https://www.example-clinic.org"


@pytest.fixture(scope="module")
def channel(tmp_path_factory):
    return ChatWidget(web_dir=copy_web(tmp_path_factory.mktemp("web") / "web", with_client=True),
                      origins=[CLINIC_SITE])


@pytest.fixture(scope="module")
def served(channel):
    server = Served(channel)
    yield server
    server.close()


def test_the_channel_is_named_chat_and_needs_no_credentials(monkeypatch):
    monkeypatch.delenv("ALLOWED_ORIGINS", raising=False)
    assert ChatWidget.name() == "chat"
    assert isinstance(ChatWidget.from_credentials(None), ChatWidget)
    assert ChatWidget().web_dir == WEB
    assert ChatWidget().allowed_origins == ()  # the bot's own pages only
    monkeypatch.setenv("ALLOWED_ORIGINS", "https://Clinic.example.org/, http://localhost:8080")
    assert ChatWidget().allowed_origins == ("https://clinic.example.org", "http://localhost:8080")


@pytest.mark.parametrize("path", ["/webhooks/chat/", "/webhooks/chat"])
def test_the_demo_page_is_served_with_a_self_only_content_security_policy(served, path):
    status, headers, body = served.request(path)
    assert status == 200
    assert headers["Content-Type"].startswith("text/html")
    assert b'src="/webhooks/chat/widget.js"' in body
    csp = headers["Content-Security-Policy"]
    rules = dict(rule.strip().split(" ", 1) for rule in csp.split(";"))
    assert rules["default-src"] == "'none'"
    assert rules["script-src"] == "'self'"
    assert rules["style-src"] == "'self'"
    assert rules["frame-ancestors"] == "'none'"
    assert rules["connect-src"].split() == ["'self'", f"ws://127.0.0.1:{served.port}", f"wss://127.0.0.1:{served.port}"]
    assert "unsafe" not in csp and "*" not in csp
    assert headers["X-Content-Type-Options"] == "nosniff"


def test_a_strange_host_header_never_reaches_the_policy(served):
    _, headers, _ = served.request("/webhooks/chat/", headers={"Host": "evil.example; script-src *"})
    assert "evil" not in headers["Content-Security-Policy"]
    assert "connect-src 'self';" in headers["Content-Security-Policy"]


@pytest.mark.parametrize("name, content_type", [
    ("widget.js", "application/javascript"),
    ("widget.css", "text/css"),
    ("demo.css", "text/css"),
    ("socket.io.min.js", "application/javascript"),
])
def test_the_widget_files_are_served_with_their_types_and_safe_headers(served, channel, name, content_type):
    status, headers, body = served.request(f"/webhooks/chat/{name}")
    assert status == 200
    assert headers["Content-Type"] == f"{content_type}; charset=utf-8"
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Cache-Control"] == "no-cache"
    expected = FAKE_CLIENT if name == "socket.io.min.js" else (channel.web_dir / name).read_bytes()
    assert body == expected
    # Revalidation: an unchanged file costs a 304 and no body.
    status, _, body = served.request(f"/webhooks/chat/{name}", headers={"If-None-Match": headers["ETag"]})
    assert (status, body) == (304, b"")


def test_a_missing_socket_io_client_gets_a_clear_503(served, channel, tmp_path):
    saved = channel.web_dir
    channel.web_dir = copy_web(tmp_path / "web", with_client=False)
    try:
        status, headers, body = served.request("/webhooks/chat/socket.io.min.js")
        assert status == 503
        assert headers["Content-Type"].startswith("text/plain")
        assert b"npm ci" in body and b"988" in body
        # The widget itself is still there to show the crisis numbers.
        assert served.request("/webhooks/chat/widget.js")[0] == 200
    finally:
        channel.web_dir = saved


def test_the_demo_page_names_the_clinic_of_the_profile(served, monkeypatch, tmp_path):
    profile = load_profile()
    _, _, body = served.request("/webhooks/chat/")
    page = body.decode()
    for detail in (profile.program_name, profile.phone, profile.address, *profile.insurance_accepted):
        assert html.escape(detail, quote=False) in page
    assert f'href="tel:+1{re.sub(r"[^0-9]", "", profile.phone)[-10:]}"' in page
    assert "Example Recovery Center" not in page and "{{" not in page
    assert html.escape(wording.text("utter_page_emergency"), quote=False) in page  # from domain.yml
    # Another clinic's profile, with markup in its name: shown as text, and served without a restart.
    other = tmp_path / "clinic.yml"
    other.write_text((ROOT / "clinic.yml").read_text(encoding="utf-8").replace(
        f"program_name: {profile.program_name}", "program_name: North <b>Shore</b> & Co").replace(
        profile.phone, "(978) 555-0199"), encoding="utf-8")
    monkeypatch.setenv("CLINIC_PROFILE", str(other))
    _, _, body = served.request("/webhooks/chat/")
    page = body.decode()
    assert "<title>North &lt;b&gt;Shore&lt;/b&gt; &amp; Co: intensive" in page and "<b>" not in page
    assert 'href="tel:+19785550199">(978) 555-0199</a>' in page
    assert profile.program_name not in page


def test_the_demo_page_with_a_broken_profile_is_a_503_with_the_crisis_numbers(served, monkeypatch, tmp_path):
    bad = tmp_path / "clinic.yml"
    bad.write_text("program_name: [\n", encoding="utf-8")
    monkeypatch.setenv("CLINIC_PROFILE", str(bad))
    status, _, body = served.request("/webhooks/chat/")
    assert status == 503
    assert b"911" in body and b"988" in body and str(tmp_path).encode() not in body


def test_a_demo_page_that_cannot_be_rendered_is_a_503_with_the_crisis_numbers(served, channel, tmp_path):
    saved = channel.web_dir
    broken = copy_web(tmp_path / "web", with_client=True)
    (broken / "demo.html").write_text("<title>{{ profile.program_name </title>", encoding="utf-8")
    channel.web_dir = broken
    try:
        status, _, body = served.request("/webhooks/chat/")
        assert status == 503 and b"911" in body and b"988" in body
        (broken / "demo.html").unlink()
        status, _, body = served.request("/webhooks/chat/")
        assert status == 503 and b"911" in body and b"988" in body
        assert served.request("/webhooks/chat/widget.js")[0] == 200
    finally:
        channel.web_dir = saved


def test_config_has_the_public_clinic_details_and_nothing_else(served, monkeypatch):
    monkeypatch.setenv("TWILIO_AUTH_TOKEN", "secret-token-that-must-not-leak")
    status, headers, body = served.request("/webhooks/chat/config.json")
    assert status == 200
    assert "Access-Control-Allow-Origin" not in headers  # not a cross-site request
    config = json.loads(body)
    profile = load_profile()
    assert config == {
        "program_name": profile.program_name,
        "phone": profile.phone,
        "phone_href": "tel:+1" + re.sub(r"\D", "", profile.phone)[-10:],
        "office_hours": profile.office_hours,
        "retention_days": profile.retention_days,
        "crisis": widget.crisis_config(),
    }
    assert b"secret-token" not in body


def test_config_has_the_widget_s_crisis_wording_from_the_domain():
    responses = wording.responses()
    crisis = widget.crisis_config()
    assert crisis["texts"] == {key: responses[name][0]["text"] for key, name in widget.WIDGET_TEXTS.items()}
    assert crisis["lines"] == responses["utter_widget_crisis_lines"][0]["custom"]["lines"]
    assert all("911" in text and "988" in text for text in crisis["texts"].values())
    assert crisis["lines"]["emergency"] == ["Call 911", "tel:911"] and crisis["lines"]["lifelineText"] == ["Text 988", "sms:988"]


def test_the_widget_s_built_in_crisis_copy_is_the_domain_s():
    """widget.js keeps a copy for when config.json cannot be loaded: it must say what domain.yml says (after a
    change to domain.yml's utter_widget_*, copy them into widget.js's BUILT_IN)."""
    from tests.core.test_wording import BUILT_IN

    (copy,) = BUILT_IN.findall((ROOT / "web" / "widget.js").read_text())
    assert json.loads(copy) == widget.crisis_config()


def test_a_domain_that_cannot_be_read_leaves_the_widget_its_built_in_links(tmp_path, monkeypatch):
    monkeypatch.setattr(wording, "DOMAIN", tmp_path / "missing.yml")
    crisis = widget.crisis_config()
    assert "lines" not in crisis and set(crisis["texts"].values()) == {wording.LAST_RESORT}


def test_config_is_readable_from_an_allowed_site_only(served):
    status, headers, _ = served.request("/webhooks/chat/config.json", headers={"Origin": CLINIC_SITE})
    assert status == 200
    assert headers["Access-Control-Allow-Origin"] == CLINIC_SITE
    assert "Origin" in headers["Vary"]
    assert "Access-Control-Allow-Credentials" not in headers
    for other in ("https://evil.example", "http://www.example-clinic.org", CLINIC_SITE + ".evil.example", "null"):
        status, headers, _ = served.request("/webhooks/chat/config.json", headers={"Origin": other})
        assert status == 200  # the browser keeps the answer from the page
        assert not [h for h in headers if h.lower().startswith("access-control-")], other


def test_config_with_a_broken_profile_is_a_503_without_details(served, monkeypatch, tmp_path):
    bad = tmp_path / "clinic.yml"
    bad.write_text("program_name: [\n", encoding="utf-8")
    monkeypatch.setenv("CLINIC_PROFILE", str(bad))
    status, _, body = served.request("/webhooks/chat/config.json")
    assert status == 503
    assert str(tmp_path).encode() not in body


@pytest.mark.parametrize("path", ["/webhooks/chat/", "/webhooks/chat/widget.js", "/webhooks/chat/config.json"])
def test_the_channel_accepts_no_messages(served, path):
    body = json.dumps({"sender": "x", "message": "hi"}).encode()
    status, _, _ = served.request(path, method="POST", data=body, headers={"Content-Type": "application/json"})
    assert status == 405
    assert served.messages == []


def test_unknown_paths_are_not_served(served):
    assert served.request("/webhooks/chat/../credentials.yml")[0] == 404
    assert served.request("/webhooks/chat/package.json")[0] == 404
    assert served.request("/webhooks/chat/node_modules/socket.io-client/package.json")[0] == 404


# ---------- the files themselves ----------

def test_the_demo_page_has_no_inline_code_and_nothing_third_party():
    html = (WEB / "demo.html").read_text(encoding="utf-8")
    scripts = re.findall(r"<script\b([^>]*)>(.*?)</script>", html, re.S)
    assert scripts == [(' src="/webhooks/chat/widget.js" defer', "")]  # the one tag a clinic adds
    assert not re.search(r"\son[a-z]+\s*=", html), "inline event handlers are blocked by the CSP"
    assert "<style" not in html and " style=" not in html
    assert not re.search(r'<(script|link|img|iframe|object)\b[^>]*(src|href)="(https?:)?//', html), \
        "nothing may load from another host"


def test_the_widget_never_parses_text_as_html_and_loads_nothing_from_elsewhere():
    js = (WEB / "widget.js").read_text(encoding="utf-8")
    for risky in ("innerHTML", "outerHTML", "insertAdjacentHTML", "document.write", "eval(", "new Function"):
        assert risky not in js
    assert not re.search(r"https?://(?!<)", js), "the widget loads everything from its own server"
    assert "socket.io.min.js" in js and "widget.css" in js and "config.json" in js
    css = (WEB / "widget.css").read_text(encoding="utf-8")
    assert "@import" not in css and "url(" not in css and "@font-face" not in css


def test_the_socket_io_client_is_pinned_to_one_4x_version_in_package_and_lock():
    package = json.loads((WEB / "package.json").read_text(encoding="utf-8"))
    lock = json.loads((WEB / "package-lock.json").read_text(encoding="utf-8"))
    assert package["private"] is True
    version = package["dependencies"]["socket.io-client"]
    assert re.fullmatch(r"4\.\d+\.\d+", version), "an exact 4.x version, no range"
    assert lock["packages"]["node_modules/socket.io-client"]["version"] == version
    assert all("integrity" in entry for key, entry in lock["packages"].items() if key)


def test_rasa_webchat_is_pinned_as_a_development_dependency_only():
    """The browser tests load it from another origin (tests/browser/test_widget_origins.py); the server never
    serves it, so it is not a dependency of the widget."""
    package = json.loads((WEB / "package.json").read_text(encoding="utf-8"))
    lock = json.loads((WEB / "package-lock.json").read_text(encoding="utf-8"))
    version = package["devDependencies"]["rasa-webchat"]
    assert re.fullmatch(r"\d+\.\d+\.\d+", version), "an exact version, no range"
    assert "rasa-webchat" not in package["dependencies"]
    entry = lock["packages"]["node_modules/rasa-webchat"]
    assert entry["version"] == version and entry["dev"] is True
    assert "rasa-webchat" not in (WEB / "widget.js").read_text(encoding="utf-8")
