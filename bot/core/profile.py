"""The clinic profile: loading, validation and the values the bot's answers are rendered with.

A clinic adapts the assistant by editing one YAML file (`clinic.yml` by default). Everything the bot
says about the program's own details comes from here, through the slots returned by `as_slots()`.
"""
from __future__ import annotations

import re
import sys
from dataclasses import dataclass, field
from datetime import datetime, time
from pathlib import Path
from typing import Any, Dict, List, Optional, Tuple

import yaml

from bot.core.settings import profile_path

DAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
DEFAULT_COST_NOTE = (
    "Your cost depends on your insurance or funding. Our admissions team can check your benefits for free."
)
# Answers for the optional details. Each says only what is true of any IOP and sends people to the team for
# the clinic's own fact, so a profile that leaves a detail out never makes the bot invent one.
DEFAULT_AGES_NOTE = "Our admissions team can tell you which ages our program serves."
DEFAULT_START_NOTE = (
    "How soon you can start depends on your intake assessment and on openings in the group times that suit you."
    " Our admissions team can tell you the next opening."
)
DEFAULT_DIRECTIONS = "Our team can help with directions and parking."
DEFAULT_SESSION_LENGTH = "Most IOP sessions last about 3 hours, with a short break."
DEFAULT_BRING = (
    "a photo ID",
    "your insurance card, if you have one",
    "a list of the medicines you take and their doses",
    "the names of your doctors or counselors",
)
_HOURS_RE = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)-([01]\d|2[0-4]):([0-5]\d)$")


class ProfileError(ValueError):
    """The profile file is missing or invalid; the message lists every problem found."""


@dataclass(frozen=True)
class ClinicProfile:
    program_name: str
    phone: str
    office_hours: str
    address: str
    insurance_accepted: Tuple[str, ...]
    session_tracks: Tuple[str, ...]
    session_days: str
    virtual_available: bool
    virtual_description: str
    staffed_timezone: str
    staffed_hours: Dict[str, Optional[Tuple[time, time]]]
    retention_days: int
    cost_note: str = DEFAULT_COST_NOTE
    ages_note: str = DEFAULT_AGES_NOTE
    start_note: str = DEFAULT_START_NOTE
    session_length: str = DEFAULT_SESSION_LENGTH
    directions: str = DEFAULT_DIRECTIONS
    what_to_bring: Tuple[str, ...] = DEFAULT_BRING
    sms_show_program_name: bool = False
    extra: Dict[str, Any] = field(default_factory=dict)

    def is_staffed(self, when: datetime) -> bool:
        """Whether a person should be available at `when` (aware datetime, any timezone)."""
        from zoneinfo import ZoneInfo

        local = when.astimezone(ZoneInfo(self.staffed_timezone))
        window = self.staffed_hours.get(DAYS[local.weekday()])
        return window is not None and window[0] <= local.time() < window[1]

    def as_slots(self) -> Dict[str, str]:
        """The values answers are rendered with (slot name -> text)."""
        if self.virtual_available:
            virtual = self.virtual_description or "We also offer a virtual track with live video groups."
        else:
            virtual = self.virtual_description or "Right now all our groups meet in person."
        return {
            "program_name": self.program_name,
            "program_phone": self.phone,
            "program_hours": self.office_hours,
            "program_address": self.address,
            "insurance_list": join_words(self.insurance_accepted),
            "session_tracks": f"{join_words(self.session_tracks)}, {self.session_days}"
            if self.session_days
            else join_words(self.session_tracks),
            "virtual_option": virtual,
            "cost_note": self.cost_note,
            "staffed_hours": describe_hours(self.staffed_hours),
            "retention_days": str(self.retention_days),
            "ages_note": self.ages_note,
            "start_note": self.start_note,
            "session_length": self.session_length,
            "directions": self.directions,
            "bring_list": join_words(self.what_to_bring),
        }


def join_words(items: Tuple[str, ...] | List[str]) -> str:
    items = [i for i in items if i]
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]


def _clock(t: time) -> str:
    hour = t.hour % 12 or 12
    suffix = "am" if t.hour < 12 else "pm"
    if t.hour == 12 and t.minute == 0:
        return "noon"
    if t.hour == 0 and t.minute == 0:
        return "midnight"
    return f"{hour} {suffix}" if t.minute == 0 else f"{hour}:{t.minute:02d} {suffix}"


def describe_hours(hours: Dict[str, Optional[Tuple[time, time]]]) -> str:
    """'Monday to Friday, 8 am to 8 pm; Saturday, 9 am to 1 pm' from the weekly table."""
    groups: List[Tuple[List[str], Tuple[time, time]]] = []
    for day in DAYS:
        window = hours.get(day)
        if not window:
            continue
        if groups and groups[-1][1] == window and DAYS.index(groups[-1][0][-1]) == DAYS.index(day) - 1:
            groups[-1][0].append(day)
        else:
            groups.append(([day], window))
    if not groups:
        return "no set hours"
    parts = []
    for days, (start, end) in groups:
        label = days[0].title() if len(days) == 1 else f"{days[0].title()} to {days[-1].title()}"
        if len(days) == 2:
            label = f"{days[0].title()} and {days[1].title()}"
        parts.append(f"{label}, {_clock(start)} to {_clock(end)}")
    return "; ".join(parts)


def _text(raw: Dict[str, Any], key: str, errors: List[str], required: bool = True) -> str:
    value = raw.get(key)
    if value is None or (isinstance(value, str) and not value.strip()):
        if required:
            errors.append(f"'{key}' is missing: add it as a line of text")
        return ""
    if not isinstance(value, (str, int, float)):
        errors.append(f"'{key}' must be a line of text")
        return ""
    return str(value).strip()


def _text_list(raw: Dict[str, Any], key: str, errors: List[str]) -> Tuple[str, ...]:
    value = raw.get(key)
    if not isinstance(value, list) or not value or not all(isinstance(v, str) and v.strip() for v in value):
        errors.append(f"'{key}' must be a list with at least one line of text")
        return ()
    return tuple(v.strip() for v in value)


def _staffed_hours(raw: Any, errors: List[str]) -> Tuple[str, Dict[str, Optional[Tuple[time, time]]]]:
    if not isinstance(raw, dict):
        errors.append("'staffed_hours' must list the days of the week with hours like \"08:00-20:00\" or null")
        return "UTC", {}
    tz = str(raw.get("timezone") or "")
    try:
        from zoneinfo import ZoneInfo

        ZoneInfo(tz)
    except Exception:
        errors.append(f"'staffed_hours.timezone' must be a timezone name such as America/New_York, not '{tz}'")
        tz = "UTC"
    table: Dict[str, Optional[Tuple[time, time]]] = {}
    for day in DAYS:
        value = raw.get(day)
        if value in (None, "", "closed"):
            table[day] = None
            continue
        match = _HOURS_RE.match(str(value).strip())
        if not match:
            errors.append(f"'staffed_hours.{day}' must look like \"08:00-20:00\" or be null, not '{value}'")
            continue
        h1, m1, h2, m2 = (int(g) for g in match.groups())
        start, end = time(h1, m1), (time(23, 59, 59) if h2 == 24 else time(h2, m2))
        if end <= start:
            errors.append(f"'staffed_hours.{day}' must end after it starts")
            continue
        table[day] = (start, end)
    unknown = set(raw) - set(DAYS) - {"timezone"}
    if unknown:
        errors.append(f"'staffed_hours' has unknown keys: {', '.join(sorted(unknown))}")
    return tz, table


def parse_profile(raw: Any, source: str = "profile") -> ClinicProfile:
    """Validate a profile mapping; raise ProfileError naming every problem at once."""
    if not isinstance(raw, dict):
        raise ProfileError(f"{source}: the file must be a YAML mapping of keys such as program_name and phone")
    errors: List[str] = []
    phone = _text(raw, "phone", errors)
    if phone and len(re.sub(r"\D", "", phone)) not in (10, 11):
        errors.append(f"'phone' must be a full phone number with area code, such as (617) 555-0142, not '{phone}'")
    virtual = raw.get("virtual") or {}
    if not isinstance(virtual, dict) or not isinstance(virtual.get("available", False), bool):
        errors.append("'virtual' must have 'available: true' or 'available: false' and an optional 'description'")
        virtual = {}
    retention = raw.get("retention_days")
    if not isinstance(retention, int) or isinstance(retention, bool) or not 1 <= retention <= 3650:
        errors.append("'retention_days' must be a whole number of days between 1 and 3650")
        retention = 0
    sms = raw.get("sms") or {}
    if not isinstance(sms, dict):
        errors.append("'sms' must be a mapping such as 'show_program_name: false'")
        sms = {}
    tz, hours = _staffed_hours(raw.get("staffed_hours"), errors)
    profile: Dict[str, Any] = dict(
        program_name=_text(raw, "program_name", errors),
        phone=phone,
        office_hours=_text(raw, "office_hours", errors),
        address=_text(raw, "address", errors),
        insurance_accepted=_text_list(raw, "insurance_accepted", errors),
        session_tracks=_text_list(raw, "session_tracks", errors),
        session_days=_text(raw, "session_days", errors, required=False),
        virtual_available=bool(virtual.get("available", False)),
        virtual_description=str(virtual.get("description") or "").strip(),
        staffed_timezone=tz,
        staffed_hours=hours,
        retention_days=retention,
        cost_note=_text(raw, "cost_note", errors, required=False) or DEFAULT_COST_NOTE,
        sms_show_program_name=bool(sms.get("show_program_name", False)),
        ages_note=_text(raw, "ages_note", errors, required=False) or DEFAULT_AGES_NOTE,
        start_note=_text(raw, "start_note", errors, required=False) or DEFAULT_START_NOTE,
        session_length=_text(raw, "session_length", errors, required=False) or DEFAULT_SESSION_LENGTH,
        directions=_text(raw, "directions", errors, required=False) or DEFAULT_DIRECTIONS,
        what_to_bring=_text_list(raw, "what_to_bring", errors) if "what_to_bring" in raw else DEFAULT_BRING,
    )
    if errors:
        raise ProfileError(f"{source} has {len(errors)} problem(s):\n  - " + "\n  - ".join(errors))
    return ClinicProfile(**profile)


def load_profile(path: Optional[Path] = None) -> ClinicProfile:
    path = Path(path or profile_path())
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ProfileError(f"clinic profile not found at {path}: copy clinic.yml or set CLINIC_PROFILE") from None
    except yaml.YAMLError as exc:
        raise ProfileError(f"{path} is not valid YAML: {exc}") from None
    return parse_profile(raw, str(path))


_cached: Dict[Path, Tuple[float, ClinicProfile]] = {}


def current_profile() -> ClinicProfile:
    """The profile from disk, re-read only when the file changes."""
    path = Path(profile_path()).resolve()
    mtime = path.stat().st_mtime if path.exists() else -1.0
    hit = _cached.get(path)
    if hit and hit[0] == mtime:
        return hit[1]
    profile = load_profile(path)
    _cached[path] = (mtime, profile)
    return profile


if __name__ == "__main__":  # `python -m bot.core.profile`: the start-up check
    try:
        p = load_profile()
    except ProfileError as exc:
        print(f"error: {exc}", file=sys.stderr)
        sys.exit(1)
    print(f"clinic profile OK: {p.program_name}, {p.phone}")
