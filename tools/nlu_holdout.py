"""`make nlu-test`: accuracy of the trained model on held-out messages (tests/nlu/holdout.yml).

The held-out file is written apart from the training data and never trained on (a test checks that no
example appears in data/). Fails below the stated accuracy: FAQ topics are judged on the full retrieval
intent (`faq/insurance`), the other intents on the intent name.
"""
from __future__ import annotations

import argparse
import asyncio
import sys
from collections import Counter
from pathlib import Path
from typing import Dict, List, Tuple

# Issue 3 asks for 95% FAQ top-1 (the target, reported). `make test` fails only below the gate, two points
# lower: the figure moves with the training's numerics as well as its data (95.9% before training ran with
# oneDNN off and fixed thread pools, 94.8% after, same data; 94.2%, 90.4%, 95.5% over earlier data changes),
# and a gate at the measured value passes on one machine and fails on the next (issue 22). Choose data and
# settings on dev.yml; this held-out set only reports.
FAQ_TARGET = 0.95
FAQ_GATE = 0.93
OTHER_TARGET = 0.85


def load_examples(path: Path) -> List[Tuple[str, str]]:
    from rasa.shared.nlu.training_data.loading import load_data

    data = load_data(str(path))
    return [(m.get("text"), m.get_full_intent()) for m in data.intent_examples]


def predicted_label(parse: Dict) -> str:
    intent = (parse.get("intent") or {}).get("name") or ""
    if intent == "faq":
        selectors = parse.get("response_selector") or {}
        chosen = selectors.get("faq") or selectors.get("default") or {}
        return ((chosen.get("response") or {}).get("intent_response_key")) or "faq"
    return intent


async def evaluate(model: str, examples: List[Tuple[str, str]]) -> List[Tuple[str, str, str]]:
    import logging

    from rasa.core.agent import Agent
    from rasa.utils.common import configure_logging_and_warnings
    from rasa.utils.log_utils import configure_structlog

    configure_logging_and_warnings(logging.WARNING)
    configure_structlog(logging.WARNING)
    agent = Agent.load(model)
    results = []
    for text, expected in examples:
        parse = await agent.parse_message(text)
        results.append((text, expected, predicted_label(parse)))
    return results


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--model", required=True)
    parser.add_argument("--data", type=Path, default=Path("tests/nlu/holdout.yml"))
    args = parser.parse_args(argv)
    results = asyncio.run(evaluate(args.model, load_examples(args.data)))
    totals, right = Counter(), Counter()
    for _text, expected, got in results:
        group = "faq" if expected.startswith("faq/") else "other"
        totals[group] += 1
        right[group] += expected == got
    print(f"held-out NLU check on {args.data} ({len(results)} messages)")
    ok = True
    for group, target, gate in (("faq", FAQ_TARGET, FAQ_GATE), ("other", OTHER_TARGET, OTHER_TARGET)):
        if totals[group]:
            acc = right[group] / totals[group]
            ok &= acc >= gate
            print(f"  {group:<6} top-1 accuracy {acc:6.1%} on {totals[group]} messages "
                  f"(target {target:.0%}: {'met' if acc >= target else 'NOT met'}; fails below {gate:.0%})")
    for text, expected, got in results:
        if expected != got:
            print(f"  wrong: {text!r}: expected {expected}, got {got}")
    print("held-out NLU check " + ("passed" if ok else "FAILED"))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
