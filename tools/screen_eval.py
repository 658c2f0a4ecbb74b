"""`make eval` (screening part): people answering the "is IOP right for me?" screen in their own words.

Each blind set (tests/screening/blind*.yml) holds people who answered all eight questions in free text, the
value a clinician reads from each answer, and the outcome a clinician expects. Every answer goes through the
trained NLU model (so a risk signal or an FAQ question is handled as the bot handles it) and then through
the form's own reader (actions/screening/form.py read_answer). A one-line confirmation is answered truthfully
("yes" when the bot's guess is right, "no" otherwise); an answer the bot asks again for, or that a "no"
sends back to the question, counts as "not sure" (the person is assumed to repeat words the bot did not
understand: the lower bound). An answer that gets the crisis reply is followed by "I'm safe" (nobody in these sets
is in danger) and the screen goes on with the answer the escalation kept (actions/screening/form.py keep_answer);
how many did is printed. Printed: the outcome accuracy, how each answer was read, per question.

`--cv` instead reports leave-one-writer-out figures on the training answers (data/screening_answers/),
for each confidence threshold: the development data the thresholds in answer_model.py are chosen on.
"""
from __future__ import annotations

import argparse
import asyncio
import sys
from collections import Counter, defaultdict
from pathlib import Path
from typing import Dict, List, Optional, Tuple

import yaml

from bot.core.settings import ROOT

OUTCOME_TARGET = 0.90
BLIND_SETS = sorted((ROOT / "tests" / "screening").glob("blind*.yml"))
QUESTION_ORDER = ("substances", "frequency", "withdrawal", "medical", "mental_health", "commitment", "relapse",
                  "home")


def same(question: str, a: Optional[str], b: Optional[str]) -> bool:
    """Whether two values agree (substances as sets: "opioids,alcohol" is "alcohol,opioids")."""
    if question == "substances":
        return {x.strip() for x in (a or "").split(",")} == {x.strip() for x in (b or "").split(",")}
    return a == b


class _Tracker:
    """Just what read_answer looks at: slots and the latest message's parse."""

    def __init__(self, slots: Dict[str, Optional[str]], latest: Dict) -> None:
        self.slots, self.latest_message = slots, latest

    def get_slot(self, name: str) -> Optional[str]:
        return self.slots.get(name)


def simulate(person: Dict, parses: Dict[str, Dict], buttons: bool = False) -> Tuple[Dict[str, str], Counter]:
    """The values the form stores for one person, and how each answer was read. `buttons`: a question asked
    again (after a "no" to a confirmation, or words the bot could not read) is answered with its button,
    as the re-asked question offers; otherwise it counts as "not sure" (the lower bound)."""
    from bot.core.screening.extract import UNSURE
    from actions.screening.form import escalates, read_answer
    from bot.server.nlu.language_component import SPANISH_INTENT

    expected = {a["question"]: str(a["value"]) for a in person["answers"]}
    slots: Dict[str, Optional[str]] = {}
    how: Counter = Counter()
    for answer in person["answers"]:
        question = answer["question"]
        slot = f"screening_{question}"
        if slots.get(slot) is not None:
            right = same(question, slots[slot], expected[question])
            how["filled by an earlier answer" + (" (right)" if right else " (WRONG)")] += 1
            continue
        slots["requested_slot"] = slot
        parse = parses[(question, answer["text"])]
        events = read_answer(slot, _Tracker(dict(slots), parse))
        if not events and escalates(_Tracker(dict(slots), parse)):
            # The crisis reply, then (these people are safe) "I'm safe": the screen goes on with the answer as
            # action_escalate kept it (keep_answer), a one-line confirmation or the question again as usual.
            how["crisis reply, then the screen went on"] += 1
            events = read_answer(slot, _Tracker(dict(slots), parse), despite_risk=True)
        if slot not in events and (parse.get("intent") or {}).get("name") == SPANISH_INTENT:  # counted apart
            # The screen goes on in Spanish (the rule that ended it is gone): a Spanish message the form does not
            # fill is asked again, in Spanish, as below; counted apart too.
            how["Spanish, not read"] += 1
        if slot in events:
            how["read" + (" right" if same(question, events[slot], expected[question]) else " WRONG")] += 1
        elif events.get("screening_confirm"):
            guess = events["screening_confirm"].split(":", 1)[1]
            right = same(question, guess, expected[question])
            how["confirmed" + (" (right guess)" if right else " (wrong guess, rejected)")] += 1
            events = {slot: guess} if right or not buttons else {slot: expected[question]}
            if not right and not buttons:
                events = {slot: UNSURE}
        elif events.get("screening_retry"):
            how["asked again"] += 1
            events = {slot: expected[question] if buttons and question != "substances" else UNSURE}
        else:
            how["not taken as an answer (risk or question)"] += 1
            events = {slot: UNSURE}
        for key, value in events.items():
            if key.startswith("screening_") and key not in ("screening_retry", "screening_confirm"):
                slots[key] = value
    stored = {q: slots.get(f"screening_{q}") or UNSURE for q in QUESTION_ORDER}
    return stored, how


async def parse_all(model: Optional[str], answers: List[Tuple[str, str]]) -> Dict[Tuple[str, str], Dict]:
    """Each (question, text) parsed as the running bot parses it: with the conversation in the screen at that
    question (the risk layer reads history the question asks for as an answer, bot/core/risk/screen_context.py)."""
    if not model:
        return {a: {"text": a[1], "intent": {"name": "inform"}, "entities": [], "risk": {"is_risk": False}}
                for a in answers}
    import logging

    from rasa.core.agent import Agent
    from rasa.core.channels.channel import UserMessage
    from rasa.shared.core.events import ActiveLoop, SlotSet
    from rasa.shared.core.trackers import DialogueStateTracker
    from rasa.utils.common import configure_logging_and_warnings
    from rasa.utils.log_utils import configure_structlog

    configure_logging_and_warnings(logging.WARNING)
    configure_structlog(logging.WARNING)
    agent = Agent.load(model)
    parsed = {}
    for question, text in answers:
        tracker = DialogueStateTracker.from_events(
            "screen-eval", [ActiveLoop("screening_form"), SlotSet("requested_slot", f"screening_{question}")],
            slots=agent.domain.slots)
        parsed[(question, text)] = await agent.processor.parse_message(UserMessage(text), tracker)
    return parsed


def outcome_of(stored: Dict[str, str]) -> str:
    from bot.core.screening.outcome import decide

    return decide(stored).outcome


def score_set(path: Path, model: Optional[str]) -> float:

    people = yaml.safe_load(path.read_text(encoding="utf-8"))["people"]
    parses = asyncio.run(parse_all(model, [(a["question"], a["text"]) for p in people for a in p["answers"]]))
    right, how_all, per_question = 0, Counter(), defaultdict(Counter)
    confusion: Counter = Counter()
    with_buttons = sum(outcome_of(simulate(p, parses, buttons=True)[0]) == p["outcome"] for p in people)
    for person in people:
        stored, how = simulate(person, parses)
        how_all.update(how)
        outcome = outcome_of(stored)
        right += outcome == person["outcome"]
        if outcome != person["outcome"]:
            confusion[(person["outcome"], outcome)] += 1
        for answer in person["answers"]:
            q = answer["question"]
            per_question[q]["total"] += 1
            per_question[q]["right"] += same(q, stored.get(q), str(answer["value"]))
    accuracy = right / len(people)
    print(f"\nscreening blind set {path.name}: {len(people)} people"
          + ("" if model else " (without the NLU model: every answer taken as an answer)"))
    print(f"right outcome {accuracy:.1%} ({right}/{len(people)}; target {OUTCOME_TARGET:.0%}: "
          f"{'met' if accuracy >= OUTCOME_TARGET else 'NOT met'})")
    print(f"  ({with_buttons}/{len(people)}, {with_buttons / len(people):.1%}, when a question asked again is answered "
          "with its button)")
    for (expected, got), n in confusion.most_common():
        print(f"  expected {expected}, got {got}: {n}")
    print("answers: " + ", ".join(f"{k} {v}" for k, v in sorted(how_all.items())))
    print("value stored right, per question: " + ", ".join(
        f"{q} {per_question[q]['right'] / per_question[q]['total']:.0%}" for q in QUESTION_ORDER))
    return accuracy


def cross_validate() -> None:
    """Leave one writer out: train on the other files, read the left-out file's answers."""
    from bot.core.screening import answer_model

    files = sorted(answer_model.DATA_DIR.glob("*.yml"))
    results: List[Tuple[str, str, str, float]] = []  # question, expected, got, confidence
    for held in files:
        reader = answer_model.ScreeningReader(answer_model.load_answers([f for f in files if f != held]))
        for question, pairs in answer_model.load_answers([held]).items():
            if question == "substances":
                continue
            for text, value in pairs:
                reading = reader.read(question, text)
                if reading:
                    results.append((question, value, reading.value, reading.confidence))
    print(f"leave-one-writer-out over {len(files)} writers, {len(results)} answers (substances apart)")
    print(f"{'threshold':>9}{'stored':>8}{'right when stored':>19}")
    for threshold in (0.3, 0.4, 0.5, 0.6, 0.7, 0.8):
        stored = [r for r in results if r[3] >= threshold]
        right = sum(r[1] == r[2] for r in stored)
        print(f"{threshold:>9.1f}{len(stored) / len(results):>8.1%}{right / max(1, len(stored)):>19.1%}")
    per_q: Dict[str, Counter] = defaultdict(Counter)
    for q, expected, got, _c in results:
        per_q[q]["total"] += 1
        per_q[q]["right"] += expected == got
    print("top reading right, per question: " + ", ".join(
        f"{q} {c['right'] / c['total']:.0%}" for q, c in sorted(per_q.items())))


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", default=None, help="model archive (default: the one `make train` last built)")
    parser.add_argument("--no-model", action="store_true", help="read the answers without the NLU model")
    parser.add_argument("--cv", action="store_true", help="leave-one-writer-out figures on the training answers")
    parser.add_argument("sets", nargs="*", type=Path)
    args = parser.parse_args(argv)
    if args.cv:
        cross_validate()
        return 0
    model = None if args.no_model else args.model or (ROOT / "models" / "CURRENT").read_text().strip()
    for path in args.sets or BLIND_SETS:
        score_set(path, model)
    return 0


if __name__ == "__main__":
    sys.exit(main())
