"""SMS keywords, opt-outs and fitting replies into text messages."""
import pytest

from bot.sms import formatting
from bot.sms.keywords import keyword
from bot.storage.sms import is_opted_out, set_opted_out


@pytest.mark.parametrize("text, expected", [
    ("STOP", "opt_out"), ("stop", "opt_out"), ("Unsubscribe", "opt_out"), ("cancel", "opt_out"),
    ("END", "opt_out"), ("quit", "opt_out"), ("revoke", "opt_out"), ("optout", "opt_out"), ("stopall", "opt_out"),
    ("please stop texting me", "opt_out"), ("don't text me", "opt_out"), ("no más", "opt_out"),
    ("no mas", "opt_out"), ("remove me from this list", "opt_out"),
    ("START", "opt_in"), ("unstop", "opt_in"), ("HELP", "help"), ("info", "help"),
    ("stop drinking is hard", None), ("how do i stop using", None), ("yes", None), ("hi", None),
])
def test_keywords(text, expected):
    assert keyword(text) == expected


def test_yes_opts_back_in_only_after_an_opt_out():
    assert keyword("yes", opted_out=False) is None
    assert keyword("YES", opted_out=True) == "opt_in"


def test_opt_outs_are_stored(project_db):
    phone = "+16175550123"
    assert not is_opted_out(phone)
    set_opted_out(phone, True)
    assert is_opted_out(phone)
    set_opted_out(phone, False)
    assert not is_opted_out(phone)


def test_buttons_become_a_numbered_list_and_numbers_choose():
    buttons = [{"title": "Request a callback", "payload": "please call me back"},
               {"title": "Talk to a person", "payload": "I want to talk to a person"}]
    text = formatting.render([{"text": "What next?", "buttons": buttons}])
    assert text == "What next? Reply with a number: 1) Request a callback 2) Talk to a person"
    assert formatting.resolve_choice("2", buttons) == "I want to talk to a person"
    assert formatting.resolve_choice("talk to a person", buttons) == "I want to talk to a person"
    assert formatting.resolve_choice("7", buttons) is None


def test_payloads_for_the_web_are_dropped_and_the_program_name_hidden():
    messages = [{"text": "Harbor Light Recovery answers."}, {"custom": {"escalation": {"category": "suicide"}}}]
    assert formatting.render(messages, program_name="Harbor Light Recovery") == "our program answers."


def test_long_replies_split_between_sentences_within_two_segments():
    text = " ".join(f"This is sentence number {i} of a long answer." for i in range(30))
    parts = formatting.split_sms(text)
    assert len(parts) > 1 and all(formatting.sms_length(p) <= 306 for p in parts)
    assert all(p.endswith(".") for p in parts)
    assert " ".join(parts) == " ".join(text.split())


def test_one_emoji_switches_to_ucs2_limits():
    text = "Thank you 🙏 " + " ".join("word" for _ in range(60))
    assert not formatting.is_gsm7(text)
    assert all(formatting.sms_length(p) <= 134 for p in formatting.split_sms(text))


def test_typographic_quotes_do_not_force_ucs2():
    assert formatting.is_gsm7(formatting.to_gsm_friendly("you\u2019re \u201cwelcome\u201d \u2014 ok"))
