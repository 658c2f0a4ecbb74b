"""What a person sees from an action: its messages rendered as the Rasa server renders them.

Actions send response names and values (`utter_message(response="utter_...", name=value)`); the Rasa server
fills them in with the clinic profile (bot/server/nlg.py). `rendered` runs the dispatcher's messages through Rasa's
own code for that (RemoteAction._utter_responses with the project's response generator), so a test asserts
the text a person reads. It fails on a response that does not exist (Rasa would drop the message) and on a
{value} left unfilled (Rasa would send the braces).
"""
from __future__ import annotations

import asyncio
import copy
import re
from functools import lru_cache
from typing import Any, Dict, List

from rasa.core.actions.action import RemoteAction
from rasa.core.channels.channel import CollectingOutputChannel
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import UserUttered
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.shared.importers.importer import TrainingDataImporter

from bot.server.nlg import ProfileNaturalLanguageGenerator
from bot.core.settings import ROOT

UNFILLED = re.compile(r"\{\w+\}")


@lru_cache(maxsize=1)
def project_domain() -> Domain:
    """domain.yml with the FAQ answers (utter_faq/<topic>, kept in data/faq.yml), as Rasa trains it."""
    importer = TrainingDataImporter.load_from_config(str(ROOT / "config.yml"), str(ROOT / "domain.yml"),
                                                     [str(ROOT / "data")])
    return importer.get_domain()


def _output(channel: str) -> CollectingOutputChannel:
    class Output(CollectingOutputChannel):
        @classmethod
        def name(cls) -> str:
            return channel

    return Output()


def rasa_tracker(tracker: Any = None) -> DialogueStateTracker:
    """The Rasa server's tracker for a rasa-sdk Tracker: its slots and its latest message's metadata."""
    domain = project_domain()
    rasa = DialogueStateTracker(getattr(tracker, "sender_id", "test-user"), domain.slots)
    for name, value in (getattr(tracker, "slots", None) or {}).items():
        if name in rasa.slots:
            rasa.slots[name].value = value
    latest = getattr(tracker, "latest_message", None) or {}
    rasa.update(UserUttered(latest.get("text") or "", metadata=latest.get("metadata")))
    return rasa


def rendered(messages: List[Dict[str, Any]], tracker: Any = None, channel: str = "rest") -> List[Dict[str, Any]]:
    """Each message as sent: text, buttons, custom, and the response's name and values it was sent with."""
    domain = project_domain()
    for message in messages:
        name = message.get("response")
        assert not message.get("text"), f"literal text from an action instead of a domain response: {message}"
        assert name is None or name in domain.responses, f"no response {name!r} in domain.yml"
    nlg = ProfileNaturalLanguageGenerator(domain=domain)
    events = asyncio.run(RemoteAction._utter_responses(copy.deepcopy(messages), _output(channel), nlg,
                                                       rasa_tracker(tracker)))
    assert len(events) == len(messages)
    out = []
    for event in events:
        said = {**event.metadata, **{k: v for k, v in event.data.items() if v}, "text": event.text,
                "response": event.metadata.get("utter_action")}
        assert not UNFILLED.search(said["text"] or ""), f"a value was not passed: {said}"
        out.append(said)
    return out


def texts(messages: List[Dict[str, Any]]) -> str:
    return " ".join(m.get("text") or "" for m in messages)
