"""Review labels: what a reviewer said the bot should have understood from a message (bot/console/review.py).

The second-reviewer rule: "not risk" on a message the bot escalated (or asked directly about) counts only once
a second reviewer, a different person, has given the same label. Until then it waits ("needs_second") and is
not exported. Any other label counts at once; labelling again replaces the earlier label.
"""
from __future__ import annotations

from typing import Dict, Iterable, List, Optional, Tuple

from sqlalchemy import select

from bot.core.privacy import mask_personal
from bot.storage.db import session_scope
from bot.storage.models import ReviewLabel, utcnow


class SameReviewer(ValueError):
    """The second label of a "not risk" on an escalation came from the reviewer who gave the first."""


def needs_second(kind: str, label: str, escalated: bool) -> bool:
    return kind == "risk" and label == "none" and escalated


def save_label(item_key: str, kind: str, text: str, label: str, who: str, *, bot_said: Optional[str] = None,
               escalated: bool = False, question: Optional[str] = None, url: Optional[str] = None) -> ReviewLabel:
    """Stores (or replaces) the label; returns it with its status. `text` is masked here, whatever it is."""
    now = utcnow()
    with session_scope(url) as session:
        row = session.execute(select(ReviewLabel).where(ReviewLabel.item_key == item_key,
                                                        ReviewLabel.kind == kind)).scalars().first()
        if needs_second(kind, label, escalated):
            if row is not None and row.label == label and row.status == "needs_second":
                if row.labelled_by == who:
                    raise SameReviewer("a second reviewer, not the first, must agree that this was not a risk")
                row.second_by, row.second_at, row.status = who, now, "counted"
                return row
            if row is not None and row.label == label and row.status == "counted":
                return row  # already agreed by two people
            status = "needs_second"
        else:
            status = "counted"
        if row is None:
            row = ReviewLabel(item_key=item_key, kind=kind)
            session.add(row)
        row.text, row.question, row.bot_said, row.label = mask_personal(text), question, bot_said, label
        row.confirmed = int(bot_said is not None and label == bot_said)
        row.status, row.labelled_by, row.labelled_at, row.second_by, row.second_at = status, who, now, None, None
        session.flush()
        return row


def labels_for(keys: Iterable[str], url: Optional[str] = None) -> Dict[Tuple[str, str], ReviewLabel]:
    keys = list(keys)
    if not keys:
        return {}
    with session_scope(url) as session:
        rows = session.execute(select(ReviewLabel).where(ReviewLabel.item_key.in_(keys))).scalars().all()
        return {(r.item_key, r.kind): r for r in rows}


def counted_labels(url: Optional[str] = None) -> List[ReviewLabel]:
    """The labels that count, for the export, oldest first."""
    with session_scope(url) as session:
        return list(session.execute(select(ReviewLabel).where(ReviewLabel.status == "counted")
                                    .order_by(ReviewLabel.id)).scalars())
