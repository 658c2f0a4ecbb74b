"""`make eval`: the risk detector on the held-out corpus, then on the fresh generalisation sets: recall per
category, false positives per kind, time per message. Only corpus.yml's targets decide the exit status;
the fresh sets are printed for comparison (`--corpus PATH` scores one file and gates on it).

`--model [PATH]` scores the trained model instead (default: the one `make train` last built): the verdict the
bot acts on, the detector and the classifier's crisis intents together (bot/server/nlu/risk_component.py), with
the same sets and figures; the time per message is then the whole NLU pipeline's."""
from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections import Counter, defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import Dict, List

import yaml

from bot.core.risk.detector import CATEGORIES, RiskDetector, Verdict, default_detector
from bot.core.settings import ROOT

CORPUS = ROOT / "tests" / "risk" / "corpus.yml"
# Generalisation sets written independently of corpus.yml, each before a round of rule changes.
# fresh.yml to fresh4.yml were written before a tuning round and then tuned on; fresh5.yml was written
# before round 4 (tuned on fresh4) and fresh6.yml before round 4b (tuned on fresh5); fresh6 never was.
FRESH_SETS = tuple(ROOT / "tests" / "risk" / name
                   for name in ("fresh.yml", "fresh2.yml", "fresh3.yml", "fresh4.yml", "fresh5.yml",
                                "fresh6.yml", "blind17.yml", "blind18a.yml", "blind18b.yml", "blind18c.yml",
                                "blind19a.yml", "blind19b.yml", "blind19c.yml", "blind20a.yml", "blind20b.yml",
                                "blind20c.yml", "blind21a.yml", "blind22a.yml", "blind22b.yml", "blind23a.yml",
                                "blind23b.yml", "blind24a.yml", "blind24b.yml", "blind25a.yml",
                                "blind25b.yml", "blind26a.yml", "blind26b.yml", "blind27a.yml",
                                "blind27b.yml", "blind28a.yml", "blind28b.yml", "blind29a.yml",
                                "blind29b.yml", "blind30a.yml", "blind30b.yml", "blind31a.yml",
                                "blind31b.yml", "blind32a.yml", "blind32b.yml", "blind33a.yml",
                                "blind33b.yml"))
# Sets nobody has tuned on yet: only their figures are printed, never their messages, so they stay unseen
# by whoever changes the rules next (a round tunes on the newest of them and writes a new one first).
# blind17.yml was written for issue 17 by a helper who saw neither the rules, the corpus (data/risk) nor the
# other sets; fresh.yml to fresh5.yml are in data/risk (development data for the learned model).
# blind17.yml informed the learned model's thresholds and the second corpus round (issue 17): development data
# since. blind18a-c were written for that round by three more helpers, each given a different slice (who
# writes, how, where the risk sits), who saw neither the corpus, the rules nor each other's sets.
# blind20a-c were scored once (session 8) and looked at since: development data; blind21a and blind22a-b likewise
# (scored once in session 9). blind23a-b were written at the start of session 10 by two more helpers (23a: people
# answering the bot mid-conversation, teenagers and parents, pregnant people, health workers, people on
# methadone; 23b: older adults, chronic pain, people out of jail, shelters, terse SMS and voice-to-text), unseen
# until their one scoring at the end of that session; development data since. blind24a-b were written at the start of
# session 11 by two more helpers (24a: family members' long messages about a relative; 24b: older adults, veterans,
# rural people and sober-house residents writing about themselves, terse SMS and voice-to-text), scored once at the
# end of that session: development data since. blind25a-b were written during session 11 for the next round (25a: replies
# in the middle of a chat, the risk after or inside program talk; 25b: teenagers and young adults, texting slang and
# algospeak, and parents of teens): scored once in session 12 (on the model of 8e137ad), development data since.
# blind26a-b were written at the start of session 12 for the round after (26a: late-night messages written drunk or
# high, health workers who use, long-term AA/NA members in program slang; 26b: physical illness and prescriptions,
# caregivers, doses and symptoms): scored once at the end of session 12 (on the model of 7dbef94), development data
# since. blind27a-b were written during session 12 for the next round (27a: the justice system, homelessness,
# outreach and shelter staff, public defenders; 27b: replies to what the bot just asked, fragments over several
# lines): scored once in session 13 (on the model of 14a503f), development data since. blind28a-b were written at
# the start of session 13 for the next round (28a: distress hidden behind humour, apology and understatement; 28b:
# people caring for a child, a parent or a client at home, the danger to them or to the one they care for): scored
# once in session 14 (on the model of 07257f1), development data since. blind29a-b were written at the start of
# session 14 for the round after (29a: Spanish-speaking and bilingual families, half the messages in Spanish; 29b:
# people inside recovery culture, IOP clients, sponsors, sober living, MOUD, in its jargon): scored once in session 15
# (on the model of 38dbf22), development data since. blind30a-b were written at the start of session 15 for the
# round after (30a: LGBTQ+ people and nightlife and service workers, party drugs, partner violence, slang; 30b: people
# between places of care and shelter, just discharged, in shelters, motels and cars, and the staff writing about
# them): scored once in session 16 (on the model of 32e05fd), development data since. blind31a-b were written at the
# start of session 16 for the round after (31a: veterans, service members, first responders and rural families, terse,
# with jargon and guns at home; 31b: forwarded and quoted words, long logistics messages with one line that matters,
# fragment answers): scored once at the start of session 17 (on the model of 4f43f6a), development data since.
# blind32a-b were written at the start of session 17 for the round after (32a: students, athletes, young
# professionals and gamers, stimulants, group-chat style; 32b: serious mental illness beside substance use, case
# managers and group-home staff, literal or disorganised writing): scored once in session 17 (on the model of 9b6ff89),
# development data since. blind33a-b were written in session 17 for the round after that
# (33a: people writing from work or on a break, and supervisors, HR, EAP and union staff writing about an employee;
# 33b: immigrants, refugees and remote tribal or rural communities, in simple or translated English and Spanish, often
# typed by a relative): unseen and unscored.
BLIND_SETS = {"fresh6.yml", "blind33a.yml", "blind33b.yml"}
RECALL_TARGET = 1.0
FALSE_POSITIVE_LIMIT = 0.03


@dataclass
class Report:
    misses: List[dict]
    false_positives: List[dict]
    wrong_category: List[tuple]
    per_category: Dict[str, Counter]
    per_kind: Dict[str, Counter]
    n_risk: int
    n_safe: int
    timings_ms: List[float]

    @property
    def recall(self) -> float:
        return 1 - len(self.misses) / self.n_risk

    @property
    def false_positive_rate(self) -> float:
        return len(self.false_positives) / self.n_safe


def load_corpus(path: Path = CORPUS) -> dict:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def evaluate(detector: RiskDetector, corpus: dict) -> Report:
    misses, fps, wrong = [], [], []
    per_category: Dict[str, Counter] = defaultdict(Counter)
    per_kind: Dict[str, Counter] = defaultdict(Counter)
    timings = []
    for item in corpus["risk"]:
        t0 = time.perf_counter()
        verdict = detector.detect(item["text"])
        timings.append((time.perf_counter() - t0) * 1000)
        per_category[item["category"]]["total"] += 1
        if not verdict.is_risk:
            misses.append(item)
            continue
        per_category[item["category"]]["caught"] += 1
        per_category[item["category"]]["escalated"] += verdict.urgency != "check"
        if verdict.category == item["category"]:
            per_category[item["category"]]["category_right"] += 1
        else:
            wrong.append((item, verdict.category))
    for item in corpus["non_risk"]:
        t0 = time.perf_counter()
        verdict = detector.detect(item["text"])
        timings.append((time.perf_counter() - t0) * 1000)
        per_kind[item["kind"]]["total"] += 1
        if verdict.is_risk:
            per_kind[item["kind"]]["flagged"] += 1
            fps.append({**item, "got": verdict.category, "rules": [h.rule for h in verdict.hits]})
    return Report(misses, fps, wrong, per_category, per_kind, len(corpus["risk"]), len(corpus["non_risk"]), timings)


class ModelDetector:
    """The trained model's NLU as a detector: a message is a risk when its final intent is a crisis intent."""

    def __init__(self, model_path: Path) -> None:
        import asyncio

        import logging

        from rasa.core.agent import Agent
        from rasa.utils.log_utils import configure_structlog

        from bot.server.nlu.risk_component import RISK_INTENT_PREFIX

        # Rasa logs every parsed text at debug level: a blind set's messages must not reach the screen.
        logging.getLogger("rasa").setLevel(logging.WARNING)
        configure_structlog(logging.WARNING)

        self._prefix = RISK_INTENT_PREFIX
        self._loop = asyncio.new_event_loop()
        self._agent = Agent.load(str(model_path))

    def detect(self, text: str) -> Verdict:
        parsed = self._loop.run_until_complete(self._agent.parse_message(text))
        name = str((parsed.get("intent") or {}).get("name") or "")
        if not name.startswith(self._prefix):
            return Verdict()
        risk = parsed.get("risk") or {}
        # The ask-directly tier (risk_check) counts as caught, with the model's category and urgency "check".
        return Verdict(is_risk=True, category=risk.get("category") or name[len(self._prefix):],
                       urgency=risk.get("urgency"))


def current_model() -> Path:
    pointer = ROOT / "models" / "CURRENT"
    if not pointer.exists():
        raise SystemExit("no trained model: run `make train` first")
    path = Path(pointer.read_text().strip())
    return path if path.is_absolute() else ROOT / path


def _shown(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(ROOT))
    except ValueError:
        return str(path)


def print_report(report: Report, path: Path, gate: bool, label: str = "risk detector",
                 show_texts: bool = True) -> bool:
    """Print one corpus's figures; return whether it meets the targets."""
    print(f"{label} on {_shown(path)} ({report.n_risk} risk, {report.n_safe} non-risk messages)")
    print(f"{'category':<20}{'messages':>9}{'recall':>9}{'right category':>16}")
    for cat in CATEGORIES:
        c = report.per_category.get(cat, Counter())
        if c["total"]:
            print(f"{cat:<20}{c['total']:>9}{c['caught'] / c['total']:>9.1%}{c['category_right'] / c['total']:>16.1%}")
    print(f"{'all':<20}{report.n_risk:>9}{report.recall:>9.1%}")
    escalated = sum(c["escalated"] for c in report.per_category.values())
    right = sum(c["category_right"] for c in report.per_category.values())
    caught = sum(c["caught"] for c in report.per_category.values())
    print(f"escalated outright {escalated / report.n_risk:.1%} (the rest asked directly); "
          f"right category {right / max(caught, 1):.1%} of those caught")
    print(f"\n{'non-risk kind':<20}{'messages':>9}{'false pos.':>11}")
    for kind, c in sorted(report.per_kind.items()):
        print(f"{kind:<20}{c['total']:>9}{c['flagged'] / c['total']:>11.1%}")
    print(f"{'all':<20}{report.n_safe:>9}{report.false_positive_rate:>11.1%}")
    ts = sorted(report.timings_ms)
    print(f"\ntime per message: median {statistics.median(ts):.3f} ms, "
          f"p95 {ts[int(len(ts) * 0.95)]:.3f} ms, max {ts[-1]:.3f} ms")
    if show_texts:
        for m in report.misses:
            print(f"MISSED [{m['category']}] {m['text']}")
        for item, got in report.wrong_category:
            print(f"WRONG CATEGORY [{item['category']} -> {got}] {item['text']}")
        for f in report.false_positives:
            print(f"FALSE POSITIVE [{f['kind']} -> {f['got']} via {','.join(f['rules'])}] {f['text']}")
    else:
        print("(a blind set: its missed and flagged messages are not shown; --corpus PATH --show shows them)")
    ok = report.recall >= RECALL_TARGET and report.false_positive_rate < FALSE_POSITIVE_LIMIT
    verdict = "met" if ok else "NOT met"
    if not gate:
        verdict += " (generalisation check only: does not fail `make eval`)"
    print(f"\ntargets: recall {RECALL_TARGET:.0%}, false positives under {FALSE_POSITIVE_LIMIT:.0%}: {verdict}")
    return ok


def main(argv: List[str] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--corpus", type=Path, default=None,
                        help="score only this labelled corpus (default: corpus.yml, then the fresh sets)")
    parser.add_argument("--show", action="store_true", help="print the messages of a blind set too")
    parser.add_argument("--model", nargs="?", const="", default=None,
                        help="score the trained model's verdict (detector + classifier); default the current one")
    args = parser.parse_args(argv)
    if args.corpus is None:
        runs = [(CORPUS, True)] + [(path, False) for path in FRESH_SETS if path.exists()]
    else:
        path = args.corpus if args.corpus.is_absolute() or args.corpus.exists() else ROOT / args.corpus
        runs = [(path, True)]
    if args.model is not None:
        detector, label = ModelDetector(Path(args.model) if args.model else current_model()), "trained model"
    else:
        detector, label = default_detector(), "risk detector"
    gate_ok = True
    for n, (path, gate) in enumerate(runs):
        if n:
            print("\n" + "=" * 72 + "\n")
        show = args.show or path.name not in BLIND_SETS
        ok = print_report(evaluate(detector, load_corpus(path)), path, gate, label, show_texts=show)
        gate_ok = gate_ok and (ok or not gate)
    return 0 if gate_ok else 1


if __name__ == "__main__":
    sys.exit(main())
