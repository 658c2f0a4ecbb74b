"""`make eval` (FAQ part): the trained model's answers to blind FAQ sets (tests/faq/blind*.yml).

Each set was written by a helper who never saw the training data. Reported per topic: how often the bot gave
that topic's answer; for out-of-scope questions, how often it said it cannot help (out_of_scope, the
fallback's "I didn't understand", the short Spanish reply, or its own reply to a greeting, thanks, a goodbye, "are
you a person?" or a request for a person) instead of a confident wrong answer; for messages
with two questions, how often the second topic was found too; and any question that raised a crisis reply (a false alarm).
Only figures are printed, never the messages: a blind set that informed a change is development data.
"""
from __future__ import annotations

import argparse
import asyncio
import sys
from collections import Counter
from pathlib import Path
from typing import Dict, List, Optional

import yaml

from bot.core.contract import RISK_CATEGORY
from bot.core.faq_topics import SEGMENTS_KEY, SELECTOR_KEY, chosen_topic, other_questions
from bot.core.settings import ROOT

FAQ_TARGET = 0.95
OUT_OF_SCOPE_TARGET = 0.90
# Not an answer to any topic: the out-of-scope answer, the fallback, and the short Spanish reply (the clinic's number
# and 988's Spanish option) that a Spanish message gets when the classifier is not sure of a topic.
NOT_ANSWERED = {"out_of_scope", "nlu_fallback", "speak_spanish"}
# What the bot says to a greeting, thanks, a goodbye, "are you a person?" or "I want to talk to someone" is its own
# reply to that (domain.yml), not an FAQ answer: an out-of-scope message answered that way is recognised, and the
# report says how many were (blind writers file "hi" and "thanks!!" under out of scope).
OWN_REPLY = {"greet", "goodbye", "thank", "bot_challenge", "human_handoff"}
BLIND_SETS = sorted((ROOT / "tests" / "faq").glob("blind*.yml"))
# The FAQ set nobody has scored yet. Training data may hold no near-duplicate of it (tests/tools/test_blind_sets.py).
# Sets already scored are development data: training data may share a near-duplicate with them (the commonest ways
# of asking, "where are you located", are in every set and were all kept out of training while every set was
# protected), never an exact copy; their figures are development figures.
UNSEEN_SETS = ("blind33.yml",)


def load_questions(path: Path) -> List[dict]:
    return list(yaml.safe_load(path.read_text(encoding="utf-8"))["questions"])


def answered_topic(parse: Dict) -> str:
    """The topic whose answer the bot gives: faq/<topic> -> topic, else the intent's name. A Spanish question the
    Spanish gate let through keeps intent `faq` (bot/server/nlu/language_component.py) and gets that topic's answer in
    Spanish; one it did not gets `speak_spanish`, which answers no topic."""
    intent = (parse.get("intent") or {}).get("name") or ""
    if intent == "faq":
        return chosen_topic(parse.get(SELECTOR_KEY)) or "?"
    return intent


def escalates(parse: Dict) -> bool:
    return any(e.get("entity") == RISK_CATEGORY for e in parse.get("entities") or [])


async def parse_all(model: str, texts: List[str]) -> List[Dict]:
    import logging

    from rasa.core.agent import Agent
    from rasa.utils.common import configure_logging_and_warnings
    from rasa.utils.log_utils import configure_structlog

    configure_logging_and_warnings(logging.WARNING)
    configure_structlog(logging.WARNING)
    agent = Agent.load(model)
    return [await agent.parse_message(text) for text in texts]


def score(questions: List[dict], parses: List[Dict]) -> Dict[str, object]:
    per_topic: Dict[str, Counter] = {}
    second, alarms = Counter(), 0
    confusions: Counter = Counter()
    for item, parse in zip(questions, parses, strict=True):
        expected, got = item["topic"], answered_topic(parse)
        counts = per_topic.setdefault(expected, Counter())
        counts["total"] += 1
        right = got in NOT_ANSWERED | OWN_REPLY if expected == "out_of_scope" else got == expected
        counts["right"] += right
        if expected == "out_of_scope" and got in OWN_REPLY:
            counts["own reply"] += 1
        if not right:
            confusions[(expected, got)] += 1
        alarms += escalates(parse)
        found, _unclear = other_questions(item["text"], got, parse.get(SEGMENTS_KEY))
        if item.get("second"):
            second["total"] += 1
            # Both questions answered, whichever of the two the main answer took.
            second["found"] += {expected, item["second"]} <= {got, *found}
            second["wrong extra"] += any(topic not in (item["second"], expected) for topic in found)
        else:
            second["single"] += 1
            second["extra on single"] += bool(found)
    return {"per_topic": per_topic, "second": second, "alarms": alarms, "confusions": confusions}


def report(path: Path, result: Dict[str, object]) -> bool:
    per_topic: Dict[str, Counter] = result["per_topic"]  # type: ignore[assignment]
    in_scope = [c for t, c in per_topic.items() if t != "out_of_scope"]
    faq_total, faq_right = sum(c["total"] for c in in_scope), sum(c["right"] for c in in_scope)
    oos = per_topic.get("out_of_scope", Counter())
    print(f"\nFAQ blind set {path.name}: {faq_total} in-scope questions, {oos['total']} out of scope")
    print(f"{'topic':<22}{'questions':>10}{'right':>8}")
    for topic, c in sorted(per_topic.items()):
        print(f"{topic:<22}{c['total']:>10}{c['right'] / c['total']:>8.1%}")
    faq_acc = faq_right / faq_total if faq_total else 0.0
    oos_acc = oos["right"] / oos["total"] if oos["total"] else 1.0
    print(f"right topic {faq_acc:.1%} (target {FAQ_TARGET:.0%}: {'met' if faq_acc >= FAQ_TARGET else 'NOT met'}); "
          f"out of scope recognised {oos_acc:.1%} (target {OUT_OF_SCOPE_TARGET:.0%}: "
          f"{'met' if oos_acc >= OUT_OF_SCOPE_TARGET else 'NOT met'}; {oos['own reply']} of them a greeting, thanks, "
          f"goodbye, 'are you a person' or handoff given its own reply)")
    second: Counter = result["second"]  # type: ignore[assignment]
    if second["total"]:
        print(f"both questions answered in {second['found']} of {second['total']} two-question messages "
              f"(a wrong extra answer in {second['wrong extra']}); an extra answer to {second['extra on single']} "
              f"of {second['single']} one-question messages")
    print(f"crisis replies to these ordinary questions: {result['alarms']}")
    worst = ", ".join(f"{e}->{g} {n}" for (e, g), n in result["confusions"].most_common(6))  # type: ignore[union-attr]
    if worst:
        print(f"most frequent confusions (topic->answer count): {worst}")
    return faq_acc >= FAQ_TARGET and oos_acc >= OUT_OF_SCOPE_TARGET


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--model", default=None, help="model archive (default: the one `make train` last built)")
    parser.add_argument("sets", nargs="*", type=Path, help="FAQ sets to score (default: tests/faq/blind*.yml)")
    args = parser.parse_args(argv)
    model = args.model or (ROOT / "models" / "CURRENT").read_text().strip()
    for path in args.sets or BLIND_SETS:
        questions = load_questions(path)
        parses = asyncio.run(parse_all(model, [q["text"] for q in questions]))
        report(path, score(questions, parses))
    return 0  # figures to read, not a gate: the held-out check in `make test` is the gate


if __name__ == "__main__":
    sys.exit(main())
