"""`make validate`: `rasa data validate --fail-on-warnings`, and any other Rasa warning fails too.

Rasa's flag only counts the validator's own findings; warnings raised while reading stories or merging
the domain (an unknown intent, say) would pass. This runs the same command in-process and fails on any
warning Rasa raises, except one known quirk of Rasa 3.6: a retrieval intent (`faq`) listed in domain.yml
is always reported as "duplicated" when Rasa adds the retrieval intents from the NLU data, and leaving
it out of domain.yml makes the rules that use it warn instead. Likewise Rasa 3.6 reports a form's
`utter_ask_<slot>` questions as unused, though the form asks them, the responses that custom actions
send by name (`utter_message(response="utter_...")` in actions/), and those the project's own code sends
outside a turn (bot/core/wording.py, from bot/server/channels/ and bot/console/): those are allowed, and only those.
"""
from __future__ import annotations

import re
import sys
import warnings

import yaml

from bot.core.settings import ROOT

ALLOWED = ("The following duplicated intents have been found across multiple domain files: faq",
           # The ask-directly tier's intent is set by the risk component only, never trained.
           "The intent 'risk_check' is listed in the domain file, but is not found in the NLU training data")


def form_questions() -> set:
    domain = yaml.safe_load((ROOT / "domain.yml").read_text())
    return {f"utter_ask_{slot}" for form in (domain.get("forms") or {}).values()
            for slot in (form or {}).get("required_slots", [])}


def sent_by_actions() -> tuple:
    """Response names the action code (and the runtime code in bot/, outside its developer tools) names in
    string literals: whole names, and prefixes of f-strings."""
    names = set()
    code = [*(ROOT / "actions").rglob("*.py"),
            *(p for p in (ROOT / "bot").rglob("*.py") if "tools" not in p.relative_to(ROOT / "bot").parts)]
    for path in code:
        for name, is_prefix in re.findall(r'f?"(utter_\w+)(\{)?', path.read_text()):
            names.add(name + ("*" if is_prefix else ""))
    return tuple(sorted(names))


def allowed(message: str, questions: set, sent: tuple = ()) -> bool:
    if any(message.startswith(a) for a in ALLOWED):
        return True
    unused = re.match(r"The utterance '(\w+)' is not used in any story or rule", message)
    if not unused:
        return False
    name = unused.group(1)
    return name in questions or any(name == s or (s.endswith("*") and name.startswith(s[:-1])) for s in sent)


def main() -> int:
    from rasa.__main__ import main as rasa_main

    sys.argv = ["rasa", "data", "validate", "--fail-on-warnings", "--quiet"]
    code = 0
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", UserWarning)
        try:
            rasa_main()
        except SystemExit as exc:
            code = int(exc.code or 0)
    questions, sent = form_questions(), sent_by_actions()
    problems = [str(w.message) for w in caught
                if issubclass(w.category, UserWarning) and "rasa" in (w.filename or "")
                and not allowed(str(w.message), questions, sent)]
    for message in problems:
        print(f"warning: {message}", file=sys.stderr)
    if code or problems:
        print("error: training data validation failed (see above).", file=sys.stderr)
        return 1
    print("training data valid: no warnings")
    return 0


if __name__ == "__main__":
    sys.exit(main())
