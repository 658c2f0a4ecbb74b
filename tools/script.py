"""`make script`: everything the bot can say, as Markdown pages for clinical review.

    python -m tools.script [--out var/script] [--profile clinic.yml]

One page per category (crisis, FAQ answers, screening, handoff, errors and fallbacks, other), a Spanish page
and an index.
Each response is listed once, under its name, with every variation: the web wording and the SMS one
(`channel: twilio`), the condition that picks it, its buttons and payload, and the clinic profile's values
filled in (clinic.yml, or CLINIC_PROFILE, or --profile), so the numbers and the clinic's details read as
the person reads them. The responses are domain.yml's and the FAQ answers (utter_faq/<topic>, which Rasa
reads from data/faq.yml beside their questions). Values an action passes ({back_at}, {details}, ...) are
left in braces and explained on the page; the fixed sentences that go into them are listed too. The Spanish
variations (condition language = es) are on the Spanish page, each beside the English wording it stands for.
"""
from __future__ import annotations

import argparse
import json
import re
import sys
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Callable, Dict, List, Optional, Tuple

import yaml

from bot.core.settings import ROOT

# Values the actions pass with `utter_message(response=..., name=value)`: what each is, and an example.
ACTION_VALUES: Dict[str, Tuple[str, str]] = {
    "topic_name": ("the FAQ topic just answered (bot/core/faq_topics.py TOPIC_NAMES)", "cost"),
    "back_at": ("when the team is next in, from the profile's staffed hours", "tomorrow at 8 am"),
    "details": ("the reasons for the suggestion and the questions answered \"not sure\" (listed below)",
                "You said you get withdrawal symptoms when you cut down or stop."),
    "callback_time": ("the good time to call, in the person's own words", "weekday mornings"),
}

# How to reach a person (bot/server/nlg.py fills {reach_person} from the channel); shown as in the project's widget.
REACH_NOTE = ("Where an answer says how to reach a person, it is shown as in the project's chat widget (\"press the "
              "\u201cTalk to a person\u201d button\"); on the REST channel and other widgets it reads \"type 'person'\".")

PAGES: List[Tuple[str, str, str]] = [
    ("crisis", "Crisis", "What the bot says when a message shows a risk (suicide, self-harm, overdose, dangerous "
                         "withdrawal, a medical emergency, violence, abuse), in the follow-up that asks whether "
                         "the person is safe, and in Spanish. The numbers are written out in full."),
    ("faq", "FAQ answers", "The answers to questions about the program (retrieval intents faq/<topic>)."),
    ("screening", "Screening", "The suitability screen: its questions, confirmations, and the suggestion it gives."),
    ("handoff", "Handoff and callback", "Asking for a person, outside staffed hours, the callback request, and "
                                        "the notices when a person from the team joins or hands back."),
    ("errors", "Errors and fallbacks", "When the bot did not understand, and when something failed (the chat "
                                       "widget's pages included)."),
    ("other", "Other", "Greeting, goodbye, thanks, what the bot is, deleting a conversation, and the SMS line's "
                       "answers to STOP, START and HELP."),
    ("spanish", "Spanish", "What a person whose messages read as Spanish gets instead of the English wording (the "
                           "`language` slot is \"es\": bot/server/nlu/language_component.py): the crisis replies, the "
                           "crisis follow-up, the handoff, the fallbacks, the FAQ answers and the screen (its "
                           "reasons are on the screening page). Each Spanish variation is shown beside the "
                           "English one it stands for. Everything else is answered in English, or with the Spanish "
                           "answer (utter_spanish, on the crisis page) that says the bot reads only English so far."),
]
SPANISH = "spanish"
ERRORS = {"utter_cannot_understand", "utter_callback_phone_invalid", "utter_callback_not_saved",
          "utter_conversation_not_deleted", "utter_handoff_not_recorded", "utter_empty_message"}


def category(name: str) -> str:
    if name in ERRORS or name.startswith(("utter_fallback", "utter_page", "utter_widget")):
        return "errors"
    if name.startswith(("utter_crisis", "utter_risk", "utter_ask_crisis", "utter_escalation")) \
            or name == "utter_spanish":
        return "crisis"
    if name.startswith("utter_faq") or name == "utter_ask_mental_health_care":
        return "faq"
    if "screening" in name:
        return "screening"
    if name.startswith(("utter_handoff", "utter_callback", "utter_ask_callback", "utter_staff")):
        return "handoff"
    return "other"


def load_responses(root: Path = ROOT) -> Dict[str, List[Dict[str, Any]]]:
    """domain.yml's responses, then those in the training data (the FAQ answers), in file order."""
    responses: Dict[str, List[Dict[str, Any]]] = dict(yaml.safe_load((root / "domain.yml").read_text())["responses"])
    for path in sorted((root / "data").rglob("*.yml")):
        text = path.read_text()
        if not re.search(r"^responses:", text, re.M):
            continue
        for name, variations in (yaml.safe_load(text).get("responses") or {}).items():
            if name in responses:
                raise ValueError(f"response {name} is defined twice (domain.yml and {path})")
            responses[name] = variations
    return responses


def profile_values(profile_path: Optional[Path], language: Optional[str] = None) -> Dict[str, str]:
    from bot.core.profile import load_profile

    return load_profile(profile_path).as_slots(language)


def fill(text: str, values: Dict[str, str]) -> str:
    """The profile's values filled in; the others stay in braces."""
    return re.sub(r"\{(\w+)\}", lambda m: values.get(m.group(1), m.group(0)), text)


def describe_condition(condition: List[Dict[str, Any]]) -> str:
    return " and ".join(f"{c.get('name')} is empty" if c.get("value") is None else f"{c.get('name')} = {c.get('value')}"
                        for c in condition or [])


def variation_lines(variation: Dict[str, Any], values: Dict[str, str], has_sms: bool) -> List[str]:
    channel = variation.get("channel")
    where = ("SMS (`channel: twilio`)" if channel == "twilio" else f"channel {channel}" if channel
             else "web and other channels" if has_sms else "every channel")
    when = describe_condition(variation.get("condition"))
    head = f"- **{where}**" + (f", when {when}" if when else "") + ":"
    lines = [head, "", "  > " + fill(str(variation.get("text") or ""), values).replace("\n", "\n  > "), ""]
    buttons = variation.get("buttons") or []
    if buttons:
        lines.append("  Buttons: " + ", ".join(f"[{fill(b.get('title', ''), values)}]" for b in buttons)
                     + (" (by SMS: a numbered list)" if not has_sms else ""))
        lines.append("")
    if variation.get("custom"):
        lines.append(f"  Payload for the widget (not shown as text): `{json.dumps(variation['custom'])}`")
        lines.append("")
    return lines


def language(variation: Dict[str, Any]) -> Optional[str]:
    return next((str(c.get("value")) for c in variation.get("condition") or [] if c.get("name") == "language"), None)


def without_language(condition: List[Dict[str, Any]]) -> List[Tuple[str, str]]:
    """The conditions other than the language; "is empty" ones (the screen's first questions say that no
    confirmation or retry is pending, where the English one is the plain variation) count as none."""
    return sorted((str(c.get("name")), str(c.get("value"))) for c in condition or []
                  if c.get("name") != "language" and c.get("value") is not None)


def english_for(spanish: Dict[str, Any], variations: List[Dict[str, Any]]) -> Optional[Dict[str, Any]]:
    """The English variation a Spanish one stands for: the same conditions and channel (else any channel)."""
    same = [v for v in variations if language(v) != "es"
            and without_language(v.get("condition")) == without_language(spanish.get("condition"))]
    return next((v for v in same if v.get("channel") == spanish.get("channel")), None) \
        or next((v for v in same if not v.get("channel")), None)


def spanish_section(name: str, variations: List[Dict[str, Any]], values: Dict[str, str],
                    values_es: Optional[Dict[str, str]] = None) -> List[str]:
    """Each Spanish variation, filled with the profile's Spanish values, above the English one it stands for."""
    lines = [f"#### {name}", ""]
    has_sms = any(v.get("channel") == "twilio" for v in variations)
    for variation in (v for v in variations if language(v) == "es"):
        lines += variation_lines(variation, values_es or values, has_sms)
        english = english_for(variation, variations)
        if english is not None:
            lines += ["  English: " + fill(str(english.get("text") or ""), values), ""]
    return lines


def response_section(name: str, variations: List[Dict[str, Any]], values: Dict[str, str]) -> List[str]:
    lines = [f"### {name}", ""]
    has_sms = any(v.get("channel") == "twilio" for v in variations)
    for variation in variations:
        if language(variation) != "es":
            lines += variation_lines(variation, values, has_sms)
    if any(language(v) == "es" for v in variations):
        lines += ["  In Spanish: see the [Spanish page](spanish.md).", ""]
    passed = sorted({m for v in variations for m in re.findall(r"\{(\w+)\}", str(v.get("text") or ""))
                     if m in ACTION_VALUES})
    for value in passed:
        lines += [f"  `{{{value}}}`: {ACTION_VALUES[value][0]}, e.g. \"{ACTION_VALUES[value][1]}\".", ""]
    return lines


def fixed_texts(page: str) -> List[str]:
    """Sentences from code that go into a response's value, reviewed with the response."""
    if page == "screening":
        from bot.core.screening.outcome import (ALSO_DISCUSS, ALSO_DISCUSS_ES, QUESTION_NAMES, QUESTION_NAMES_ES,
                                                REASONS, REASONS_ES)

        lines = ["## Sentences that go into `{details}` (bot/core/screening/outcome.py)", "",
                 "The reasons for the suggestion, most important first:", ""]
        lines += [f"- `{key}`: {text}" for key, text in REASONS.items()]
        lines += ["", f"Then, for questions answered \"not sure\": \"{ALSO_DISCUSS}\", where the questions are: "
                  + "; ".join(f"{k}: \"{v}\"" for k, v in QUESTION_NAMES.items()) + ".", ""]
        lines += ["In Spanish (a conversation in Spanish):", ""]
        lines += [f"- `{key}`: {text}" for key, text in REASONS_ES.items()]
        lines += ["", f"Then: \"{ALSO_DISCUSS_ES}\", where the questions are: "
                  + "; ".join(f"{k}: \"{v}\"" for k, v in QUESTION_NAMES_ES.items()) + ".", ""]
        return lines
    if page == "faq":
        from bot.core.faq_topics import TOPIC_NAMES

        return ["## Topic names that go into `{topic_name}` (bot/core/faq_topics.py)", "",
                "; ".join(f"{k}: \"{v['en']}\"" for k, v in TOPIC_NAMES.items()) + ".", "",
                "In Spanish: " + "; ".join(f"{k}: \"{v['es']}\"" for k, v in TOPIC_NAMES.items()) + ".", ""]
    return []


def write_script(out: Path, profile_path: Optional[Path] = None,
                 now: Callable[[], datetime] = lambda: datetime.now(timezone.utc)) -> List[Path]:
    responses = load_responses()
    values = profile_values(profile_path)
    from bot.server.nlg import REACH_BY_BUTTON, REACH_BY_BUTTON_ES

    values = {**values, "reach_person": REACH_BY_BUTTON}
    values_es = {**profile_values(profile_path, "es"), "reach_person": REACH_BY_BUTTON_ES}
    out.mkdir(parents=True, exist_ok=True)
    by_page: Dict[str, List[str]] = {key: [] for key, _, _ in PAGES}
    for name in responses:
        by_page[category(name)].append(name)
        if any(language(v) == "es" for v in responses[name]):
            by_page[SPANISH].append(name)
    written = []
    index = ["# What the bot says", "",
             f"Generated by `make script` from domain.yml, data/faq.yml and the clinic profile "
             f"({values.get('program_name')}) on {now():%Y-%m-%d}. Do not edit these pages: edit domain.yml "
             "(or the FAQ answers in data/faq.yml, or clinic.yml) and run `make script` again.", "",
             f"{len(responses)} responses. {REACH_NOTE}", ""]
    for key, title, about in PAGES:
        names = by_page[key]
        lines = [f"# {title}", "", about, "", REACH_NOTE, ""]
        if any(v.get("channel") == "twilio" for n in names for v in responses[n]):
            lines += ["By SMS the program's name is left out of texts unless `sms.show_program_name` is true "
                      "in clinic.yml, and buttons become a numbered list.", ""]
        for name in names:
            if key == SPANISH:
                lines += spanish_section(name, responses[name], values, values_es)
            else:
                lines += response_section(name, responses[name], values)
        lines += fixed_texts(key)
        path = out / f"{key}.md"
        path.write_text("\n".join(lines).rstrip() + "\n")
        written.append(path)
        index.append(f"- [{title}]({key}.md): {len(names)} responses")
    (out / "README.md").write_text("\n".join(index) + "\n")
    return [out / "README.md", *written]


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "var" / "script", help="where to write the pages")
    parser.add_argument("--profile", type=Path, help="the clinic profile (default: CLINIC_PROFILE or clinic.yml)")
    args = parser.parse_args(argv)
    from bot.core.profile import ProfileError

    try:
        written = write_script(args.out, args.profile)
    except ProfileError as exc:
        print(f"error: the clinic profile is unusable, so the script cannot show its values: {exc}", file=sys.stderr)
        return 1
    for path in written:
        print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
