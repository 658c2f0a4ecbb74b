"""What the console shows: handoffs and transcripts turned into plain values (strings, numbers, lists).

Nothing here builds HTML. The templates (Jinja2 with autoescape) and the page's script (textContent only)
render these values, so a person's message is always shown as text, never as markup.
"""
from __future__ import annotations

from datetime import datetime, timezone
from typing import Any, Dict, Iterable, List, Optional
from zoneinfo import ZoneInfo

from bot.privacy import mask
from bot.storage.handoffs import aware
from bot.storage.models import Handoff

CHANNELS = {"socketio": "Web chat", "twilio": "SMS", "rest": "REST (testing)", "cmdline": "rasa shell"}
REASONS = {"risk": "Risk signal", "asked_for_person": "Asked for a person", "not_understood": "Not understood"}
URGENCY_LABELS = {"imminent": "Imminent", "urgent": "Urgent", "routine": "Routine"}
URGENT = {"imminent", "urgent"}
RESOLUTION_LABELS = {"handed_back": "Handed back to the assistant", "closed": "Closed"}
MAX_EVENTS = 400


def clinic_zone() -> ZoneInfo:
    try:
        from bot.profile import current_profile

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


def handoff_view(h: Handoff, now: datetime, zone: ZoneInfo) -> Dict[str, Any]:
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
        "who": mask(h.conversation_id) if h.channel == "twilio" else f"visitor …{h.conversation_id[-6:]}",
        "waiting": waited(h.created_at, now),
        "waiting_seconds": max(0, int((now - aware(h.created_at)).total_seconds())),
        "since": clock(h.created_at, zone, now),
        "claimed_by": h.claimed_by or "",
        "claimed_at": clock(h.claimed_at, zone, now) if h.claimed_at else "",
        "closed_by": h.closed_by or "",
        "closed_at": clock(h.closed_at, zone, now) if h.closed_at else "",
        "resolution": RESOLUTION_LABELS.get(h.resolution or "", ""),
        "note": h.note or "",
    }


def queue_view(handoffs: Iterable[Handoff], now: datetime, zone: ZoneInfo) -> Dict[str, List[Dict[str, Any]]]:
    """Waiting conversations first (most urgent, then longest waiting), then those staff have."""
    views = [handoff_view(h, now, zone) for h in handoffs]
    return {"waiting": [v for v in views if v["status"] == "waiting"],
            "claimed": [v for v in views if v["status"] == "claimed"]}


def transcript(tracker: Dict[str, Any], zone: ZoneInfo, now: Optional[datetime] = None) -> List[Dict[str, Any]]:
    """The person's and the assistant's messages, staff replies and take-overs, oldest first."""
    lines: List[Dict[str, Any]] = []
    paused = False  # each staff reply pauses again (see rasa_api.reply): show only the changes
    for event in (tracker.get("events") or [])[-MAX_EVENTS:]:
        kind = event.get("event")
        when = datetime.fromtimestamp(float(event.get("timestamp") or 0), timezone.utc)
        line: Optional[Dict[str, Any]] = None
        if kind == "user":
            intent = str(((event.get("parse_data") or {}).get("intent") or {}).get("name") or "")
            line = {"who": "person", "label": "Person", "text": str(event.get("text") or ""),
                    "risk": intent.startswith("risk_")}
        elif kind == "bot":
            meta = event.get("metadata") or {}
            data = event.get("data") or {}
            options = [str(b.get("title") or "") for b in data.get("buttons") or [] if isinstance(b, dict)]
            if meta.get("staff"):
                line = {"who": "staff", "label": "Staff"}
            elif meta.get("console_notice"):
                line = {"who": "notice", "label": "Console"}
            else:
                line = {"who": "assistant", "label": "Assistant"}
            custom = data.get("custom") if isinstance(data.get("custom"), dict) else {}
            line.update(text=str(event.get("text") or ""), options=options,
                        crisis=bool(custom.get("escalation")))
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
            line.setdefault("risk", False)
            line.setdefault("options", [])
            line.setdefault("crisis", False)
            line["time"] = clock(when, zone, now)
            lines.append(line)
    return lines
