"""Starts `scripts/run.sh` for real (Rasa, the action server and the staff console) for the tests that
need live servers: tests/integration and tests/browser. Each call gets its own ports and temp databases."""
from __future__ import annotations

import json
import os
import signal
import subprocess
import threading
import time
import urllib.error
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlencode

import pytest
from twilio.request_validator import RequestValidator

from bot.core.settings import ROOT
from tools.local_servers import free_port

SMS_TOKEN = "test-auth-token"
# Starts with "-" on purpose: run.sh must pass it so that rasa's argument parser does not take it for an
# option (a random token_urlsafe token did that about once in 64 starts).
API_TOKEN = "-test-api-token"


def post(port: int, sender: str, message: str):
    req = urllib.request.Request(f"http://127.0.0.1:{port}/webhooks/rest/webhook",
                                 data=json.dumps({"sender": sender, "message": message}).encode(),
                                 headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=60) as resp:
        return json.load(resp)


def sms(port, sender, body, sign=True, token=SMS_TOKEN, fields=None):
    """POST a form to the SMS webhook as Twilio would, signed with the auth token."""
    url = f"http://127.0.0.1:{port}/webhooks/twilio/webhook"
    params = fields if fields is not None else {"From": sender, "Body": body, "To": "+16175550100",
                                                "MessageSid": "SM" + "1" * 32}
    headers = {"Content-Type": "application/x-www-form-urlencoded"}
    if sign:
        headers["X-Twilio-Signature"] = RequestValidator(token).compute_signature(url, params)
    req = urllib.request.Request(url, data=urlencode(params).encode(), headers=headers)
    try:
        with urllib.request.urlopen(req, timeout=30) as resp:
            return resp.status
    except urllib.error.HTTPError as err:
        return err.code


class FakeTwilio:
    """Twilio's Messages API on 127.0.0.1: records what the bot sends instead of texting anyone."""

    def __init__(self):
        self.sent = []
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 - http.server's name
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0)).decode()
                form = {k: v[0] for k, v in parse_qs(body).items()}
                fake.sent.append({"to": form.get("To"), "body": form.get("Body"), "path": self.path})
                payload = json.dumps({"sid": f"SM{len(fake.sent):032d}", "status": "queued", "to": form.get("To"),
                                      "body": form.get("Body")}).encode()
                self.send_response(201)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def to(self, phone):
        return [m["body"] for m in self.sent if m["to"] == phone]

    def close(self):
        self.server.shutdown()


def start_servers(tmp: Path, twilio: FakeTwilio | None = None, extra_env: dict | None = None) -> dict:
    """Runs scripts/run.sh with temp SQLite databases; returns ports, env, process and log path."""
    if not (ROOT / "models" / "CURRENT").exists():
        pytest.fail("no trained model: run `make train` first")
    servers_count = int((extra_env or {}).get("RASA_SERVERS", 1))
    rasa_port, action_port, console_port = free_port(servers_count), free_port(), free_port()
    env = {**os.environ, "RASA_PORT": str(rasa_port), "ACTION_PORT": str(action_port),
           "CONSOLE_PORT": str(console_port), "RASA_API_TOKEN": API_TOKEN,
           "DATABASE_URL": f"sqlite:///{tmp / 'iop.db'}", "TRACKER_DATABASE_URL": f"sqlite:///{tmp / 'tracker.db'}"}
    if twilio is not None:
        env.update({"TWILIO_ACCOUNT_SID": "AC" + "0" * 32, "TWILIO_AUTH_TOKEN": SMS_TOKEN,
                    "TWILIO_NUMBER": "+16175550100",
                    "TWILIO_WEBHOOK_URL": f"http://127.0.0.1:{rasa_port}/webhooks/twilio/webhook",
                    "TWILIO_API_BASE_URL": f"http://127.0.0.1:{twilio.port}"})
    env.update(extra_env or {})
    subprocess.run([str(ROOT / ".venv/bin/python"), "-m", "bot.storage.migrate"], env=env, check=True, cwd=ROOT)
    log_path = tmp / "run.log"
    log = open(log_path, "w")
    proc = subprocess.Popen(["bash", "scripts/run.sh"], cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
                            start_new_session=True)
    deadline = time.time() + 300
    while time.time() < deadline:
        if proc.poll() is not None:
            pytest.fail("run.sh exited early:\n" + log_path.read_text()[-3000:])
        if "is running" in log_path.read_text():
            break
        time.sleep(1)
    else:
        os.killpg(proc.pid, signal.SIGKILL)
        pytest.fail("servers did not start in time:\n" + log_path.read_text()[-3000:])
    return {"proc": proc, "rasa": rasa_port, "rasa_ports": [rasa_port + i for i in range(servers_count)],
            "action": action_port, "console": console_port, "env": env,
            "db": tmp / "iop.db", "tracker_db": tmp / "tracker.db", "log": log_path}


def stop_servers(servers: dict) -> None:
    proc = servers["proc"]
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
