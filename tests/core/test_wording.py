"""Texts sent outside a Rasa turn come from domain.yml too (bot/core/wording.py), and crisis numbers are written
in one place: domain.yml (bot/core/wording.py keeps one last-resort line for a domain.yml it cannot read, and the
chat widget a built-in copy of its crisis wording for when config.json cannot be loaded)."""
import ast
import json
import re

import pytest

from bot.core import wording
from bot.core.settings import ROOT

NUMBERS = ("911", "988")


def string_literals(path):
    """The module's string constants that are not docstrings."""
    tree = ast.parse(path.read_text())
    docstrings = {id(node.body[0].value) for node in ast.walk(tree)
                  if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef))
                  and node.body and isinstance(node.body[0], ast.Expr)
                  and isinstance(node.body[0].value, ast.Constant)}
    return [node.value for node in ast.walk(tree)
            if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in docstrings]


def test_crisis_numbers_are_written_only_in_the_domain():
    written = {}
    for path in [*(ROOT / "bot").rglob("*.py"), *(ROOT / "actions").rglob("*.py")]:
        where = str(path.relative_to(ROOT))
        found = [s for s in string_literals(path) if any(n in s for n in NUMBERS)]
        if found:
            written[where] = found
    assert written == {"bot/core/wording.py": [wording.LAST_RESORT]}


# Every crisis number: 911, 988 (and 988lifeline.org), the 1-800 lines in any spelling, the text lines.
WEB_NUMBER = re.compile(r"(?<!\d)(911|988|838255|741741|88788)(?!\d)|1-?800-?\d{3}-?\d{4}|\+1800\d{7}")
BUILT_IN = re.compile(r"// built-in crisis config: start\n  const BUILT_IN = (\{.*?\});\n  // built-in crisis config: end",
                      re.S)


def test_crisis_numbers_are_written_in_web_only_in_the_widget_s_built_in_copy():
    """The widget and the demo page take their crisis wording from the server (config.json, the demo page's
    template values: domain.yml); widget.js keeps one built-in copy for when config.json cannot be loaded, and
    test_widget_channel.py checks that it equals domain.yml's."""
    found = {}
    for path in (ROOT / "web").iterdir():
        if path.suffix not in (".js", ".html", ".css") or not path.is_file():
            continue
        text = path.read_text()
        if path.name == "widget.js":
            copies = BUILT_IN.findall(text)
            assert len(copies) == 1 and json.loads(copies[0])["lines"]
            text = BUILT_IN.sub("", text)
        numbers = [m.group(0) for m in WEB_NUMBER.finditer(text)]
        if numbers:
            found[path.name] = numbers
    assert found == {}


def test_channel_texts_are_the_domains():
    from bot.server.channels import rest, twilio, widget
    from bot.console import rasa_api

    responses = wording.responses()
    assert twilio.OPT_OUT_REPLY == responses["utter_sms_opt_out"][0]["text"]
    assert rest.EMPTY_MESSAGE_REPLY == responses["utter_empty_message"][0]["text"]
    assert widget.NO_PAGE.strip() == responses["utter_page_unavailable"][0]["text"]
    assert rasa_api.JOINED == responses["utter_staff_joined"][0]["text"]
    for text in (twilio.OPT_OUT_REPLY, twilio.OPT_IN_REPLY, twilio.MEDIA_REPLY, rest.EMPTY_MESSAGE_REPLY,
                 rasa_api.JOINED, rasa_api.HANDED_BACK, widget.MISSING_CLIENT, widget.MISSING_FILE,
                 widget.NO_PROFILE, widget.NO_PAGE):
        assert "911" in text and "988" in text, text


def test_values_and_the_profile_are_filled_in():
    from bot.core.profile import current_profile

    help_text = wording.text("utter_sms_help")
    assert current_profile().phone in help_text and "988" in help_text and "{" not in help_text
    assert "our admissions line" in wording.text("utter_sms_help", program_phone="our admissions line")


def test_the_channels_variation_is_chosen(tmp_path, monkeypatch):
    domain = tmp_path / "domain.yml"
    domain.write_text('responses:\n  utter_x:\n    - text: "web {program_name}"\n'
                      '    - text: "sms"\n      channel: twilio\n')
    monkeypatch.setattr(wording, "DOMAIN", domain)
    assert wording.text("utter_x", "twilio") == "sms"
    assert wording.text("utter_x", "socketio", program_name="Harbor") == "web Harbor"


def test_the_variation_is_the_one_rasa_would_pick(tmp_path, monkeypatch):
    """Rasa 3.6 (ResponseVariationFilter): a conditional variation for the channel, else a plain one for the
    channel, else a conditional one for any channel, else the plain one."""
    from rasa.core.nlg.generator import ResponseVariationFilter

    responses = wording.responses()
    rasa = ResponseVariationFilter(responses)
    for name, variations in responses.items():
        for channel in ("rest", "twilio"):
            for language in ("en", "es"):
                eligible = rasa.responses_for_utter_action(name, channel, {"language": language})
                if not eligible:  # a response whose every variation needs other slots (none sent outside a turn)
                    continue
                assert wording._variation(variations, channel, {"language": language}) in eligible, (name, channel)


@pytest.mark.parametrize("content", [None, "responses: [", "responses: {}\n"])
def test_a_broken_domain_still_gives_the_numbers(tmp_path, monkeypatch, content):
    domain = tmp_path / "domain.yml"
    if content is not None:
        domain.write_text(content)
    monkeypatch.setattr(wording, "DOMAIN", domain)
    assert wording.text("utter_sms_opt_out") == wording.LAST_RESORT


def test_a_text_in_spanish_gets_the_profiles_spanish_values(monkeypatch):
    monkeypatch.setenv("CLINIC_PROFILE", str(ROOT / "clinic.yml"))
    said = wording.text("utter_fallback_out_of_scope", language="es")
    assert said.startswith("Lo siento") and "(de lunes a viernes, de 8 a. m. a 6 p. m.)" in said and "{" not in said
    assert "(Monday to Friday" not in said
    assert wording.text("utter_fallback_out_of_scope").startswith("That's outside what I can help with")
