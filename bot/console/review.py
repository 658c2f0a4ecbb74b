"""The review queue: messages worth a second look, read from Rasa's tracker store with SQLAlchemy.

A message is listed when the bot fell back (nlu_fallback, action_fallback) or was unsure (intent or FAQ topic
confidence under LOW_CONFIDENCE), when it escalated or asked directly about risk (the risk component's verdict in
the parse data), when the person's next message asked for a person or said the answer was wrong, and when a
screen question ended on "not sure". The staff shell's test conversations are left out. Nothing here calls Rasa's
HTTP API: the events table is read directly, as tools/purge.py does.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime, timezone
from functools import lru_cache
from typing import Any, Dict, Iterable, List, Optional, Tuple

import yaml
from sqlalchemy import MetaData, Table, create_engine, select
from sqlalchemy.engine import Engine

from bot.core.contract import is_risk_intent
from bot.core.ids import TEST_PREFIX
from bot.core.privacy import mask_personal
from bot.core.settings import ROOT, tracker_database_url

LOW_CONFIDENCE = 0.5
RISK_CATEGORIES = ("suicide", "self_harm", "overdose", "withdrawal_danger", "medical_emergency", "violence", "abuse")
SCREEN_QUESTIONS = ("substances", "frequency", "withdrawal", "medical", "mental_health", "commitment", "relapse",
                    "home")
FALLBACK_INTENT = "nlu_fallback"
# The person's next message says the bot got it wrong, or asks for a person.
ASKED_FOR_PERSON = ("human_handoff",)
SAID_WRONG = ("cannot_understand",)
REASON_LABELS = {
    "fallback": "The bot did not understand",
    "low_confidence": "The bot was unsure",
    "escalation": "Escalated for risk",
    "check": "Asked directly about risk",
    "asked_for_person": "Next, the person asked for a person",
    "said_wrong": "Next, the person said the answer was wrong",
    "screen_not_sure": "A screen answer ended on \"not sure\"",
}


@dataclass
class Turn:
    event_id: int
    timestamp: float
    sender_id: str
    text: str
    channel: str
    parse: Dict[str, Any]
    actions: List[str] = field(default_factory=list)
    bot: List[str] = field(default_factory=list)
    unsure: List[str] = field(default_factory=list)  # screen questions set to "unsure" after this message

    @property
    def key(self) -> str:
        return f"{self.event_id}:{self.timestamp:.6f}"

    @property
    def intent(self) -> str:
        return str((self.parse.get("intent") or {}).get("name") or "")

    @property
    def confidence(self) -> Optional[float]:
        value = (self.parse.get("intent") or {}).get("confidence")
        return None if value is None else float(value)

    @property
    def faq(self) -> Tuple[Optional[str], Optional[float]]:
        selected = ((self.parse.get("response_selector") or {}).get("faq") or {}).get("response") or {}
        key = selected.get("intent_response_key")
        if not key or not self.intent.startswith("faq"):
            return None, None
        return str(key), (None if selected.get("confidence") is None else float(selected["confidence"]))

    @property
    def risk(self) -> Dict[str, Any]:
        return self.parse.get("risk") or {}

    @property
    def understood(self) -> str:
        """What the bot understood, as an NLU label: the FAQ topic (faq/cost) or the intent."""
        topic, _ = self.faq
        return topic or self.intent


def engine(url: Optional[str] = None) -> Engine:
    return _engine(url or tracker_database_url())


@lru_cache(maxsize=4)
def _engine(url: str) -> Engine:
    return create_engine(url, future=True)


_EVENTS: Dict[str, Table] = {}


def _events(eng: Engine) -> Optional[Table]:
    """Rasa's events table, read from the database once per engine (not on every page load)."""
    key = str(eng.url)
    if key not in _EVENTS:
        try:
            _EVENTS[key] = Table("events", MetaData(), autoload_with=eng)
        except Exception:  # no conversation stored yet: look again next time
            return None
    return _EVENTS[key]


def conversations(since: Optional[float] = None, until: Optional[float] = None, sender: Optional[str] = None,
                  url: Optional[str] = None) -> Dict[str, List[Turn]]:
    """Each conversation's messages with what followed them, oldest first."""
    eng = engine(url)
    events = _events(eng)
    if events is None:
        return {}
    query = select(events.c.id, events.c.sender_id, events.c.type_name, events.c.timestamp, events.c.action_name,
                   events.c.data).where(~events.c.sender_id.like(f"{TEST_PREFIX}%"))
    if since is not None:
        query = query.where(events.c.timestamp >= since)
    if until is not None:
        query = query.where(events.c.timestamp < until)
    if sender is not None:
        query = query.where(events.c.sender_id == sender)
    query = query.order_by(events.c.sender_id, events.c.timestamp, events.c.id)
    found: Dict[str, List[Turn]] = {}
    with eng.connect() as conn:
        for row in conn.execute(query):
            try:
                data = json.loads(row.data or "{}")
            except ValueError:
                continue
            turns = found.setdefault(row.sender_id, [])
            if row.type_name == "user":
                turns.append(Turn(row.id, float(row.timestamp), row.sender_id, str(data.get("text") or ""),
                                  str(data.get("input_channel") or "unknown"), data.get("parse_data") or {}))
            elif not turns:
                continue
            elif row.type_name == "action":
                turns[-1].actions.append(str(row.action_name or data.get("name") or ""))
            elif row.type_name == "bot" and data.get("text"):
                turns[-1].bot.append(str(data["text"]))
            elif row.type_name == "active_loop" and data.get("name"):
                turns[-1].actions.append("loop:" + str(data["name"]))
            elif row.type_name == "slot" and data.get("name") in SCREEN_QUESTIONS:
                value = data.get("value")
                if value == "unsure" or (isinstance(value, list) and "unsure" in value):
                    turns[-1].unsure.append(str(data["name"]))
    return found


def reasons(turns: List[Turn], i: int) -> List[str]:
    turn = turns[i]
    found = []
    if turn.intent == FALLBACK_INTENT or "action_fallback" in turn.actions:
        found.append("fallback")
    else:
        _, faq_confidence = turn.faq
        low = [c for c in (turn.confidence, faq_confidence) if c is not None and c < LOW_CONFIDENCE]
        if low and not turn.risk.get("is_risk"):
            found.append("low_confidence")
    if turn.risk.get("is_risk"):
        found.append("check" if turn.risk.get("urgency") == "check" else "escalation")
    if i + 1 < len(turns):
        following = turns[i + 1].intent
        if following in ASKED_FOR_PERSON:
            found.append("asked_for_person")
        elif following in SAID_WRONG or (following == "deny" and turn.faq[0]):
            found.append("said_wrong")
    if turn.unsure:
        found.append("screen_not_sure")
    return found


def item_of(turns: List[Turn], i: int, found: List[str]) -> Dict[str, Any]:
    turn = turns[i]
    topic, faq_confidence = turn.faq
    risk = turn.risk
    context = [{"who": "person", "text": mask_personal(t.text), "bot": [mask_personal(b) for b in t.bot]}
               for t in turns[max(0, i - 2):i]]
    after = [{"who": "person", "text": mask_personal(t.text), "bot": [mask_personal(b) for b in t.bot]}
             for t in turns[i + 1:i + 3]]
    return {
        "key": turn.key, "event_id": turn.event_id, "timestamp": turn.timestamp, "channel": turn.channel,
        "text": mask_personal(turn.text), "reasons": found,
        "reason_labels": [REASON_LABELS[r] for r in found],
        "intent": turn.intent, "confidence": turn.confidence, "faq_topic": topic, "faq_confidence": faq_confidence,
        "understood": turn.understood,
        "risk": bool(risk.get("is_risk")), "risk_category": risk.get("category") if risk.get("is_risk") else None,
        "risk_urgency": risk.get("urgency") if risk.get("is_risk") else None,
        "risk_label": (risk.get("category") or "none") if risk.get("is_risk") else "none",
        "unsure": list(turn.unsure), "answered": [mask_personal(b) for b in turn.bot],
        "before": context, "after": after,
    }


def review_items(since: Optional[float] = None, url: Optional[str] = None,
                 sender: Optional[str] = None) -> List[Dict[str, Any]]:
    """The review queue, newest first."""
    items = []
    for turns in conversations(since=since, sender=sender, url=url).values():
        for i in range(len(turns)):
            found = reasons(turns, i)
            if found:
                items.append(item_of(turns, i, found))
    items.sort(key=lambda item: -item["timestamp"])
    return items


def find_item(key: str, url: Optional[str] = None) -> Optional[Dict[str, Any]]:
    """One listed message by its key (the events row id and time), read again from the tracker store."""
    try:
        event_id = int(key.split(":", 1)[0])
    except ValueError:
        return None
    eng = engine(url)
    events = _events(eng)
    if events is None:
        return None
    with eng.connect() as conn:
        sender = conn.execute(select(events.c.sender_id).where(events.c.id == event_id)).scalar()
    if sender is None or sender.startswith(TEST_PREFIX):
        return None
    return next((item for item in review_items(url=url, sender=sender) if item["key"] == key), None)


# ---------- what a label may say ----------
def _nlu_files() -> Iterable[dict]:
    for path in sorted((ROOT / "data").glob("*.yml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        if isinstance(data, dict) and data.get("nlu"):
            yield data


@lru_cache(maxsize=1)
def nlu_labels() -> Tuple[Tuple[str, ...], Tuple[str, ...]]:
    """(FAQ topics as faq/<topic>, other intents) found in the training data; risk intents are left to the
    risk labels."""
    topics, intents = set(), set()
    for data in _nlu_files():
        for block in data["nlu"]:
            name = block.get("intent")
            if not name:
                continue
            if name.startswith("faq/"):
                topics.add(name)
            elif not is_risk_intent(name):
                intents.add(name)
    return tuple(sorted(topics)), tuple(sorted(intents))


@lru_cache(maxsize=1)
def screen_values() -> Dict[str, Tuple[str, ...]]:
    """The values each screen question's answers take in data/screening_answers/ (single values)."""
    values: Dict[str, set] = {q: set() for q in SCREEN_QUESTIONS}
    for path in sorted((ROOT / "data" / "screening_answers").glob("*.yml")):
        for answer in (yaml.safe_load(path.read_text(encoding="utf-8")) or {}).get("answers") or []:
            for value in str(answer.get("value") or "").split(","):
                if answer.get("question") in values and value.strip():
                    values[answer["question"]].add(value.strip())
    return {q: tuple(sorted(v)) for q, v in values.items()}


def valid_label(kind: str, label: str, question: Optional[str] = None) -> bool:
    if kind == "nlu":
        topics, intents = nlu_labels()
        return label in topics or label in intents
    if kind == "risk":
        return label == "none" or label in RISK_CATEGORIES
    if kind == "screen":
        allowed = screen_values().get(question or "", ())
        parts = [p.strip() for p in label.split(",")]
        return bool(parts) and all(p in allowed for p in parts)
    return False


def when(timestamp: float) -> datetime:
    return datetime.fromtimestamp(timestamp, timezone.utc)
