"""Builds the spaCy pipeline that SpacyNLP loads by path (no model can be downloaded here).

A blank English tokenizer plus spaCy's lookup lemmatizer, whose tables come from the
spacy-lookups-data package. Bump VERSION whenever the recipe changes: the folder name changes
with it, config.yml points at the new folder, and `make` rebuilds and retrains.
"""
from __future__ import annotations

import shutil
import sys
from pathlib import Path

from bot.core.settings import ROOT

NAME = "en_iop_lookup"
VERSION = "1.0.0"
PIPELINE_DIR = ROOT / "pipelines" / f"{NAME}-{VERSION}"


def build(target: Path = PIPELINE_DIR) -> Path:
    import spacy

    nlp = spacy.blank("en")
    nlp.add_pipe("lemmatizer", config={"mode": "lookup"})
    nlp.initialize()  # loads the lemma tables from spacy-lookups-data
    nlp.meta.update({"name": NAME, "version": VERSION,
                     "description": "Blank English tokenizer with the lookup lemmatizer, built locally."})
    tmp = target.with_name(target.name + ".tmp")
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.rmtree(tmp, ignore_errors=True)
    nlp.to_disk(tmp)
    shutil.rmtree(target, ignore_errors=True)
    tmp.rename(target)  # only a finished build gets the real name
    return target


def load(path: Path = PIPELINE_DIR):
    import spacy

    if not (path / "meta.json").exists():
        build(path)
    return spacy.load(path)


if __name__ == "__main__":
    if "--if-missing" in sys.argv and (PIPELINE_DIR / "meta.json").exists():
        sys.exit(0)
    try:
        out = build()
    except Exception as exc:
        print(f"error: could not build the spaCy pipeline ({exc}). Run 'make install' again.", file=sys.stderr)
        sys.exit(1)
    print(f"spaCy pipeline built at {out.relative_to(ROOT) if out.is_relative_to(ROOT) else out}")
