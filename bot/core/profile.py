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
# The same defaults in Spanish, for a conversation in Spanish (the `language` slot) when the clinic left the detail
# out. A detail the clinic wrote itself in English and not in Spanish stays in English (README "Configure the clinic").
DEFAULT_COST_NOTE_ES = (
    "Lo que usted paga depende de su seguro o de cómo se cubra el programa. Nuestro equipo de admisiones puede revisar"
    " sus beneficios gratis."
)
DEFAULT_AGES_NOTE_ES = "Nuestro equipo de admisiones puede decirle qué edades atiende nuestro programa."
DEFAULT_START_NOTE_ES = (
    "Cuándo puede empezar depende de su evaluación de ingreso y de los cupos en los horarios de grupo que le sirvan."
    " Nuestro equipo de admisiones puede decirle cuál es el próximo cupo."
)
DEFAULT_DIRECTIONS_ES = "Nuestro equipo puede ayudarle con indicaciones para llegar y con el estacionamiento."
DEFAULT_SESSION_LENGTH_ES = "La mayoría de las sesiones de IOP duran unas 3 horas, con un descanso corto."
DEFAULT_BRING_ES = (
    "una identificación con foto",
    "su tarjeta del seguro, si tiene una",
    "una lista de los medicamentos que toma y sus dosis",
    "los nombres de sus médicos o consejeros",
)
DEFAULT_VIRTUAL_ES = "También ofrecemos un horario virtual con grupos en vivo por video."
DEFAULT_NO_VIRTUAL_ES = "Por ahora todos nuestros grupos se reúnen en persona."
# The optional `spanish:` mapping of clinic.yml: the same keys as the English details (lists stay lists).
SPANISH_TEXT_KEYS = ("office_hours", "cost_note", "ages_note", "start_note", "session_length", "directions",
                     "session_days", "virtual_description")
SPANISH_LIST_KEYS = ("insurance_accepted", "session_tracks", "what_to_bring")
DAYS_ES = ("lunes", "martes", "miércoles", "jueves", "viernes", "sábado", "domingo")
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
    # The clinic's own Spanish wording of its details (clinic.yml `spanish:`), by the English key.
    spanish: Dict[str, Any] = field(default_factory=dict)

    def is_staffed(self, when: datetime) -> bool:
        """Whether a person should be available at `when` (aware datetime, any timezone)."""
        from zoneinfo import ZoneInfo

        local = when.astimezone(ZoneInfo(self.staffed_timezone))
        window = self.staffed_hours.get(DAYS[local.weekday()])
        return window is not None and window[0] <= local.time() < window[1]

    def as_slots(self, language: Optional[str] = None) -> Dict[str, str]:
        """The values answers are rendered with (slot name -> text); language "es": in Spanish (as_slots_es)."""
        if language == "es":
            return self.as_slots_es()
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


    def as_slots_es(self) -> Dict[str, str]:
        """The same values for a conversation in Spanish: the clinic's `spanish:` wording where it gave one; else
        generated Spanish for what is computed (hours, days, lists) and the Spanish default for a detail the clinic
        left out; a free-text detail the clinic wrote only in English stays in English (never a made-up translation)."""
        es, slots = self.spanish, self.as_slots()

        def note(key: str, value: str, default_en: str, default_es: str) -> str:
            return es.get(key) or (default_es if value == default_en else value)

        if self.virtual_available:
            virtual = es.get("virtual_description") or self.virtual_description or DEFAULT_VIRTUAL_ES
        else:
            virtual = es.get("virtual_description") or self.virtual_description or DEFAULT_NO_VIRTUAL_ES
        tracks = join_words(es.get("session_tracks") or [spanish_schedule(t) or t for t in self.session_tracks], "y")
        days = es.get("session_days") or (spanish_schedule(self.session_days) or self.session_days)
        bring = es.get("what_to_bring") or (DEFAULT_BRING_ES if self.what_to_bring == DEFAULT_BRING
                                            else self.what_to_bring)
        return {
            **slots,
            "program_hours": es.get("office_hours") or spanish_schedule(self.office_hours) or self.office_hours,
            "insurance_list": join_words(es.get("insurance_accepted") or self.insurance_accepted, "y"),
            "session_tracks": f"{tracks}, {days}" if days else tracks,
            "virtual_option": virtual,
            "cost_note": note("cost_note", self.cost_note, DEFAULT_COST_NOTE, DEFAULT_COST_NOTE_ES),
            "staffed_hours": describe_hours_es(self.staffed_hours),
            "ages_note": note("ages_note", self.ages_note, DEFAULT_AGES_NOTE, DEFAULT_AGES_NOTE_ES),
            "start_note": note("start_note", self.start_note, DEFAULT_START_NOTE, DEFAULT_START_NOTE_ES),
            "session_length": note("session_length", self.session_length, DEFAULT_SESSION_LENGTH,
                                   DEFAULT_SESSION_LENGTH_ES),
            "directions": note("directions", self.directions, DEFAULT_DIRECTIONS, DEFAULT_DIRECTIONS_ES),
            "bring_list": join_words(bring, "y"),
        }


def join_words(items: Tuple[str, ...] | List[str], conjunction: str = "and") -> str:
    items = [i for i in items if i]
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + f" {conjunction} " + items[-1]


def _clock(t: time) -> str:
    hour = t.hour % 12 or 12
    suffix = "am" if t.hour < 12 else "pm"
    if t.hour == 12 and t.minute == 0:
        return "noon"
    if t.hour == 0 and t.minute == 0:
        return "midnight"
    return f"{hour} {suffix}" if t.minute == 0 else f"{hour}:{t.minute:02d} {suffix}"


def _day_runs(hours: Dict[str, Optional[Tuple[time, time]]]) -> List[Tuple[List[str], Tuple[time, time]]]:
    """Consecutive days with the same opening hours, in week order: ([monday, ..., friday], (8:00, 20:00))."""
    groups: List[Tuple[List[str], Tuple[time, time]]] = []
    for day in DAYS:
        window = hours.get(day)
        if not window:
            continue
        if groups and groups[-1][1] == window and DAYS.index(groups[-1][0][-1]) == DAYS.index(day) - 1:
            groups[-1][0].append(day)
        else:
            groups.append(([day], window))
    return groups


def describe_hours(hours: Dict[str, Optional[Tuple[time, time]]]) -> str:
    """'Monday to Friday, 8 am to 8 pm; Saturday, 9 am to 1 pm' from the weekly table."""
    groups = _day_runs(hours)
    if not groups:
        return "no set hours"
    parts = []
    for days, (start, end) in groups:
        label = days[0].title() if len(days) == 1 else f"{days[0].title()} to {days[-1].title()}"
        if len(days) == 2:
            label = f"{days[0].title()} and {days[1].title()}"
        parts.append(f"{label}, {_clock(start)} to {_clock(end)}")
    return "; ".join(parts)


def _clock_es(t: time) -> str:
    if t.hour == 12 and t.minute == 0:
        return "mediodía"
    if t.hour == 0 and t.minute == 0:
        return "medianoche"
    hour, suffix = t.hour % 12 or 12, "a. m." if t.hour < 12 else "p. m."
    return f"{hour} {suffix}" if t.minute == 0 else f"{hour}:{t.minute:02d} {suffix}"


def describe_hours_es(hours: Dict[str, Optional[Tuple[time, time]]]) -> str:
    """describe_hours in Spanish: 'de lunes a viernes, de 8 a. m. a 8 p. m.; sábado, de 9 a. m. a 1 p. m.'"""
    groups = _day_runs(hours)
    if not groups:
        return "sin horario fijo"
    parts = []
    for days, (start, end) in groups:
        first, last = DAYS_ES[DAYS.index(days[0])], DAYS_ES[DAYS.index(days[-1])]
        label = first if len(days) == 1 else (f"{first} y {last}" if len(days) == 2 else f"de {first} a {last}")
        parts.append(f"{label}, de {_clock_es(start)} a {_clock_es(end)}")
    return "; ".join(parts)


# Words of the usual hours and days wording ("Monday to Friday, 8 am to 6 pm", "evening, 6 to 9 pm",
# "Monday, Wednesday and Thursday"), for a clinic that wrote them only in English.
_SCHEDULE_WORDS = {
    **dict(zip(DAYS, DAYS_ES, strict=True)), **{d[:3]: es for d, es in zip(DAYS, DAYS_ES, strict=True)},
    "weekdays": "días de semana", "weekends": "fines de semana", "daily": "todos los días",
    "to": "a", "through": "a", "and": "y", "or": "o", "from": "de", "until": "hasta", "closed": "cerrado",
    "am": "a. m.", "pm": "p. m.", "a.m.": "a. m.", "p.m.": "p. m.", "noon": "mediodía", "midnight": "medianoche",
    "morning": "mañana", "afternoon": "tarde", "evening": "noche", "night": "noche",
}


def spanish_schedule(text: str) -> Optional[str]:
    """Hours and days written in English, word for word in Spanish ("Monday to Friday, 8 am to 6 pm" -> "lunes a
    viernes, 8 a. m. a 6 p. m."); None when a word is not one of the known schedule words (the caller keeps the
    English text rather than guess)."""
    tokens = re.findall(r"\d{1,2}(?::\d{2})?|[ap]\.m\.|[A-Za-z]+|[,;:()\-]", text or "")
    if not tokens or "".join(tokens).replace(" ", "") != re.sub(r"\s+", "", text):
        return None
    out: List[str] = []
    for token in tokens:
        if re.fullmatch(r"\d{1,2}(?::\d{2})?|[,;:()\-]", token):
            out.append(token)
        elif token.lower() in _SCHEDULE_WORDS:
            out.append(_SCHEDULE_WORDS[token.lower()])
        else:
            return None
    return re.sub(r"\s+([,;:)])", r"\1", re.sub(r"\(\s+", "(", " ".join(out)))


def _spanish(raw: Any, errors: List[str]) -> Dict[str, Any]:
    """The optional `spanish:` mapping: the clinic's details in Spanish, under the English keys."""
    if raw is None:
        return {}
    allowed = SPANISH_TEXT_KEYS + SPANISH_LIST_KEYS
    if not isinstance(raw, dict):
        errors.append(f"'spanish' must be a mapping with some of these keys: {', '.join(allowed)}")
        return {}
    unknown = sorted(str(k) for k in set(raw) - set(allowed))
    if unknown:
        errors.append(f"'spanish' has unknown keys: {', '.join(unknown)} (allowed: {', '.join(allowed)})")
    out: Dict[str, Any] = {}
    for key in SPANISH_TEXT_KEYS:
        value = raw.get(key)
        if key not in raw:
            continue
        if not isinstance(value, (str, int, float)) or isinstance(value, bool) or not str(value).strip():
            errors.append(f"'spanish.{key}' must be a line of text (or leave the key out)")
            continue
        out[key] = str(value).strip()
    for key in SPANISH_LIST_KEYS:
        value = raw.get(key)
        if key not in raw:
            continue
        if not isinstance(value, list) or not value or not all(isinstance(v, str) and v.strip() for v in value):
            errors.append(f"'spanish.{key}' must be a list with at least one line of text (or leave the key out)")
            continue
        out[key] = tuple(v.strip() for v in value)
    return out


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
        spanish=_spanish(raw.get("spanish"), errors),
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
