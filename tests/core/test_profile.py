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
