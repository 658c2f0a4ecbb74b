"""`make script`: every response appears once, with the clinic's values filled in and the numbers in full."""
import re

import pytest

from tools import script
from tests.said import project_domain

PAGES = ("crisis", "faq", "screening", "handoff", "errors", "other", "spanish")


@pytest.fixture(scope="module")
def pages(tmp_path_factory):
    out = tmp_path_factory.mktemp("script")
    written = script.write_script(out)
    assert sorted(p.name for p in written) == sorted(["README.md", *(f"{p}.md" for p in PAGES)])
    return {p: (out / f"{p}.md").read_text() for p in PAGES}


def test_every_response_appears_once(pages):
    headings = [h for text in pages.values() for h in re.findall(r"^### (\S+)$", text, re.M)]
    # domain.yml's responses and the FAQ answers Rasa reads from data/faq.yml: what the bot can send.
    assert sorted(headings) == sorted(project_domain().responses)
    assert len(headings) == len(set(headings))
    assert sum(h.startswith("utter_faq/") for h in headings) == 20
    assert all(re.search(rf"^### {re.escape(h)}$", pages["faq"], re.M) for h in headings if h.startswith("utter_faq/"))


def test_each_category_has_its_responses(pages):
    assert "### utter_crisis\n" in pages["crisis"] and "### utter_crisis_spanish" in pages["crisis"]
    assert "### utter_escalation_person_later" in pages["crisis"]
    assert "### utter_screening_result_detox_first" in pages["screening"]
    assert "### utter_handoff_closed_urgent" in pages["handoff"] and "### utter_callback_saved" in pages["handoff"]
    assert "### utter_fallback_offer_person" in pages["errors"]
    assert "### utter_greet" in pages["other"]
    # The fixed sentences that go into the screen's result are reviewed with it.
    from bot.core.screening.outcome import REASONS

    assert all(text in pages["screening"] for text in REASONS.values())


def test_crisis_numbers_are_written_out_in_full(pages):
    crisis = pages["crisis"]
    for number in ("call 911", "call or text 988", "988lifeline.org", "1-800-222-1222", "1-800-799-7233",
                   "text START to 88788", "text HOME to 741741", "1-800-662-4357", "oprima 2", "AYUDA al 988",
                   "press 1, or text 838255"):
        assert number in crisis, number


def test_the_profile_values_are_filled_in_and_sms_variants_shown(pages):
    from bot.core.profile import current_profile

    profile = current_profile()
    everything = "\n".join(pages.values())
    assert profile.phone in everything and profile.program_name in everything
    left = set(re.findall(r"\{(\w+)\}", everything))
    # Only what an action passes (explained on the page) and the crisis payload's slots stay in braces.
    assert left <= set(script.ACTION_VALUES) | {"risk_category", "risk_urgency", "questions"}, left
    assert "SMS (`channel: twilio`)" in pages["screening"] and "Reply 1 yes, 2 no" in pages["screening"]


def test_the_command_writes_to_the_out_directory(tmp_path):
    assert script.main(["--out", str(tmp_path / "pages")]) == 0
    assert (tmp_path / "pages" / "crisis.md").exists() and (tmp_path / "pages" / "README.md").exists()


def test_an_unusable_profile_is_reported_not_a_traceback(tmp_path, capsys):
    broken = tmp_path / "clinic.yml"
    broken.write_text("program_name: [")
    assert script.main(["--out", str(tmp_path / "pages"), "--profile", str(broken)]) == 1
    assert "profile is unusable" in capsys.readouterr().err


def test_the_spanish_page_shows_each_spanish_variation_beside_the_english(pages):
    spanish = pages["spanish"]
    assert "#### utter_crisis\n" in spanish and "#### utter_ask_crisis_safety\n" in spanish
    assert "#### utter_handoff_closed\n" in spanish and "#### utter_fallback_not_understood\n" in spanish
    assert spanish.count("when risk_category = suicide and risk_subject = self and language = es:") == 2  # web, SMS
    assert "> Me alegra mucho que me lo haya dicho." in spanish
    assert "English: I'm really glad you told me." in spanish
    assert "SMS (`channel: twilio`)" in spanish and "(617) 555-0142" in spanish
    # The category pages keep the English wording and point to the Spanish page.
    assert "Me alegra mucho" not in pages["crisis"] and "[Spanish page](spanish.md)" in pages["crisis"]
