"""`make shell` beside a running `make run` (issue 25): staff chat with the bot in a terminal while the live
servers keep their ports. The live servers are started as the other integration tests start them; `make
shell` is driven through a real pseudo-terminal, which answers the terminal queries a real one answers.

Needs the trained model (models/CURRENT): `make shell` must use it, not train.
"""
from __future__ import annotations

import fcntl
import json
import os
import pty
import re
import select
import signal
import struct
import subprocess
import termios
import time
import urllib.request
from pathlib import Path

import pytest

from bot.core.profile import load_profile
from bot.core.settings import ROOT
from tools.local_servers import free_port
from tests.servers import FakeTwilio, post, sms, start_servers, stop_servers

ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]|\x1b[()][A-Za-z0-9]|[\x00-\x08\x0b-\x1f]")
PROMPT = "Your input ->"
# What Python's warnings module, a traceback or a logging handler puts on a terminal.
NOISE = re.compile(r"\b\w*Warning: |warnings\.warn|Traceback \(most recent call last\)|site-packages"
                   r"|\b(?:DEBUG|INFO|WARNING|ERROR)\s+[\w.]+\s+- ")


class Terminal:
    """A child process on a pseudo-terminal of 24 x 120, as a person's terminal would run it."""

    def __init__(self, argv: list, env: dict, cwd: Path):
        self.pid, self.fd = pty.fork()
        if self.pid == 0:  # the child: a session leader whose controlling terminal is the pty
            try:
                os.chdir(cwd)
                os.execvpe(argv[0], argv, env)
            finally:
                os._exit(127)
        fcntl.ioctl(self.fd, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 120, 0, 0))
        self.raw = b""
        self.status = None

    @property
    def text(self) -> str:
        return ANSI.sub("", self.raw.decode("utf-8", "replace"))

    def _read(self, seconds: float) -> bool:
        ready, _, _ = select.select([self.fd], [], [], seconds)
        if not ready:
            return True
        try:
            data = os.read(self.fd, 65536)
        except OSError:  # EIO: the child closed the terminal
            return False
        if not data:
            return False
        self.raw += data
        # prompt_toolkit asks where the cursor is; a terminal answers (else it prints a warning of its own).
        for _ in range(data.count(b"\x1b[6n")):
            os.write(self.fd, b"\x1b[24;1R")
        return True

    def expect(self, pattern: str, after: int = 0, timeout: float = 60) -> bool:
        """Reads until `pattern` (a regex) appears in the text from offset `after`, the child ends, or time is up."""
        deadline = time.time() + timeout
        while time.time() < deadline:
            if re.search(pattern, self.text[after:]):
                return True
            if not self._read(0.5):
                return bool(re.search(pattern, self.text[after:]))
        return False

    def send(self, line: str) -> None:
        os.write(self.fd, line.encode() + b"\r")

    def wait(self, timeout: float) -> int | None:
        deadline = time.time() + timeout
        while self.status is None and time.time() < deadline:
            self._read(0.2)
            pid, status = os.waitpid(self.pid, os.WNOHANG)
            if pid:
                self.status = os.waitstatus_to_exitcode(status)
        return self.status

    def group_alive(self) -> bool:
        try:
            os.killpg(self.pid, 0)
        except ProcessLookupError:
            return False
        return True

    def kill(self) -> None:
        """Every process left in the terminal's session (make, the script, Rasa, the action server)."""
        for sig in (signal.SIGTERM, signal.SIGKILL):
            if not self.group_alive():
                break
            os.killpg(self.pid, sig)
            deadline = time.time() + 20
            while self.group_alive() and time.time() < deadline:
                if self.status is None:
                    self.wait(0.5)
                else:
                    time.sleep(0.2)
        if self.status is None:
            self.wait(5)
        os.close(self.fd)


def listening_addresses(port: int) -> set:
    """The local addresses with a socket listening on `port` (IPv4 and IPv6), from /proc/net."""
    found = set()
    for table, width in (("/proc/net/tcp", 8), ("/proc/net/tcp6", 32)):
        try:
            lines = Path(table).read_text().splitlines()[1:]
        except OSError:
            continue
        for line in lines:
            local, state = line.split()[1], line.split()[3]
            address, hex_port = local.split(":")
            if state != "0A" or int(hex_port, 16) != port:
                continue
            raw = bytes.fromhex(address)
            if width == 8:
                found.add(".".join(str(b) for b in raw[::-1]))
            else:  # four little-endian 32-bit words
                words = [raw[i:i + 4][::-1] for i in range(0, 16, 4)]
                found.add(":".join(b"".join(words)[i:i + 2].hex() for i in range(0, 16, 2)))
    return found


@pytest.fixture(scope="module")
def live(tmp_path_factory):
    twilio = FakeTwilio()
    running = start_servers(tmp_path_factory.mktemp("live"), twilio)
    running["twilio"] = twilio
    yield running
    stop_servers(running)
    if running["proc"].poll() is None:
        os.killpg(running["proc"].pid, signal.SIGKILL)
    twilio.close()


def preview(shell_port: int, sender: str, text: str) -> list:
    body = json.dumps({"sender": sender, "message": text, "channel": "sms"}).encode()
    request = urllib.request.Request(f"http://127.0.0.1:{shell_port}/webhooks/preview/webhook", data=body,
                                     headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=90) as reply:
        return [part["text"] for part in json.load(reply)["texts"]]


def texted(live: dict, phone: str, text: str) -> list:
    """What the SMS line texts back for one message: the fake Twilio API's record once it stops growing."""
    before = len(live["twilio"].to(phone))
    assert sms(live["rasa"], phone, text) == 200
    deadline, seen, quiet_since = time.time() + 60, before, time.time()
    while time.time() < deadline:
        now = len(live["twilio"].to(phone))
        if now != seen:
            seen, quiet_since = now, time.time()
        elif now > before and time.time() - quiet_since > 2:
            break
        time.sleep(0.2)
    return live["twilio"].to(phone)[before:]


def test_make_shell_runs_beside_make_run_on_its_own_loopback_ports(live, tmp_path):
    if not Path("/proc/net/tcp").exists():
        pytest.skip("reads listening sockets from /proc/net (Linux)")
    shell_port, shell_action_port = free_port(), free_port()
    while shell_action_port == shell_port:
        shell_action_port = free_port()
    log = tmp_path / "shell.log"
    env = {k: v for k, v in live["env"].items() if not k.startswith(("MAKE", "MFLAGS"))}
    # The live servers' ports stay in the environment (the Makefile exports RASA_PORT and ACTION_PORT), and
    # every warning is switched on, so that what keeps them off the screen is the shell, not a filter.
    env.update({"SHELL_PORT": str(shell_port), "SHELL_ACTION_PORT": str(shell_action_port),
                "SHELL_LOG": str(log), "PYTHONWARNINGS": "default", "TERM": "xterm-256color"})
    env.pop("SQLALCHEMY_SILENCE_UBER_WARNING", None)
    insurers = load_profile().insurance_accepted
    model = (ROOT / "models" / "CURRENT").read_text().strip()

    term = Terminal(["make", "--no-print-directory", "shell"], env, ROOT)
    try:
        if not term.expect(re.escape(PROMPT), timeout=300):
            log_tail = log.read_text()[-3000:] if log.exists() else "(no log)"
            pytest.fail(f"no prompt from make shell:\n{term.text[-3000:]}\n--- {log} ---\n{log_tail}")

        # One line says where the logs went; the shell serves the live bot's model.
        assert f"logs and warnings go to {log}" in term.text
        assert model in term.text
        # Its own servers listen on 127.0.0.1 only; the live ones are untouched and still answer.
        assert listening_addresses(shell_port) == {"127.0.0.1"}
        assert listening_addresses(shell_action_port) == {"127.0.0.1"}
        assert post(live["rasa"], "beside-the-shell", "hi")

        start = len(term.text)
        term.send("do you take my insurance")
        names = "|".join(re.escape(name) for name in insurers)
        assert term.expect(f"({names})", after=start, timeout=90), term.text[start:][-2000:]

        term.send("/stop")
        assert term.wait(60) == 0, term.text[-2000:]
        # The script stopped its own action server: nothing of the shell is left, its ports are free again.
        deadline = time.time() + 30
        while term.group_alive() and time.time() < deadline:
            time.sleep(0.5)
        assert not term.group_alive()
        # (Nothing listens; a bind test would trip over the closed connections' TIME_WAIT.)
        assert listening_addresses(shell_port) == set() and listening_addresses(shell_action_port) == set()
    finally:
        term.kill()

    screen = term.text
    noise = [line for line in screen.splitlines() if NOISE.search(line)]
    assert not noise, "warnings or log lines on the terminal:\n" + "\n".join(noise[:20])
    # They were there to print (PYTHONWARNINGS=default): they went to the log instead.
    logged = log.read_text()
    assert re.search(r"\w+Warning: ", logged) and "Rasa server is up and running" in logged
    # The live servers kept running all along.
    assert live["proc"].poll() is None
    assert post(live["rasa"], "after-the-shell", "hi")


def test_make_shell_channel_sms_shows_the_texts_the_sms_line_sends(live, tmp_path):
    """CHANNEL=sms: each text as the SMS line sends it (the SMS wording, numbered choices), with its segments
    and encoding; /help lists the commands; a crisis typed here gets the crisis reply, in test conversations."""
    shell_port, shell_action_port = free_port(), free_port()
    while shell_action_port == shell_port:
        shell_action_port = free_port()
    env = {k: v for k, v in live["env"].items() if not k.startswith(("MAKE", "MFLAGS"))}
    env.update({"SHELL_PORT": str(shell_port), "SHELL_ACTION_PORT": str(shell_action_port),
                "SHELL_LOG": str(tmp_path / "shell.log"), "TERM": "xterm-256color",
                "SHELL_STORIES": str(tmp_path / "stories")})
    term = Terminal(["make", "--no-print-directory", "shell", "CHANNEL=sms"], env, ROOT)
    try:
        assert term.expect(re.escape(PROMPT), timeout=300), term.text[-3000:]
        assert "as the SMS line answers" in term.text and "test conversation staff-test-" in term.text
        start = len(term.text)
        term.send("/help")
        assert term.expect(r"/restart", after=start, timeout=10)
        start = len(term.text)
        term.send("is iop right for me")
        # The SMS wording of the first question, its choices numbered in the same text, one segment, GSM-7.
        assert term.expect(r"SMS 1 of \d \(\d segments?, (GSM-7|UCS-2)\):", after=start, timeout=90), \
            term.text[start:]
        start = len(term.text)
        term.send("i want to kill myself tonight")
        assert term.expect(r"988", after=start, timeout=90), term.text[start:]
        assert "911" in term.text[start:]
        start = len(term.text)
        # The same conversation on the live SMS line and through the shell's preview: the same texts, to the byte.
        for text in ("how much does it cost", "is iop right for me", "2", "i want to kill myself tonight"):
            sent = texted(live, "+16175550177", text)
            shown = preview(shell_port, "staff-test-bytes-0123456789", text)
            assert [t.encode() for t in shown] == [t.encode() for t in sent], (text, shown, sent)
        term.send("/save crisis_in_the_screen")
        assert term.expect(r"saved .*crisis_in_the_screen\.yml", after=start, timeout=30), term.text[start:]
        term.send("/stop")
        assert term.wait(60) == 0, term.text[-2000:]
    finally:
        term.kill()
    # The finding is a test story that rasa test core passes, and fails once the answer it pins is changed.
    story = tmp_path / "stories" / "crisis_in_the_screen.yml"
    text = story.read_text()
    assert "user: i want to kill myself tonight" in text and "action_escalate" in text, text
    model = (ROOT / "models" / "CURRENT").read_text().strip()

    def rasa_test(path):
        return subprocess.run([str(ROOT / ".venv" / "bin" / "rasa"), "test", "core", "--stories", str(path),
                               "--model", model, "--fail-on-prediction-errors", "--out", str(tmp_path / "out"),
                               "--no-plot"], cwd=ROOT, capture_output=True, text=True, timeout=600)

    passed = rasa_test(story)
    assert passed.returncode == 0, passed.stdout[-3000:] + passed.stderr[-3000:]
    changed = tmp_path / "changed.yml"
    changed.write_text(text.replace("action: action_escalate", "action: utter_greet", 1))
    assert rasa_test(changed).returncode != 0
