"""Staff accounts and sign-in sessions for the console.

Passwords are hashed with argon2id (argon2-cffi's PasswordHasher and its current defaults). A session is a
random token in an HttpOnly cookie; the database keeps only an HMAC of it keyed with CONSOLE_SECRET, so a
copy of the table cannot be turned back into a cookie, and without a fixed CONSOLE_SECRET a restart signs
everyone out. Sessions end after IDLE of inactivity and at LIFETIME after sign-in, whichever comes first.
"""
from __future__ import annotations

import hashlib
import hmac
import os
import re
import secrets
import time
from collections import defaultdict, deque
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Deque, Dict, List, Optional

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from bot.storage.db import StorageError, session_scope
from bot.storage.models import ROLES, StaffSession, StaffUser, utcnow

IDLE = timedelta(hours=8)
LIFETIME = timedelta(hours=12)
TOUCH_EVERY = timedelta(minutes=1)  # the page polls every few seconds: don't write on every request
MIN_PASSWORD = 12
USERNAME_RE = re.compile(r"^[a-z0-9][a-z0-9._-]{1,63}$")

_hasher = PasswordHasher()
# Verified against when the username does not exist, so an unknown name takes as long as a wrong password.
_DUMMY_HASH = _hasher.hash(secrets.token_urlsafe(16))


class AccountError(ValueError):
    """A username or password that cannot be used; the message says why."""


@dataclass(frozen=True)
class SignedIn:
    user_id: int
    username: str
    csrf_token: str
    token_hash: str
    role: str = "staff"

    @property
    def reviewer(self) -> bool:
        return self.role == "reviewer"


def console_secret() -> bytes:
    """CONSOLE_SECRET, or a random one for this process (then a restart signs everyone out)."""
    global _secret
    if _secret is None:
        configured = os.environ.get("CONSOLE_SECRET")
        _secret = configured.encode() if configured else secrets.token_bytes(32)
    return _secret


_secret: Optional[bytes] = None


def _token_hash(token: str) -> str:
    return hmac.new(console_secret(), token.encode(), hashlib.sha256).hexdigest()


def _aware(when: datetime) -> datetime:
    return when if when.tzinfo else when.replace(tzinfo=timezone.utc)


# ---------- accounts ----------
def check_username(username: str) -> str:
    name = (username or "").strip().lower()
    if not USERNAME_RE.match(name):
        raise AccountError("a username is 2 to 64 characters: lowercase letters, digits, '.', '_' or '-'")
    return name


def check_password(password: str) -> None:
    if len(password or "") < MIN_PASSWORD:
        raise AccountError(f"the password must be at least {MIN_PASSWORD} characters long")
    if not password.strip():
        raise AccountError("the password cannot be only spaces")


def check_role(role: str) -> str:
    if role not in ROLES:
        raise AccountError("a role is " + " or ".join(ROLES))
    return role


def add_user(username: str, password: str, url: Optional[str] = None, role: str = "staff") -> int:
    name = check_username(username)
    check_password(password)
    check_role(role)
    try:
        with session_scope(url) as session:
            if session.execute(select(StaffUser.id).where(StaffUser.username == name)).first():
                raise AccountError(f"there is already an account called {name!r}")
            user = StaffUser(username=name, password_hash=_hasher.hash(password), role=role)
            session.add(user)
            session.flush()
            return user.id
    except AccountError:
        raise
    except Exception as exc:
        raise StorageError(f"could not create the account ({type(exc).__name__})") from exc


def _account(session: Session, name: str) -> Optional[StaffUser]:
    return session.execute(select(StaffUser).where(StaffUser.username == name)).scalars().first()


def _existing(session: Session, name: str) -> StaffUser:
    user = _account(session, name)
    if user is None:
        raise AccountError(f"there is no account called {name!r}")
    return user


def set_password(username: str, password: str, url: Optional[str] = None) -> None:
    """A new password; every session of that account ends."""
    name = check_username(username)
    check_password(password)
    with session_scope(url) as session:
        user = _existing(session, name)
        user.password_hash = _hasher.hash(password)
        session.execute(delete(StaffSession).where(StaffSession.user_id == user.id))


def set_role(username: str, role: str, url: Optional[str] = None) -> None:
    """"staff" answers conversations; "reviewer" also labels them on the review page."""
    name = check_username(username)
    check_role(role)
    with session_scope(url) as session:
        user = _existing(session, name)
        user.role = role


def remove_user(username: str, url: Optional[str] = None) -> bool:
    name = (username or "").strip().lower()
    with session_scope(url) as session:
        user = _account(session, name)
        if user is None:
            return False
        session.execute(delete(StaffSession).where(StaffSession.user_id == user.id))
        session.delete(user)
        return True


def list_users(url: Optional[str] = None) -> List[str]:
    with session_scope(url) as session:
        return list(session.execute(select(StaffUser.username).order_by(StaffUser.username)).scalars())


def authenticate(username: str, password: str, url: Optional[str] = None) -> Optional[int]:
    """The user's id when the password is right, else None (after the same amount of work)."""
    name = (username or "").strip().lower()
    with session_scope(url) as session:
        user = _account(session, name)
        stored = user.password_hash if user is not None else _DUMMY_HASH
        try:
            _hasher.verify(stored, password or "")
        except (VerificationError, InvalidHashError):
            return None
        if user is None:
            return None
        if _hasher.check_needs_rehash(stored):  # parameters raised since this hash was made
            user.password_hash = _hasher.hash(password)
        user.last_sign_in_at = utcnow()
        return user.id


# ---------- sessions ----------
def start_session(user_id: int, url: Optional[str] = None) -> str:
    """A new session; returns the token for the cookie. Expired sessions are removed on the way."""
    token = secrets.token_urlsafe(32)
    now = utcnow()
    with session_scope(url) as session:
        _delete_expired(session, now)
        session.add(StaffSession(token_hash=_token_hash(token), user_id=user_id, csrf_token=secrets.token_urlsafe(32),
                                 created_at=now, last_seen_at=now, expires_at=now + LIFETIME))
    return token


def current_session(token: Optional[str], url: Optional[str] = None) -> Optional[SignedIn]:
    """The signed-in staff member for a cookie's token, or None when missing, unknown or expired."""
    if not token or len(token) > 200:
        return None
    now = utcnow()
    key = _token_hash(token)
    with session_scope(url) as session:
        row = session.get(StaffSession, key)
        if row is None:
            return None
        if _aware(row.expires_at) <= now or _aware(row.last_seen_at) + IDLE <= now:
            session.delete(row)
            return None
        user = session.get(StaffUser, row.user_id)
        if user is None:
            return None
        if now - _aware(row.last_seen_at) >= TOUCH_EVERY:
            row.last_seen_at = now
        return SignedIn(user_id=user.id, username=user.username, csrf_token=row.csrf_token, token_hash=key,
                        role=user.role or "staff")


def end_session(token: Optional[str], url: Optional[str] = None) -> None:
    if not token:
        return
    with session_scope(url) as session:
        session.execute(delete(StaffSession).where(StaffSession.token_hash == _token_hash(token)))


def purge_expired_sessions(now: Optional[datetime] = None, url: Optional[str] = None) -> int:
    with session_scope(url) as session:
        return _delete_expired(session, now or utcnow())


def _delete_expired(session, now: datetime) -> int:
    return session.execute(delete(StaffSession).where(
        (StaffSession.expires_at <= now) | (StaffSession.last_seen_at <= now - IDLE))).rowcount


# ---------- slowing down guessing ----------
class SignInThrottle:
    """At most `limit` failed sign-ins per username and per address in `window` seconds (in this process)."""

    def __init__(self, limit: int = 10, window: float = 15 * 60) -> None:
        self.limit, self.window = limit, window
        self._failures: Dict[str, Deque[float]] = defaultdict(deque)

    def _recent(self, key: str, now: float) -> Deque[float]:
        times = self._failures[key]
        while times and times[0] <= now - self.window:
            times.popleft()
        return times

    def blocked(self, username: str, address: str) -> bool:
        now = time.monotonic()
        return any(len(self._recent(k, now)) >= self.limit for k in self._keys(username, address))

    def failed(self, username: str, address: str) -> None:
        now = time.monotonic()
        for key in self._keys(username, address):
            self._recent(key, now).append(now)

    def succeeded(self, username: str) -> None:
        self._failures.pop("user:" + (username or "").strip().lower(), None)

    @staticmethod
    def _keys(username: str, address: str) -> List[str]:
        return ["user:" + (username or "").strip().lower()[:64], "addr:" + (address or "?")]
