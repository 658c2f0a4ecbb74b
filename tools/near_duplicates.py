"""Near-duplicates between training data and held-out or blind sets, so a test set measures new wording.

Two messages are near-duplicates when their character 4-gram sets overlap with a Jaccard index of at least
0.6, or their word sets do and both have five words or more (in short questions one word is the point:
"do you take tricare" and "do you take teenagers" share three words of five and are different questions).
The convention: a blind set stays as its writer wrote it; the training copy of a near-duplicate is removed
(`--drop` rewrites the training files without them).

    python -m tools.near_duplicates --train data/risk/*.yml \
        --held tests/risk/blind18*.yml [--drop]
"""
from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path
from typing import Iterable, List, Sequence, Set, Tuple

import yaml
from sklearn.feature_extraction.text import CountVectorizer

THRESHOLD = 0.6
LIST_KEYS = ("examples", "questions", "answers", "risk", "non_risk")


def texts_of(path: Path) -> List[str]:
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    found: List[str] = []
    if "people" in data:  # a screening set: every answer of every person
        for person in data["people"]:
            found += [str(a["text"]) for a in person["answers"]]
    for key in LIST_KEYS:
        found += [str(item["text"]) for item in data.get(key) or []]
    if "nlu" in data:  # Rasa NLU data: "- example" lines
        for block in data["nlu"]:
            for line in str(block.get("examples") or "").splitlines():
                if line.strip().startswith("- "):
                    found.append(line.strip()[2:])
    return found


def _jaccard(a: Sequence[str], b: Sequence[str], **vectorizer) -> "object":
    vec = CountVectorizer(binary=True, lowercase=True, **vectorizer).fit(list(a) + list(b))
    x, y = vec.transform(a), vec.transform(b)
    inter = (x @ y.T).toarray()
    size_a, size_b = x.sum(axis=1).A1, y.sum(axis=1).A1
    union = size_a[:, None] + size_b[None, :] - inter
    return inter / (union + (union == 0))


MIN_WORDS = 5


def _close(train: Sequence[str], held: Sequence[str], threshold: float):
    words = _jaccard(train, held, token_pattern=r"[a-z0-9']+")
    chars = _jaccard(train, held, analyzer="char_wb", ngram_range=(4, 4))
    long_train = [len(re.findall(r"[a-z0-9']+", t.lower())) >= MIN_WORDS for t in train]
    long_held = [len(re.findall(r"[a-z0-9']+", t.lower())) >= MIN_WORDS for t in held]
    import numpy as np

    both_long = np.outer(long_train, long_held)
    return ((words >= threshold) & both_long) | (chars >= threshold)


def near_duplicates(train: Sequence[str], held: Sequence[str], threshold: float = THRESHOLD) -> Set[int]:
    """Indexes into `train` of messages too close to some held-out message of three words or more (everyone
    writes "yes", "ok" and "every day" alike: a blind set that contains them measures nothing new there)."""
    held = [h for h in held if len(re.findall(r"[a-z0-9']+", h.lower())) >= 3]
    if not train or not held:
        return set()
    return {int(i) for i in _close(train, held, threshold).any(axis=1).nonzero()[0]}


def _line_text(line: str):
    """The message on one line of a data file: a flow mapping with text, or an NLU example."""
    if "text:" in line and line.lstrip().startswith("- {"):
        try:
            item = yaml.safe_load(line.strip()[2:])
        except yaml.YAMLError:
            return None
        return str(item.get("text")) if isinstance(item, dict) else None
    if line.startswith("    - "):
        return line[6:].rstrip("\n")
    return None


def drop_from_file(path: Path, held: Sequence[str], threshold: float = THRESHOLD) -> int:
    """Rewrite a training file without its near-duplicates; keep its comments. Returns how many were removed."""
    texts = texts_of(path)
    doomed = {texts[i] for i in near_duplicates(texts, held, threshold)}
    if not doomed:
        return 0
    kept, removed = [], 0
    for line in path.read_text(encoding="utf-8").splitlines(keepends=True):
        text = _line_text(line)
        if text in doomed:
            removed += 1
            continue
        kept.append(line)
    path.write_text("".join(kept), encoding="utf-8")
    return removed


def main(argv: Iterable[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--train", nargs="+", type=Path, required=True)
    parser.add_argument("--held", nargs="+", type=Path, required=True)
    parser.add_argument("--drop", action="store_true", help="remove the near-duplicates from the training files")
    args = parser.parse_args(list(argv) if argv is not None else None)
    held: List[str] = [t for p in args.held for t in texts_of(p)]
    total = 0
    for path in args.train:
        if args.drop:
            n = drop_from_file(path, held)
        else:
            n = len(near_duplicates(texts_of(path), held))
        total += n
        print(f"{path}: {n} near-duplicate(s) of held-out messages" + (" removed" if args.drop else ""))
    print(f"{total} in all")
    return 0


def pairs(train: Sequence[str], held: Sequence[str], threshold: float = THRESHOLD) -> List[Tuple[str, str]]:
    """The close pairs themselves, for a look by eye."""
    held = [h for h in held if len(re.findall(r"[a-z0-9']+", h.lower())) >= 3]
    if not train or not held:
        return []
    close = _close(train, held, threshold)
    return [(train[i], held[j]) for i, j in zip(*close.nonzero(), strict=True)]


if __name__ == "__main__":
    sys.exit(main())
