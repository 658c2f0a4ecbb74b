"""What the console shows: handoffs and transcripts turned into plain values (strings, numbers, lists).

Nothing here builds HTML. The templates (Jinja2 with autoescape) and the page's script (textContent only)
render these values, so a person's message is always shown as text, never as markup.
"""
from __future__ import annotations

from datetime import datetime, timezone
from typing import Any, Dict, Iterable, List, Optional
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from bot.core.contract import CONSOLE_NOTICE, RISK_KEY, STAFF, is_risk_intent, risk_category_of
from bot.core.privacy import mask
from bot.storage.handoffs import aware
from bot.storage.models import Handoff
from bot.storage.sms import DELIVERY, NOT_TEXTED

CHANNELS = {"socketio": "Web chat", "twilio": "SMS", "rest": "REST (testing)", "cmdline": "rasa shell"}
REASONS = {"risk": "Risk signal", "asked_for_person": "Asked for a person", "not_understood": "Not understood"}
URGENCY_LABELS = {"imminent": "Imminent", "urgent": "Urgent", "routine": "Routine"}
URGENT = {"imminent", "urgent"}
RESOLUTION_LABELS = {"handed_back": "Handed back to the assistant", "closed": "Closed"}
ACTION_LABELS = {"requeue": "handed back after a risk message: kept in the queue",
                 "reveal_number": "showed the full phone number"}
MAX_EVENTS = 400


def clinic_zone() -> ZoneInfo:
    try:
        from bot.core.profile import current_profile

        return ZoneInfo(current_profile().staffed_timezone)
    except Exception:  # a broken profile must not take the console down
        return ZoneInfo("UTC")


def waited(since: datetime, now: datetime) -> str:
    seconds = max(0, int((now - aware(since)).total_seconds()))
    if seconds < 60:
        return "under a minute"
    minutes = seconds // 60
    if minutes < 60:
        return f"{minutes} min"
    hours, minutes = divmod(minutes, 60)
    if hours < 48:
        return f"{hours} h {minutes} min"
    return f"{hours // 24} days"


def clock(when: datetime, zone: ZoneInfo, now: Optional[datetime] = None) -> str:
    local = aware(when).astimezone(zone)
    today = (now or datetime.now(timezone.utc)).astimezone(zone).date()
    hour = local.hour % 12 or 12
    text = f"{hour}:{local.minute:02d} {'am' if local.hour < 12 else 'pm'}"
    return text if local.date() == today else f"{local.strftime('%b')} {local.day}, {text}"


def handoff_view(h: Handoff, now: datetime, zone: ZoneInfo,
                 opted_out_since: Optional[datetime] = None) -> Dict[str, Any]:
    """`opted_out_since`: when this SMS number texted STOP, if it is opted out now."""
    category = (h.category or "").replace("_", " ")
    return {
        "id": h.id,
        "url": f"/handoffs/{h.id}",
        "status": h.status,
        "urgency": h.urgency,
        "urgency_label": URGENCY_LABELS.get(h.urgency, h.urgency),
        "urgent": h.urgency in URGENT,
        "reason": REASONS.get(h.reason, h.reason.replace("_", " ")),
        "category": category,
        "channel": h.channel,
        "channel_label": CHANNELS.get(h.channel, h.channel),
        # SMS conversations are phone numbers: the queue shows them masked.
        "who": who_of(h.conversation_id, h.channel),
        "waiting": waited(h.created_at, now),
        "waiting_seconds": max(0, int((now - aware(h.created_at)).total_seconds())),
        "since": clock(h.created_at, zone, now),
        "claimed_by": h.claimed_by or "",
        "claimed_at": clock(h.claimed_at, zone, now) if h.claimed_at else "",
        "closed_by": h.closed_by or "",
        "closed_at": clock(h.closed_at, zone, now) if h.closed_at else "",
        "resolution": RESOLUTION_LABELS.get(h.resolution or "", ""),
        "note": h.note or "",
        "opted_out": opted_out_since is not None,
        "opted_out_since": clock(opted_out_since, zone, now) if opted_out_since else "",
    }


def queue_view(handoffs: Iterable[Handoff], now: datetime, zone: ZoneInfo,
               opted_out: Optional[Dict[str, datetime]] = None) -> Dict[str, List[Dict[str, Any]]]:
    """Waiting conversations first (most urgent, then longest waiting), then those staff have."""
    opted_out = opted_out or {}
    views = [handoff_view(h, now, zone, opted_out.get(h.conversation_id) if h.channel == "twilio" else None)
             for h in handoffs]
    return {"waiting": [v for v in views if v["status"] == "waiting"],
            "claimed": [v for v in views if v["status"] == "claimed"]}


def queue_link(view: str = "open", page: int = 1, q: str = "", tests: bool = False) -> str:
    """The queue page's address for a view, page and search (the defaults left out)."""
    params = {k: v for k, v in (("tests", "1" if tests else ""), ("view", "" if view == "open" else view),
                                ("q", q), ("page", str(page) if page > 1 else "")) if v}
    return "/" + ("?" + urlencode(params) if params else "")


# What became of a staff reply sent by text (opted_out is shown by the "not sent (opted out)" flag).
DELIVERY_LABELS = {"sent": "sent by text", "failed": "text not sent: failed"}
# ... and in the web chat (bot/server/channels/socketio.py): the widget acknowledges a reply once it is in the open chat.
WEB_DELIVERY_LABELS = {"delivered": "delivered: shown in their chat", "sent": "sent, not yet confirmed",
                       "no_session": "not delivered: the person is not on the chat page"}
CALLBACK_STATUS_LABELS = {"new": "To do", "called": "Done", "no_answer": "No answer"}


def phone_of(conversation_id: str) -> str:
    """An SMS conversation's phone number (its id, as Twilio gives the sender: "+16175550142" or
    "whatsapp:+16175550142")."""
    return conversation_id.split(":", 1)[1] if conversation_id.startswith("whatsapp:") else conversation_id


def tel_link(phone: str) -> str:
    return "tel:" + "".join(ch for ch in phone if ch.isdigit() or ch == "+")


def who_of(conversation_id: str, channel: str) -> str:
    return mask(phone_of(conversation_id)) if channel == "twilio" else f"visitor …{conversation_id[-6:]}"


def callback_view(c: Any, now: datetime, zone: ZoneInfo, reveal: Any = None,
                  number: Optional[str] = None) -> Dict[str, Any]:
    """A callback request as the console lists it; `number` only when a staff member has just asked to see it
    (the reveal is recorded), masked otherwise."""
    return {
        "id": c.id,
        "asked": clock(c.created_at, zone, now),
        "asked_ago": waited(c.created_at, now),
        "channel_label": CHANNELS.get(c.channel, c.channel),
        "who": who_of(c.conversation_id, c.channel),
        "masked": mask(c.phone),
        "number": number or "",
        "tel": tel_link(number) if number else "",
        "best_time": c.best_time,
        "status": c.status,
        "status_label": CALLBACK_STATUS_LABELS.get(c.status, c.status),
        "status_by": c.status_by or "",
        "status_at": clock(c.status_at, zone, now) if c.status_at else "",
        "revealed_by": reveal.username if reveal is not None else "",
        "revealed_at": clock(reveal.at, zone, now) if reveal is not None else "",
    }


def risk_of(event: Dict[str, Any]) -> Optional[Dict[str, str]]:
    """The risk verdict of a person's message, or None. The risk component (bot/server/nlu/risk_component.py) puts
    its verdict in the parse data under `risk` and makes the intent `risk_<category>`: either one counts."""
    if event.get("event") != "user":
        return None
    parse = event.get("parse_data") or {}
    verdict = parse.get(RISK_KEY) if isinstance(parse.get(RISK_KEY), dict) else {}
    intent = str((parse.get("intent") or {}).get("name") or "")
    if not verdict.get("is_risk") and not is_risk_intent(intent):
        return None
    return {"category": str(verdict.get("category") or risk_category_of(intent) or ""),
            "urgency": str(verdict.get("urgency") or "")}


def when_of(event: Dict[str, Any]) -> datetime:
    return datetime.fromtimestamp(float(event.get("timestamp") or 0), timezone.utc)


def risk_since(tracker: Dict[str, Any], since: Optional[datetime]) -> List[Dict[str, Any]]:
    """The person's risk messages from `since` on (all of them, however long the conversation)."""
    if since is None:
        return []
    start = aware(since)
    found = []
    for event in tracker.get("events") or []:
        risk = risk_of(event)
        if risk is not None and when_of(event) >= start:
            found.append({**risk, "at": when_of(event)})
    return found


def risk_flag(risk: Dict[str, str]) -> str:
    urgency = "ask directly" if risk["urgency"] == "check" else risk["urgency"]  # the risk model's lowest tier
    details = ", ".join(part for part in (risk["category"].replace("_", " "), urgency) if part)
    return f"risk signal: {details}" if details else "risk signal"


def transcript(tracker: Dict[str, Any], zone: ZoneInfo, now: Optional[datetime] = None,
               claimed_since: Optional[datetime] = None,
               opted_out_since: Optional[datetime] = None,
               deliveries: Optional[Dict[str, str]] = None, channel: str = "twilio") -> List[Dict[str, Any]]:
    """The person's and the assistant's messages, staff replies and take-overs, oldest first.

    A risk message is flagged with its category and urgency, and as "since the claim" when it came after
    `claimed_since`. On SMS, what the line never texted is marked not sent: a turn whose message arrived while
    the number was opted out, and console notices flagged when they were made (NOT_TEXTED); and a line shows
    when the number texted STOP (`opted_out_since`, if it is opted out now: the STOP itself never reaches the
    assistant, so it is not among the events). A staff reply sent by text shows what became of it (`deliveries`:
    the SMS line's record, by the delivery id in the reply's metadata): sent, failed, or not sent (opted out); in the
    web chat (`channel` "socketio") delivered, sent (not yet confirmed) or not delivered (no chat open)."""
    deliveries = deliveries or {}
    labels = WEB_DELIVERY_LABELS if channel == "socketio" else DELIVERY_LABELS
    lines: List[Dict[str, Any]] = []
    paused = False  # each staff reply pauses again (see rasa_api.reply): show only the changes
    turn_not_texted = False  # the latest person's message came while their number was opted out
    stop_at = aware(opted_out_since) if opted_out_since else None
    for event in (tracker.get("events") or [])[-MAX_EVENTS:]:
        kind = event.get("event")
        when = when_of(event)
        if stop_at is not None and when >= stop_at:
            lines.append(_stop_line(stop_at, zone, now))
            stop_at = None
        line: Optional[Dict[str, Any]] = None
        if kind == "user":
            risk = risk_of(event)
            turn_not_texted = bool((event.get("metadata") or {}).get(NOT_TEXTED))
            line = {"who": "person", "label": "Person", "text": str(event.get("text") or ""),
                    "risk": risk is not None, "risk_flag": risk_flag(risk) if risk else "",
                    "since_claim": bool(risk and claimed_since and when >= aware(claimed_since))}
        elif kind == "bot":
            meta = event.get("metadata") or {}
            data = event.get("data") or {}
            options = [str(b.get("title") or "") for b in data.get("buttons") or [] if isinstance(b, dict)]
            if meta.get(STAFF):
                outcome = deliveries.get(str(meta.get(DELIVERY) or ""), "")
                line = {"who": "staff", "label": "Staff", "delivery": outcome,
                        "delivery_label": labels.get(outcome, "")}
            elif meta.get(CONSOLE_NOTICE):
                line = {"who": "notice", "label": "Console"}
            else:
                line = {"who": "assistant", "label": "Assistant"}
            custom = data.get("custom") if isinstance(data.get("custom"), dict) else {}
            # The console's own messages are sent when it makes them, outside any turn: only their own flag counts.
            by_console = line["who"] != "assistant"
            line.update(text=str(event.get("text") or ""), options=options,
                        crisis=bool(custom.get("escalation")),
                        not_sent=bool(meta.get(NOT_TEXTED)) if by_console else turn_not_texted)
            if line.get("delivery") == "opted_out":
                line["not_sent"], line["delivery_label"] = True, ""  # the "not sent (opted out)" flag says it
            if not line["text"] and not options:
                continue
        elif kind == "pause":
            if not paused:
                line = {"who": "event", "label": "", "text": "A staff member took over; the assistant is paused."}
            paused = True
        elif kind == "resume":
            if paused:
                line = {"who": "event", "label": "", "text": "Handed back: the assistant answers again."}
            paused = False
        elif kind == "session_started":
            # A new session (after a long silence) un-pauses the conversation in Rasa.
            line = {"who": "event", "label": "", "text": "New session."}
            paused = False
        if line is not None:
            lines.append(_with_defaults(line, clock(when, zone, now)))
    if stop_at is not None:
        lines.append(_stop_line(stop_at, zone, now))
    return lines


def _stop_line(at: datetime, zone: ZoneInfo, now: Optional[datetime]) -> Dict[str, Any]:
    return _with_defaults({"who": "event", "label": "", "opted_out": True,
                           "text": "Texted STOP: opted out of texts. Nothing is texted to them until they text START."},
                          clock(at, zone, now))


def _with_defaults(line: Dict[str, Any], time: str) -> Dict[str, Any]:
    for key, value in (("risk", False), ("risk_flag", ""), ("since_claim", False), ("options", []),
                       ("crisis", False), ("not_sent", False), ("opted_out", False),
                       ("delivery", ""), ("delivery_label", "")):
        line.setdefault(key, value)
    line["time"] = time
    return line
