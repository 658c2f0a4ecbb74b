"""The clinic profile: validation with clear errors, and the values answers are rendered with."""
from datetime import datetime, timezone
from pathlib import Path

import pytest
import yaml

from bot.core.profile import ProfileError, describe_hours, load_profile, parse_profile
from bot.core.settings import ROOT

MINIMAL = {
    "program_name": "Test IOP",
    "phone": "555-555-0100",
    "office_hours": "weekdays 9 to 5",
    "address": "1 Main St",
    "insurance_accepted": ["Medicaid"],
    "session_tracks": ["evening, 6 to 9 pm"],
    "staffed_hours": {"timezone": "UTC", "monday": "09:00-17:00"},
    "retention_days": 30,
}


def test_shipped_example_profile_is_valid():
    profile = load_profile(ROOT / "clinic.yml")
    slots = profile.as_slots()
    assert slots["program_phone"] == "(617) 555-0142"
    assert "Medicare" in slots["insurance_list"] and " and " in slots["insurance_list"]
    assert slots["staffed_hours"].startswith("Monday to Friday, 8 am to 8 pm")


def test_minimal_profile_renders_every_slot():
    slots = parse_profile(MINIMAL).as_slots()
    assert all(isinstance(v, str) and v for v in slots.values()), slots
    assert slots["virtual_option"]  # a default sentence when the profile says nothing
    assert slots["cost_note"]


def test_every_problem_is_listed_at_once():
    raw = dict(MINIMAL, phone="12", retention_days="soon")
    del raw["program_name"]
    with pytest.raises(ProfileError) as err:
        parse_profile(raw)
    text = str(err.value)
    assert "3 problem(s)" in text and "'program_name' is missing" in text
    assert "full phone number" in text and "retention_days" in text


def test_bad_hours_and_timezone_are_explained():
    raw = dict(MINIMAL, staffed_hours={"timezone": "Mars/Base", "monday": "9am-5pm"})
    with pytest.raises(ProfileError) as err:
        parse_profile(raw)
    assert "timezone" in str(err.value) and "08:00-20:00" in str(err.value)


def test_missing_and_broken_files(tmp_path: Path):
    with pytest.raises(ProfileError, match="not found"):
        load_profile(tmp_path / "nope.yml")
    bad = tmp_path / "bad.yml"
    bad.write_text("program_name: [unclosed")
    with pytest.raises(ProfileError, match="not valid YAML"):
        load_profile(bad)


def test_staffed_hours_follow_the_clinic_timezone(tmp_path: Path):
    raw = yaml.safe_load((ROOT / "clinic.yml").read_text())
    profile = parse_profile(raw)
    # Monday 2026-11-23, 13:00 UTC is 8 am in New York: staffed. 01:00 UTC Monday is Sunday night there.
    assert profile.is_staffed(datetime(2026, 11, 23, 13, 0, tzinfo=timezone.utc))
    assert not profile.is_staffed(datetime(2026, 11, 23, 12, 59, tzinfo=timezone.utc))
    assert not profile.is_staffed(datetime(2026, 11, 23, 1, 0, tzinfo=timezone.utc))


def test_describe_hours_groups_days():
    from datetime import time

    hours = {d: (time(8), time(20)) for d in ("monday", "tuesday", "wednesday")}
    hours["saturday"] = (time(9), time(12))
    assert describe_hours(hours) == "Monday to Wednesday, 8 am to 8 pm; Saturday, 9 am to noon"


def test_optional_details_fall_back_to_general_answers():
    """A profile without ages, start, session length, directions or a list to bring never invents them."""
    slots = parse_profile(MINIMAL).as_slots()
    assert "admissions team" in slots["ages_note"] and "18" not in slots["ages_note"]
    assert "next opening" in slots["start_note"]
    assert "photo ID" in slots["bring_list"] and slots["bring_list"].count(",") >= 2
    shipped = load_profile(ROOT / "clinic.yml").as_slots()
    assert "18 and older" in shipped["ages_note"]
    assert "bus" in shipped["directions"]


def test_what_to_bring_must_be_a_list():
    with pytest.raises(ProfileError, match="what_to_bring"):
        parse_profile(dict(MINIMAL, what_to_bring="an ID"))


def test_the_example_profile_has_spanish_values_for_conversations_in_spanish():
    profile = load_profile(ROOT / "clinic.yml")
    english, spanish = profile.as_slots(), profile.as_slots("es")
    assert set(english) == set(spanish)
    assert spanish["cost_note"] == profile.spanish["cost_note"] and spanish["cost_note"] != english["cost_note"]
    assert spanish["staffed_hours"].startswith("de lunes a viernes, de 8 a. m. a 8 p. m.; sábado")
    assert spanish["insurance_list"].endswith(" y Tufts Health Plan")
    assert spanish["session_tracks"].endswith("lunes, miércoles y jueves")
    assert "una identificación con foto" in spanish["bring_list"]
    assert spanish["program_phone"] == english["program_phone"]
    assert profile.as_slots("en") == english


def test_without_spanish_values_computed_ones_are_generated_and_the_clinics_own_notes_stay_english():
    raw = dict(MINIMAL, office_hours="Monday to Friday, 8 am to 6 pm", session_days="Monday and Thursday",
               cost_note="Ask us about our sliding scale.")
    spanish = parse_profile(raw).as_slots("es")
    assert spanish["program_hours"] == "lunes a viernes, 8 a. m. a 6 p. m."
    assert spanish["session_tracks"] == "noche, 6 a 9 p. m., lunes y jueves"
    assert spanish["staffed_hours"] == "lunes, de 9 a. m. a 5 p. m."
    assert spanish["cost_note"] == "Ask us about our sliding scale."  # the clinic's own words: never guessed at
    assert spanish["ages_note"].startswith("Nuestro equipo de admisiones")  # the project's default, in Spanish
    assert spanish["virtual_option"].startswith("Por ahora todos nuestros grupos")
    assert spanish["bring_list"].startswith("una identificación con foto")
    # Hours in words the generator does not know stay as the clinic wrote them.
    assert parse_profile(dict(MINIMAL, office_hours="weekdays by appointment")).as_slots("es")["program_hours"] == \
        "weekdays by appointment"


def test_the_spanish_mapping_is_validated_with_clear_errors():
    good = parse_profile(dict(MINIMAL, spanish={"cost_note": "Pregúntenos.", "what_to_bring": ["su identificación"]}))
    assert good.as_slots("es")["cost_note"] == "Pregúntenos."
    assert good.as_slots("es")["bring_list"] == "su identificación"
    with pytest.raises(ProfileError) as err:
        parse_profile(dict(MINIMAL, spanish={"cost_nota": "x", "what_to_bring": "una lista", "ages_note": ""}))
    text = str(err.value)
    assert "3 problem(s)" in text
    assert "'spanish' has unknown keys: cost_nota" in text and "allowed: office_hours" in text
    assert "'spanish.what_to_bring' must be a list" in text and "'spanish.ages_note' must be a line of text" in text
    with pytest.raises(ProfileError, match="'spanish' must be a mapping"):
        parse_profile(dict(MINIMAL, spanish=["hola"]))
