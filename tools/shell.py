"""`make shell`'s prompt: staff type what callers type and see what the web chat or the SMS line answers.

Each message goes to the shell's own Rasa server through the preview channel (bot/server/channels/preview.py): the
same guard, risk check and paused-conversation path as the live channels. CHANNEL=sms shows each text as
the SMS line sends it, with its segment count and encoding; CHANNEL=web (the default) shows the widget's
messages, buttons and the crisis card. Every conversation is a test (its id starts with "staff-test-").

    python -m tools.shell --url http://127.0.0.1:5105 [--channel sms|web]
"""
from __future__ import annotations

import argparse
import json
import sys
import urllib.error
import urllib.request
import uuid
from pathlib import Path
from typing import Any, Dict, List, Optional

from bot.core.contract import CUSTOM, ESCALATION
from bot.storage import saved_stories
from bot.core.ids import PREVIEW_CHANNELS as CHANNELS
from bot.core.ids import TEST_PREFIX

PROMPT = "Your input -> "
HELP = """Type a message as a caller would. Commands:
  /help        this list
  /save NAME   write this conversation as a test story (tests/stories/saved/NAME.yml; make test runs it)
  /restart     start a new test conversation
  /stop        leave the shell (also /quit, /exit, Ctrl-D)"""


def new_sender() -> str:
    return f"{TEST_PREFIX}shell-{uuid.uuid4().hex[:10]}"


def send(url: str, sender: str, text: str, channel: str, timeout: float = 60, path: str = "webhook",
         extra: Optional[Dict[str, Any]] = None) -> Any:
    body = json.dumps({"sender": sender, "message": text, "channel": channel, **(extra or {})}).encode()
    request = urllib.request.Request(f"{url}/webhooks/preview/{path}", data=body,
                                     headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=timeout) as reply:
        return json.loads(reply.read().decode("utf-8"))


def refusal(exc: urllib.error.HTTPError) -> str:
    """Why the channel refused a request: its JSON "error", else the HTTP reason."""
    try:
        return str(json.loads(exc.read().decode("utf-8")).get("error"))
    except (ValueError, AttributeError):
        return str(exc.reason)


def show(reply: Any) -> List[str]:
    """The lines to print for one reply of the preview channel."""
    if isinstance(reply, list):  # the REST shape: the kind answer to an empty message
        return [f"Bot: {m.get('text', '')}" for m in reply]
    lines: List[str] = []
    if reply.get("channel") == "sms":
        texts = reply.get("texts") or []
        for n, part in enumerate(texts, start=1):
            lines.append(f"SMS {n} of {len(texts)} ({part['segments']} segment{'s' if part['segments'] > 1 else ''}, "
                         f"{part['encoding']}):")
            lines.append(f"  {part['text']}")
        return lines or ["(no text is sent)"]
    for message in reply.get("messages") or []:
        if message.get("text"):
            lines.append(f"Bot: {message['text']}")
        buttons = message.get("buttons") or []
        if buttons:
            lines.append("  buttons: " + "  ".join(f"[{b.get('title', '')}]" for b in buttons))
        custom = message.get(CUSTOM) or {}
        if custom.get(ESCALATION):
            e = custom[ESCALATION]
            lines.append(f"  crisis card: {e.get('category')}, urgency {e.get('urgency')}")
        elif custom:
            lines.append(f"  card: {', '.join(sorted(custom))}")
    return lines or ["(no answer)"]


def save(url: str, sender: str, name: str, directory: Path) -> None:
    """`/save NAME`: the conversation so far as a test story, in a file of its own."""
    try:
        reply = send(url, sender, "", "web", path="story", extra={"name": name})
    except urllib.error.HTTPError as exc:
        print(f"not saved: {refusal(exc)}", flush=True)
        return
    except (urllib.error.URLError, OSError, ValueError) as exc:
        print(f"not saved: the shell's server did not answer ({exc})", flush=True)
        return
    try:
        path = saved_stories.write(name, reply["story"], directory)
    except FileExistsError:
        print(f"not saved: {directory / (name + '.yml')} exists (choose another name)", flush=True)
        return
    except ValueError as exc:
        print(f"not saved: {exc}", flush=True)
        return
    print(f"saved {path}: make test runs it", flush=True)


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--url", required=True)
    parser.add_argument("--channel", default="web", choices=CHANNELS)
    parser.add_argument("--stories", default=str(saved_stories.saved_dir()),
                        help="where /save writes (default tests/stories/saved)")
    args = parser.parse_args(argv)
    sender = new_sender()
    print(f"Talking to the bot as the {'SMS line' if args.channel == 'sms' else 'web chat'} answers "
          f"(test conversation {sender}). /help lists the commands.", flush=True)
    while True:
        try:
            text = input(PROMPT)
        except (EOFError, KeyboardInterrupt):
            print()
            return 0
        command = text.strip().lower()
        if command in ("/stop", "/quit", "/exit"):
            return 0
        if command == "/help":
            print(HELP, flush=True)
            continue
        if command.startswith("/save"):
            save(args.url, sender, text.strip()[len("/save"):].strip(), Path(args.stories))
            continue
        if command == "/restart":
            sender = new_sender()
            print(f"New test conversation {sender}.", flush=True)
            continue
        try:
            reply: Dict[str, Any] = send(args.url, sender, text, args.channel)
        except urllib.error.HTTPError as exc:  # a request the channel refuses (too long, ...): say why
            print(f"refused ({exc.code}): {refusal(exc)}", flush=True)
            continue
        except (urllib.error.URLError, OSError, ValueError) as exc:
            print(f"error: the shell's server did not answer ({exc}); see the shell's log.", file=sys.stderr, flush=True)
            continue
        print("\n".join(show(reply)), flush=True)


if __name__ == "__main__":
    sys.exit(main())
