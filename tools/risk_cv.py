"""Leave-one-writer-out figures for the risk verdict: the development data the thresholds are chosen on.

Each writer's file in data/risk/ (writer_*.yml) is held out in turn; the learned model is trained on the
other files and the NLU data (as `rasa train` does, bot/server/nlu/risk_model_component.py), and the held-out
messages get the bot's verdict: the rules first (bot/core/risk/detector.py), then the model's score against the
escalate and ask-directly thresholds. The classifier's crisis intents are left out (they need a full
training), so the figures are a little below the running bot's. Printed for a grid of thresholds and for the
two ways of choosing the category when the rules and the model both speak.

    python -m tools.risk_cv [--escalate 0.9 0.8] [--check 0.75 0.6] [--groups 4] [--dump rows.json]
"""
from __future__ import annotations

import argparse
import json
import sys
from collections import Counter
from pathlib import Path
from typing import Dict, List, Optional, Sequence

from bot.core.risk.detector import default_detector
from bot.server.nlu.risk_model_component import training_set
from bot.core.risk.model import NONE, RiskModel, load_corpus
from bot.core.settings import ROOT

RISK_DIR = ROOT / "data" / "risk"


def nlu_examples() -> List:
    from rasa.shared.nlu.training_data.loading import load_data

    examples = []
    for path in sorted((ROOT / "data").glob("*.yml")):
        if "nlu:" in path.read_text(encoding="utf-8"):
            examples += load_data(str(path)).intent_examples
    return examples


def verdicts(held: Sequence[Path], others: Sequence[Path], examples: List) -> List[Dict]:
    texts, labels = training_set(list(others), ROOT / "data" / "screening_answers", examples)  # as rasa train
    model = RiskModel.fit(texts, labels)
    detector = default_detector()
    out = []
    held_texts, held_labels = load_corpus(list(held))
    for text, label in zip(held_texts, held_labels, strict=True):
        rules = detector.detect(text)
        scored = model.score(text)
        out.append({"label": label, "rules": rules.category if rules.is_risk else None,
                    "quiet": bool(rules.set_aside or rules.mention), "score": scored.score,
                    "model_category": scored.category, "words": len(text.split()),
                    "corroborate": rules.weak_and_not_now, "needs_corroboration": rules.needs_corroboration,
                    "rule_ids": [hit.rule for hit in rules.hits], "timing": rules.timing, "text": text})
    return out


def folds(writers: Sequence[Path], groups: int) -> List[List[Path]]:
    """The writers held out together in each fold: one each (leave-one-writer-out), or `groups` folds of writers
    taken in turn (a fold costs one training, about three minutes on 2 cores with 24 writers)."""
    if groups <= 0 or groups >= len(writers):
        return [[writer] for writer in writers]
    return [list(writers[i::groups]) for i in range(groups)]


def corroboration() -> Dict[str, float]:
    """The risk component's corroboration settings, as config.yml gives them to the running bot."""
    import yaml

    pipeline = yaml.safe_load((ROOT / "config.yml").read_text(encoding="utf-8"))["pipeline"]
    step = next(c for c in pipeline if c["name"].endswith("RiskSignalDetector"))
    return {"below": float(step.get("corroborate_below", 0.0)), "now_below": float(step.get("corroborate_now_below", 0.0)),
            "min_words": int(step.get("corroborate_min_words", 12)),
            "overrule": float(step.get("model_overrules_set_aside", 2.0))}


def figures(rows: List[Dict], escalate: float, check: float, category_from: str,
            corroborate: Optional[Dict[str, float]] = None) -> Dict[str, float]:
    risky = [r for r in rows if r["label"] != NONE]
    safe = [r for r in rows if r["label"] == NONE]
    corroborate = corroborate or {"below": 0.0, "now_below": 0.0, "min_words": 0}
    caught = outright = right = alarms = 0
    for r in rows:
        below = corroborate["below"] if r.get("corroborate") else corroborate.get("now_below", 0.0)
        heard = not r["quiet"] or r["score"] >= corroborate.get("overrule", 2.0)  # the rules' set-aside, overruled
        if (r["rules"] and r.get("needs_corroboration") and r["score"] < below
                and r.get("words", 0) >= corroborate["min_words"]):
            verdict, category = None, None  # the rules' lone hit, contradicted by the model (risk_component.py)
        elif r["rules"]:
            verdict, category = "escalate", r["rules"]
            if category_from == "model" and r["score"] >= escalate:
                category = r["model_category"]
        elif heard and r["score"] >= escalate:
            verdict, category = "escalate", r["model_category"]
        elif heard and r["score"] >= check:
            verdict, category = "check", r["model_category"]
        else:
            verdict, category = None, None
        if r["label"] == NONE:
            alarms += verdict is not None
        elif verdict:
            caught += 1
            outright += verdict == "escalate"
            right += category == r["label"]
    return {"recall": caught / len(risky), "outright": outright / len(risky),
            "category": right / max(1, caught), "false_alarms": alarms / len(safe)}


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--escalate", nargs="+", type=float, default=[0.9, 0.8, 0.7, 0.6])
    parser.add_argument("--check", nargs="+", type=float, default=[0.6, 0.45, 0.35, 0.25])
    parser.add_argument("--groups", type=int, default=0,
                        help="hold out writers in this many folds instead of one writer at a time (faster)")
    parser.add_argument("--dump", type=Path, default=None,
                        help="write every held-out message's rules, timing and model score as JSON, to simulate "
                             "other settings without training again")
    args = parser.parse_args(argv)
    files = sorted(RISK_DIR.glob("*.yml"))
    writers = [f for f in files if f.name.startswith("writer_")]
    examples = nlu_examples()
    rows: List[Dict] = []
    for held in folds(writers, args.groups):
        rows += verdicts(held, [f for f in files if f not in held], examples)
        print(f"held out {', '.join(h.name for h in held)}", file=sys.stderr)
    if args.dump:
        args.dump.write_text(json.dumps(rows), encoding="utf-8")
    counts = Counter(r["label"] != NONE for r in rows)
    how = f"{args.groups} folds" if 0 < args.groups < len(writers) else "leave-one-writer-out"
    print(f"{how} over {len(writers)} writers: {counts[True]} risky, {counts[False]} ordinary messages")
    settings = corroboration()
    print(f"rules' lone hits set aside below a model score of {settings['below']} (said to happen now: "
          f"{settings['now_below']}) in messages of {settings['min_words']} words or more; the model heard over the "
          f"rules' set-aside from {settings['overrule']} (config.yml)")
    print(f"{'escalate':>8}{'check':>7}{'recall':>8}{'outright':>9}{'false al.':>10}{'cat(rules)':>11}{'cat(model)':>11}")
    for escalate in args.escalate:
        for check in args.check:
            if check > escalate:
                continue
            a = figures(rows, escalate, check, "rules", settings)
            b = figures(rows, escalate, check, "model", settings)
            print(f"{escalate:>8.2f}{check:>7.2f}{a['recall']:>8.1%}{a['outright']:>9.1%}{a['false_alarms']:>10.1%}"
                  f"{a['category']:>11.1%}{b['category']:>11.1%}")
    rules_only = figures(rows, 2.0, 2.0, "rules")
    print(f"rules alone: recall {rules_only['recall']:.1%}, false alarms {rules_only['false_alarms']:.1%}, "
          f"category {rules_only['category']:.1%}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
