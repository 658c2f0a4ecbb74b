"""`make export-reviewed`: the console's review labels as training data under data/reviewed/.

- data/reviewed/nlu.yml: Rasa NLU data (intents, FAQ topics as faq/<topic>, out_of_scope); `rasa train` reads
  every file under data/, so these train the intent and FAQ topic models.
- data/reviewed/risk/reviewed.yml: the risk labels in data/risk/'s format (`examples: - {text, label}`, label
  `none` or a category).
- data/reviewed/screening_answers/reviewed.yml: screen answers in data/screening_answers/'s format.

Only labels that count are written (a "not risk" on an escalation needs a second reviewer first). The texts are
the masked ones the console stored (phone numbers, e-mail addresses, names, street addresses), masked again here.
Messages that are near-duplicates of the evaluation sets (tests/risk, tests/faq, tests/screening,
tests/nlu/holdout.yml; tools/near_duplicates.py) are left out, so those sets keep measuring new wording.
Nothing is sent anywhere: the files are written in this checkout, for a person to read and commit.
"""
from __future__ import annotations

import sys
from collections import defaultdict
from pathlib import Path
from typing import Dict, List, Optional, Sequence

import yaml

from bot.core.privacy import mask_personal
from bot.core.settings import ROOT
from bot.storage.review_labels import counted_labels
from tools.near_duplicates import near_duplicates, texts_of

OUT = ROOT / "data" / "reviewed"
HEADER = ("# Written by `make export-reviewed` from the staff console's review labels (masked; near-duplicates of\n"
          "# the evaluation sets left out). Read before committing; `make train` learns from it.\n")


def held_out_files(root: Path = ROOT) -> List[Path]:
    tests = root / "tests"
    return sorted([*(tests / "risk").glob("*.yml"), *(tests / "faq").glob("*.yml"),
                   *(tests / "screening").glob("*.yml"), tests / "nlu" / "holdout.yml"])


def held_out_texts(files: Optional[Sequence[Path]] = None) -> List[str]:
    texts: List[str] = []
    for path in files if files is not None else held_out_files():
        if path.exists():
            texts += texts_of(path)
    return texts


def _quoted(text: str) -> str:
    return yaml.safe_dump(text, default_style='"', width=10_000).strip().replace("\n...", "")


def export(out: Path = OUT, db_url: Optional[str] = None, held: Optional[List[str]] = None) -> Dict[str, int]:
    labels = counted_labels(db_url)
    rows = [(row.kind, row.label, row.question, " ".join(mask_personal(row.text).split())) for row in labels]
    rows = [r for r in rows if r[3]]
    held = held_out_texts() if held is None else held
    dropped = near_duplicates([r[3] for r in rows], held) if rows and held else set()
    kept = [r for i, r in enumerate(rows) if i not in dropped]
    counts = {"near_duplicates_left_out": len(dropped)}

    nlu: Dict[str, List[str]] = defaultdict(list)
    risk, answers = [], []
    for kind, label, question, text in kept:
        if kind == "nlu" and text not in nlu[label]:
            nlu[label].append(text)
        elif kind == "risk":
            risk.append({"text": text, "label": label})
        elif kind == "screen" and question:
            answers.append({"question": question, "text": text, "value": label})

    nlu_path, risk_path = out / "nlu.yml", out / "risk" / "reviewed.yml"
    answers_path = out / "screening_answers" / "reviewed.yml"
    for path in (nlu_path, risk_path, answers_path):
        if path.exists():
            path.unlink()
    if nlu:
        lines = [HEADER + 'version: "3.1"', "nlu:"]
        for intent in sorted(nlu):
            lines += [f"- intent: {intent}", "  examples: |"] + [f"    - {t}" for t in nlu[intent]]
        _write(nlu_path, "\n".join(lines) + "\n")
    if risk:
        _write(risk_path, HEADER + "examples:\n" + "".join(
            f"  - {{text: {_quoted(r['text'])}, label: {r['label']}}}\n" for r in risk))
    if answers:
        _write(answers_path, HEADER + "answers:\n" + "".join(
            f"  - {{question: {a['question']}, text: {_quoted(a['text'])}, value: {_quoted(a['value'])}}}\n"
            for a in answers))
    counts.update(nlu=sum(len(v) for v in nlu.values()), risk=len(risk), screening_answers=len(answers))
    return counts


def _write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


def main() -> int:
    counts = export()
    print(f"wrote {OUT.relative_to(ROOT)}/: " + ", ".join(f"{k.replace('_', ' ')} {v}" for k, v in counts.items()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
