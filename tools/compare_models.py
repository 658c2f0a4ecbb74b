"""`python -m tools.compare_models A.tar.gz B.tar.gz`: do two trained models understand alike?

Parses the held-out and development NLU sets and the risk sets with both models and prints how many messages
got a different intent (FAQ topics included), a different risk verdict, and the largest confidence gap. Used
to show how repeatable training is (README, "Repeatable training"): train twice, compare. Prints only
figures, never a blind set's messages.
"""
from __future__ import annotations

import argparse
import asyncio
import logging
import sys
from pathlib import Path
from typing import Dict, List, Tuple

import yaml

from bot.core.settings import ROOT
from tools.nlu_holdout import load_examples, predicted_label

NLU_SETS = ("tests/nlu/holdout.yml", "tests/nlu/dev.yml")
RISK_SETS = ("tests/risk/corpus.yml", "tests/risk/fresh6.yml", "tests/risk/blind17.yml")


def messages() -> List[str]:
    texts = [text for path in NLU_SETS for text, _ in load_examples(ROOT / path)]
    for path in RISK_SETS:
        data = yaml.safe_load((ROOT / path).read_text(encoding="utf-8"))
        texts += [item["text"] for part in ("risk", "non_risk") for item in data[part]]
    return texts


async def readings(model: Path, texts: List[str]) -> List[Tuple[str, float, bool]]:
    from rasa.core.agent import Agent
    from rasa.utils.log_utils import configure_structlog

    logging.getLogger("rasa").setLevel(logging.WARNING)
    configure_structlog(logging.WARNING)
    agent = Agent.load(str(model))
    out = []
    for text in texts:
        parse: Dict = await agent.parse_message(text)
        out.append((predicted_label(parse), float((parse.get("intent") or {}).get("confidence") or 0.0),
                    bool((parse.get("risk") or {}).get("is_risk"))))
    return out


def main(argv: List[str] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("first", type=Path)
    parser.add_argument("second", type=Path)
    args = parser.parse_args(argv)
    texts = messages()
    first = asyncio.run(readings(args.first, texts))
    second = asyncio.run(readings(args.second, texts))
    intents = sum(a[0] != b[0] for a, b in zip(first, second, strict=True))
    risk = sum(a[2] != b[2] for a, b in zip(first, second, strict=True))
    gap = max(abs(a[1] - b[1]) for a, b in zip(first, second, strict=True))
    print(f"{len(texts)} messages: {intents} with a different intent or FAQ topic, {risk} with a different risk "
          f"verdict, largest confidence difference {gap:.6f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
