"""The console's dashboard: figures drawn from the database as inline SVG (no script), each with its CSV.

Conversations, messages, fallbacks, escalations (the risk verdicts), FAQ topics and screens started come from
Rasa's tracker store (bot/console/review.py reads it); times to join, finished screens and callbacks from the project's
tables. The staff shell's test conversations are left
out everywhere. Days are the clinic's days (clinic.yml's timezone).
"""
from __future__ import annotations

import csv
import io
from collections import Counter, defaultdict
from datetime import date, datetime, time, timedelta, timezone
from statistics import median
from typing import Any, Dict, List, Optional, Sequence, Tuple
from xml.sax.saxutils import escape
from zoneinfo import ZoneInfo

from markupsafe import Markup
from sqlalchemy import select

from bot.console import review
from bot.core.ids import TEST_PREFIX
from bot.storage.db import session_scope
from bot.storage.models import CallbackRequest, Handoff, ScreeningResult

FIGURES = ("conversations", "escalations", "time_to_join", "fallback_rate", "screens", "faq_topics", "callbacks")
DEFAULT_DAYS = 14
MAX_DAYS = 366
COLOURS = ("#1f5fa8", "#b35900", "#2e7d32", "#8e24aa", "#c62828", "#00695c", "#5d4037")
CHANNELS = {"socketio": "web chat", "twilio": "text (SMS)", "rest": "REST", "preview": "staff shell"}
JOIN_BUCKETS = ("under 2 minutes", "2 to 5 minutes", "5 to 15 minutes", "15 to 60 minutes", "over an hour",
                "nobody joined")


def date_range(start: Optional[str], end: Optional[str], zone: ZoneInfo,
               today: Optional[date] = None) -> Tuple[datetime, datetime, str]:
    """(first moment, moment after the last day, a problem to show). Days are inclusive, in the clinic's zone."""
    today = today or datetime.now(zone).date()
    problem = ""
    try:
        last = date.fromisoformat(end) if end else today
        first = date.fromisoformat(start) if start else last - timedelta(days=DEFAULT_DAYS - 1)
    except ValueError:
        last, first = today, today - timedelta(days=DEFAULT_DAYS - 1)
        problem = "Those dates could not be read: showing the last 14 days. Use the date boxes, or YYYY-MM-DD."
    if first > last:
        first, last = last, first
    if (last - first).days >= MAX_DAYS:
        first = last - timedelta(days=MAX_DAYS - 1)
        problem = "At most a year can be shown at once: showing the year up to the last day."
    return (datetime.combine(first, time(), zone), datetime.combine(last + timedelta(days=1), time(), zone), problem)


def _days(start: datetime, end: datetime) -> List[date]:
    return [start.date() + timedelta(days=i) for i in range((end.date() - start.date()).days)]


def _aware(when: datetime) -> datetime:
    return when if when.tzinfo else when.replace(tzinfo=timezone.utc)


def figures(start: datetime, end: datetime, zone: ZoneInfo, db_url: Optional[str] = None,
            only: Optional[Sequence[str]] = None, tracker_url: Optional[str] = None) -> List[Dict[str, Any]]:
    wanted = list(only or FIGURES)
    turns = [t for conv in review.conversations(start.timestamp(), end.timestamp(), url=tracker_url).values()
             for t in conv] if set(wanted) & {"conversations", "escalations", "fallback_rate", "screens", "faq_topics"} else []
    with session_scope(db_url) as session:
        def rows_of(model):
            return list(session.execute(select(model).where(
                model.created_at >= start.astimezone(timezone.utc), model.created_at < end.astimezone(timezone.utc),
                ~model.conversation_id.like(f"{TEST_PREFIX}%"))).scalars())

        handoffs = rows_of(Handoff)
        screens = rows_of(ScreeningResult)
        asked = rows_of(CallbackRequest)
    days = _days(start, end)

    def day_of(ts: float) -> date:
        return datetime.fromtimestamp(ts, timezone.utc).astimezone(zone).date()

    made = {
        "conversations": lambda: _conversations(turns, days, day_of),
        "escalations": lambda: _escalations(turns),
        "time_to_join": lambda: _time_to_join(handoffs),
        "fallback_rate": lambda: _fallback_rate(turns, days, day_of),
        "screens": lambda: _screens(turns, screens),
        "faq_topics": lambda: _faq_topics(turns),
        "callbacks": lambda: _callbacks(asked),
    }
    return [made[name]() for name in wanted]


def _figure(name: str, title: str, summary: str, columns: List[str], rows: List[List[Any]],
            bars: List[Tuple[str, Dict[str, float]]], series: List[str], unit: str = "") -> Dict[str, Any]:
    return {"name": name, "title": title, "summary": summary, "columns": columns, "rows": rows,
            "svg": Markup(bars_svg(name, title, summary, bars, series, unit, whole=100 if unit == "%" else None))}


def _conversations(turns, days, day_of) -> Dict[str, Any]:
    seen = defaultdict(set)
    for t in turns:
        seen[(day_of(t.timestamp), t.channel)].add(t.sender_id)
    channels = sorted({c for _, c in seen})
    rows = [[d.isoformat(), CHANNELS.get(c, c), len(seen[(d, c)])] for d in days for c in channels if seen[(d, c)]]
    total = len({(t.sender_id, day_of(t.timestamp)) for t in turns})
    bars = [(d.strftime("%b %d"), {CHANNELS.get(c, c): len(seen[(d, c)]) for c in channels}) for d in days]
    return _figure("conversations", "Conversations per day, by channel",
                   f"{total} conversation-days in all.", ["day", "channel", "conversations"], rows, bars,
                   [CHANNELS.get(c, c) for c in channels])


def _escalations(turns) -> Dict[str, Any]:
    """Every message the risk component escalated, or asked directly about (urgency "check"), from the verdict
    in the parse data: what the bot did, whether or not a handoff was recorded."""
    risk = [t.risk for t in turns if t.risk.get("is_risk")]
    counts = Counter((r.get("category") or "unknown", r.get("urgency") or "unknown") for r in risk)
    urgencies = [u for u in ("imminent", "urgent", "check", "unknown") if any(k[1] == u for k in counts)]
    categories = sorted({k[0] for k in counts}, key=lambda c: (-sum(v for k, v in counts.items() if k[0] == c), c))
    rows = [[c, u, counts[(c, u)]] for c in categories for u in urgencies if counts[(c, u)]]
    bars = [(c.replace("_", " "), {u: counts[(c, u)] for u in urgencies}) for c in categories]
    return _figure("escalations", "Escalations by category and urgency",
                   f"{len(risk)} messages escalated or asked about directly (urgency check).",
                   ["category", "urgency", "escalations"], rows, bars, urgencies)


def join_bucket(minutes: Optional[float]) -> str:
    if minutes is None:
        return JOIN_BUCKETS[-1]
    for limit, name in zip((2, 5, 15, 60), JOIN_BUCKETS[:4], strict=True):
        if minutes < limit:
            return name
    return JOIN_BUCKETS[4]


def _time_to_join(handoffs) -> Dict[str, Any]:
    urgent = [h for h in handoffs if h.urgency in ("imminent", "urgent")]
    minutes = [(_aware(h.claimed_at) - _aware(h.created_at)).total_seconds() / 60 if h.claimed_at else None
               for h in urgent]
    counts = Counter(join_bucket(m) for m in minutes)
    joined = [m for m in minutes if m is not None]
    summary = (f"{len(urgent)} urgent conversations; a person joined {len(joined)}"
               + (f", after {median(joined):.1f} minutes at the median." if joined else "."))
    rows = [[b, counts[b]] for b in JOIN_BUCKETS]
    return _figure("time_to_join", "Time until a person joined an urgent conversation", summary,
                   ["time until a person joined", "urgent conversations"], rows,
                   [(b, {"conversations": counts[b]}) for b in JOIN_BUCKETS], ["conversations"])


def is_fallback(turn) -> bool:
    return turn.intent == review.FALLBACK_INTENT or "action_fallback" in turn.actions


def _fallback_rate(turns, days, day_of) -> Dict[str, Any]:
    messages, fallbacks = Counter(), Counter()
    for t in turns:
        messages[day_of(t.timestamp)] += 1
        fallbacks[day_of(t.timestamp)] += is_fallback(t)
    rows = [[d.isoformat(), messages[d], fallbacks[d], round(100 * fallbacks[d] / messages[d], 1) if messages[d] else 0]
            for d in days]
    total, missed = sum(messages.values()), sum(fallbacks.values())
    summary = (f"{missed} of {total} messages got the fallback ({100 * missed / total:.1f}%)." if total
               else "No messages in these days.")
    bars = [(d.strftime("%b %d"), {"fallback %": r[3]}) for d, r in zip(days, rows, strict=True)]
    return _figure("fallback_rate", "Fallback rate per day", summary,
                   ["day", "messages", "fallbacks", "fallback percent"], rows, bars, ["fallback %"], "%")


def _screens(turns, results) -> Dict[str, Any]:
    started = len({t.sender_id for t in turns if "loop:screening_form" in t.actions})
    outcomes = Counter(r.outcome for r in results)
    rows = [["started", started], ["finished", len(results)]] + \
        [[f"outcome: {o}", n] for o, n in sorted(outcomes.items(), key=lambda kv: -kv[1])]
    bars = [(str(r[0]).replace("_", " "), {"screens": r[1]}) for r in rows]
    return _figure("screens", "Screens started, finished, and their outcome",
                   f"{started} started, {len(results)} finished.", ["screens", "count"], rows, bars, ["screens"])


def _faq_topics(turns) -> Dict[str, Any]:
    counts = Counter(t.faq[0] for t in turns if t.faq[0] and not is_fallback(t))
    top = counts.most_common(10)
    rows = [[topic[4:] if topic.startswith("faq/") else topic, n] for topic, n in top]
    bars = [(str(r[0]).replace("_", " "), {"questions": r[1]}) for r in rows]
    return _figure("faq_topics", "Top FAQ topics", f"{sum(counts.values())} questions answered from the FAQ.",
                   ["topic", "questions"], rows, bars, ["questions"])


def _callbacks(asked) -> Dict[str, Any]:
    status = Counter(c.status for c in asked)
    rows = [["requested", len(asked)], ["done", status["called"]], ["no answer", status["no_answer"]],
            ["to do", status["new"]]]
    bars = [(r[0], {"callbacks": r[1]}) for r in rows]
    return _figure("callbacks", "Callbacks requested and done",
                   f"{len(asked)} requested, {status['called']} done.", ["callbacks", "count"], rows, bars,
                   ["callbacks"])


# The same colour for an urgency in every picture, the most urgent the darkest red.
SERIES_COLOURS = {"imminent": "#a31515", "urgent": "#b35900", "check": "#1f5fa8"}


def bars_svg(name: str, title: str, summary: str, bars: List[Tuple[str, Dict[str, float]]], series: List[str],
             unit: str = "", whole: Optional[float] = None) -> str:
    """Horizontal bars, stacked by series, with a legend when there are several. Text is escaped. `whole`: the
    value of a full-width bar (100 for a percentage); else the biggest bar is full width."""
    label_w, bar_w, row_h, top = 130, 380, 22, 8
    legend_h = 22 if len(series) > 1 else 0
    height = top + legend_h + row_h * max(1, len(bars)) + 8
    width = label_w + bar_w + 70
    biggest = whole or max([sum(v.values()) for _, v in bars] + [0]) or 1

    def colour(i: int, s: str) -> str:
        return SERIES_COLOURS.get(s) or COLOURS[i % len(COLOURS)]

    out = [f'<svg xmlns="http://www.w3.org/2000/svg" class="figure" role="img" width="{width}" height="{height}" '
           f'viewBox="0 0 {width} {height}" aria-labelledby="{name}-svg-title {name}-svg-desc">',
           f'<title id="{name}-svg-title">{escape(title)}</title><desc id="{name}-svg-desc">{escape(summary)}</desc>']
    if legend_h:
        x = label_w
        for i, s in enumerate(series):
            out.append(f'<rect x="{x}" y="{top}" width="12" height="12" fill="{colour(i, s)}"/>'
                       f'<text x="{x + 16}" y="{top + 11}" font-size="12" fill="#1a1a1a">{escape(s)}</text>')
            x += 24 + 7 * len(s)
    if not bars:
        out.append(f'<text x="{label_w}" y="{top + legend_h + 15}" font-size="13" fill="#1a1a1a">Nothing in these '
                   'days.</text>')
    for row, (label, values) in enumerate(bars):
        y = top + legend_h + row * row_h
        out.append(f'<text x="{label_w - 6}" y="{y + 15}" font-size="12" text-anchor="end" fill="#1a1a1a">'
                   f'{escape(label)}</text>')
        x = float(label_w)
        for i, s in enumerate(series):
            value = values.get(s, 0) or 0
            if value <= 0:
                continue
            w = bar_w * value / biggest
            out.append(f'<rect x="{x:.1f}" y="{y + 3}" width="{max(w, 1):.1f}" height="{row_h - 6}" '
                       f'fill="{colour(i, s)}"><title>{escape(label)}, {escape(s)}: '
                       f'{_number(value)}{unit}</title></rect>')
            x += w
        out.append(f'<text x="{x + 4:.1f}" y="{y + 15}" font-size="12" fill="#1a1a1a">'
                   f'{_number(sum(values.values()))}{unit}</text>')
    out.append("</svg>")
    return "".join(out)


def _number(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else f"{value:.1f}"


def to_csv(figure: Dict[str, Any]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(figure["columns"])
    for row in figure["rows"]:
        # A cell starting with = + - @ could run as a formula in a spreadsheet.
        writer.writerow(["'" + c if isinstance(c, str) and c[:1] in "=+-@" else c for c in row])
    return buffer.getvalue()
