"""Tables the project owns. Rasa's tracker store keeps the conversations themselves."""
from __future__ import annotations

from datetime import datetime, timezone

from sqlalchemy import Column, DateTime, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import declarative_base

Base = declarative_base()

URGENCIES = ("imminent", "urgent", "routine")
HANDOFF_STATUSES = ("waiting", "claimed", "closed")
# How a handoff ended: a staff member gave the conversation back to the assistant, or closed it with a note.
RESOLUTIONS = ("handed_back", "closed")
# A callback request is to do ("new") until staff mark it done ("called") or that nobody answered ("no_answer").
CALLBACK_STATUSES = ("new", "called", "no_answer")
# SMS line (channel "twilio"): sent, failed, opted_out. Web chat (channel "socketio"): sent (emitted to an open chat,
# not acknowledged yet), delivered (the chat acknowledged it), no_session (no chat had the conversation open).
DELIVERY_STATUSES = ("sent", "failed", "opted_out", "delivered", "no_session")
# A staff member answers conversations; a reviewer also labels what the bot understood (the review page).
ROLES = ("staff", "reviewer")
# A label counts (is exported), or waits for a second reviewer: "not risk" on a message the bot escalated.
LABEL_STATUSES = ("counted", "needs_second")


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


class Handoff(Base):
    """A conversation that a person on staff should take over."""

    __tablename__ = "handoffs"

    id = Column(Integer, primary_key=True)
    conversation_id = Column(String(255), nullable=False, index=True)
    channel = Column(String(64), nullable=False, default="unknown")
    reason = Column(String(64), nullable=False)  # e.g. "risk", "asked_for_person", "not_understood"
    category = Column(String(64), nullable=True)  # the risk category when reason == "risk"
    urgency = Column(String(16), nullable=False, default="routine")
    status = Column(String(16), nullable=False, default="waiting", index=True)
    claimed_by = Column(String(255), nullable=True)  # staff username while claimed, kept after closing
    note = Column(Text, nullable=True)  # the staff member's closing note
    created_at = Column(DateTime(timezone=True), nullable=False, default=utcnow)
    updated_at = Column(DateTime(timezone=True), nullable=False, default=utcnow, onupdate=utcnow)
    closed_at = Column(DateTime(timezone=True), nullable=True)
    claimed_at = Column(DateTime(timezone=True), nullable=True)
    closed_by = Column(String(255), nullable=True)
    resolution = Column(String(16), nullable=True)  # one of RESOLUTIONS once closed


class ScreeningResult(Base):
    """A finished suitability screen. The minimum necessary: categories only, no name, no birth date."""

    __tablename__ = "screening_results"

    id = Column(Integer, primary_key=True)
    conversation_id = Column(String(255), nullable=False, index=True)
    channel = Column(String(64), nullable=False, default="unknown")
    outcome = Column(String(32), nullable=False)
    reasons = Column(Text, nullable=False, default="")  # comma-separated keys of outcome.REASONS
    answers = Column(Text, nullable=False, default="{}")  # JSON of the normalised answers, never free text
    created_at = Column(DateTime(timezone=True), nullable=False, default=utcnow, index=True)


class CallbackRequest(Base):
    """A person asked admissions to call them back, and agreed to be called."""

    __tablename__ = "callback_requests"

    id = Column(Integer, primary_key=True)
    conversation_id = Column(String(255), nullable=False, index=True)
    channel = Column(String(64), nullable=False, default="unknown")
    phone = Column(String(32), nullable=False)  # E.164, e.g. +16175550142
    best_time = Column(String(120), nullable=False)
    screening_outcome = Column(String(32), nullable=True)
    status = Column(String(16), nullable=False, default="new", index=True)  # one of CALLBACK_STATUSES
    created_at = Column(DateTime(timezone=True), nullable=False, default=utcnow, index=True)
    # The staff member who last changed the status in the console, and when.
    status_by = Column(String(64), nullable=True)
    status_at = Column(DateTime(timezone=True), nullable=True)


class SmsOptOut(Base):
    """A phone number that asked for no more texts (STOP and the like) until it opts back in."""

    __tablename__ = "sms_opt_outs"

    phone = Column(String(32), primary_key=True)  # E.164
    opted_out = Column(Integer, nullable=False, default=1)  # 1 while opted out, 0 after START
    updated_at = Column(DateTime(timezone=True), nullable=False, default=utcnow, onupdate=utcnow, index=True)


class MessageDelivery(Base):
    """What became of a staff reply (the channel records it as it sends). By text (channel "twilio"): sent (Twilio
    accepted every part), failed (Twilio refused or did not answer), or opted_out (not sent: the number texted
    STOP); "sent" is Twilio's acceptance, not the phone's receipt (that needs Twilio's status callbacks). In the
    web chat (channel "socketio"): sent (emitted to an open chat), delivered (the chat acknowledged every part),
    or no_session (no chat had the conversation open)."""

    __tablename__ = "message_deliveries"

    id = Column(String(32), primary_key=True)  # the delivery id the console put in the message's metadata
    conversation_id = Column(String(255), nullable=False, index=True)
    channel = Column(String(64), nullable=False, default="twilio")
    status = Column(String(16), nullable=False)  # one of DELIVERY_STATUSES
    created_at = Column(DateTime(timezone=True), nullable=False, default=utcnow, index=True)


class StaffUser(Base):
    """An admissions staff member who can sign in to the console (`python -m bot.console add-user`)."""

    __tablename__ = "staff_users"

    id = Column(Integer, primary_key=True)
    username = Column(String(64), nullable=False, unique=True)
    password_hash = Column(String(255), nullable=False)  # argon2id, with its parameters and salt
    created_at = Column(DateTime(timezone=True), nullable=False, default=utcnow)
    last_sign_in_at = Column(DateTime(timezone=True), nullable=True)
    role = Column(String(16), nullable=False, default="staff", server_default="staff")  # one of ROLES


class StaffSession(Base):
    """A signed-in browser. Only a keyed hash of the cookie's token is stored, so a copy of the table
    cannot be replayed as a cookie."""

    __tablename__ = "staff_sessions"

    token_hash = Column(String(64), primary_key=True)
    user_id = Column(Integer, ForeignKey("staff_users.id", ondelete="CASCADE"), nullable=False, index=True)
    csrf_token = Column(String(64), nullable=False)
    created_at = Column(DateTime(timezone=True), nullable=False, default=utcnow)
    last_seen_at = Column(DateTime(timezone=True), nullable=False, default=utcnow)
    expires_at = Column(DateTime(timezone=True), nullable=False, index=True)  # the absolute limit


class StaffAction(Base):
    """Who did what to a handoff, and when (claim, take_over, release, reply, hand_back, requeue, close). Never
    the words of a reply: those are in the conversation itself. Deleted with its handoff by retention."""

    __tablename__ = "staff_actions"

    id = Column(Integer, primary_key=True)
    handoff_id = Column(Integer, ForeignKey("handoffs.id", ondelete="CASCADE"), nullable=False, index=True)
    username = Column(String(64), nullable=False)  # kept as text: the record outlives a removed account
    action = Column(String(16), nullable=False)
    at = Column(DateTime(timezone=True), nullable=False, default=utcnow)
    # The staff member's note for whoever comes next, when the handoff stays open (a requeue); a closing note
    # is the handoff's own.
    note = Column(Text, nullable=True)


class NumberReveal(Base):
    """A staff member showed a person's full phone number in the console (an SMS conversation's, or a callback
    request's): who, when, and for which handoff or callback. Numbers are masked everywhere else. Deleted with
    its handoff or callback request (retention, "delete my chat")."""

    __tablename__ = "number_reveals"

    id = Column(Integer, primary_key=True)
    username = Column(String(64), nullable=False)  # kept as text: the record outlives a removed account
    at = Column(DateTime(timezone=True), nullable=False, default=utcnow)
    handoff_id = Column(Integer, ForeignKey("handoffs.id", ondelete="CASCADE"), nullable=True, index=True)
    callback_id = Column(Integer, ForeignKey("callback_requests.id", ondelete="CASCADE"), nullable=True, index=True)


class ReviewLabel(Base):
    """What a reviewer said the bot should have understood from one message: its FAQ topic or intent
    (kind "nlu"), risk or not with the category (kind "risk"), or a screen answer's value (kind "screen").

    Only the masked text is kept (bot/core/privacy.mask_personal), and the message is identified by `item_key`, the
    tracker store's event row id and time, never the conversation id (an SMS conversation's id is the phone
    number): the purge deletes the conversation and leaves the label, which is then all that remains."""

    __tablename__ = "review_labels"
    __table_args__ = (UniqueConstraint("item_key", "kind", name="uq_review_labels_item_kind"),)

    id = Column(Integer, primary_key=True)
    item_key = Column(String(64), nullable=False)
    kind = Column(String(16), nullable=False)  # nlu | risk | screen
    question = Column(String(32), nullable=True)  # the screen question, for kind "screen"
    text = Column(Text, nullable=False)  # masked
    bot_said = Column(String(64), nullable=True)  # what the bot understood, as a label of the same kind
    label = Column(String(64), nullable=False)
    confirmed = Column(Integer, nullable=False, default=0, server_default="0")  # 1: "the bot was right"
    status = Column(String(16), nullable=False, index=True)  # one of LABEL_STATUSES
    labelled_by = Column(String(64), nullable=False)
    labelled_at = Column(DateTime(timezone=True), nullable=False, default=utcnow)
    second_by = Column(String(64), nullable=True)  # the second reviewer who agreed, when one was needed
    second_at = Column(DateTime(timezone=True), nullable=True)
