"""The pure parts of `make bench` (tools/bench.py): percentiles, the open-load schedule, the conversation
pool, the targets and the report. No servers are started here."""
import random
import statistics
from itertools import pairwise

import pytest

from tools.bench import (OURS_SCRIPT, PLAIN_SCRIPT, ConversationPool, Figures, assess, format_report,
                             parse_args, percentile, poisson_schedule)


def test_percentile_interpolates_between_ranks_like_numpy():
    values = [10, 20, 30, 40]
    assert percentile(values, 0) == 10
    assert percentile(values, 100) == 40
    assert percentile(values, 50) == 25
    assert percentile(values, 95) == pytest.approx(38.5)
    assert percentile(list(range(1, 101)), 95) == pytest.approx(95.05)


def test_percentile_ignores_order_and_handles_small_inputs():
    assert percentile([3, 1, 2], 50) == 2
    assert percentile([7], 95) == 7
    assert percentile([], 50) is None
    with pytest.raises(ValueError):
        percentile([1], 101)


def test_poisson_schedule_has_the_asked_rate_and_stays_inside_the_duration():
    times = poisson_schedule(20.0, 300.0, random.Random(1))
    assert times == sorted(times) and 0 < times[0] and times[-1] < 300.0
    assert len(times) / 300.0 == pytest.approx(20.0, rel=0.05)
    gaps = [b - a for a, b in pairwise(times)]
    # Exponential gaps: the standard deviation is about the mean (a fixed interval would have none).
    assert statistics.pstdev(gaps) == pytest.approx(statistics.mean(gaps), rel=0.1)


def test_poisson_schedule_is_repeatable_and_empty_for_no_load():
    assert poisson_schedule(5, 10, random.Random(3)) == poisson_schedule(5, 10, random.Random(3))
    assert poisson_schedule(0, 10, random.Random(3)) == []
    assert poisson_schedule(5, 0, random.Random(3)) == []


def test_the_pool_never_hands_out_a_conversation_that_waits_for_an_answer():
    pool = ConversationPool(["a", "b", "c"], "p")
    first, second = pool.take(), pool.take()
    assert pool.message(first) == ("p-0-0", "a")
    assert pool.message(second) == ("p-1-0", "a")  # the first is busy: a new conversation starts
    pool.give_back(first)
    again = pool.take()
    assert again is first and pool.message(again) == ("p-0-0", "b")


def test_a_conversation_at_the_end_of_its_script_starts_over_under_a_new_sender():
    pool = ConversationPool(["a", "b"], "p")
    conv = pool.take()
    sent = [pool.message(conv) for _ in range(5)]
    assert sent == [("p-0-0", "a"), ("p-0-0", "b"), ("p-0-1", "a"), ("p-0-1", "b"), ("p-0-2", "a")]


def test_the_scripts_have_no_risk_messages():
    from bot.core.risk.detector import default_detector

    detector = default_detector()
    assert not [t for t in OURS_SCRIPT + PLAIN_SCRIPT if detector.detect(t).is_risk]


def figures(**kw):
    base = dict(cold_start_s=30.0, solo_p50_ms=60.0, solo_p95_ms=90.0, capacity_tps=40.0, capacity_p95_ms=600.0,
                open_rate_tps=20.0, open_p50_ms=80.0, open_p95_ms=200.0, peak_memory_mb=1500.0, turns=900)
    return Figures(**{**base, **kw})


def by_key(rows):
    return {r["key"]: r for r in rows}


def test_targets_are_judged_against_the_issue():
    rows = by_key(assess(figures(), figures(capacity_tps=20.0)))
    assert rows["solo_p95_ms"]["met"] is True
    assert rows["capacity_tps"]["met"] is True  # exactly twice counts
    assert rows["open_p95_ms"]["met"] is True
    assert rows["capacity_ratio"]["ours"] == "2.00x"

    rows = by_key(assess(figures(solo_p95_ms=150.0, open_p95_ms=301.0), figures(capacity_tps=21.0)))
    assert rows["solo_p95_ms"]["met"] is False  # "under 150 ms"
    assert rows["capacity_tps"]["met"] is False
    assert rows["open_p95_ms"]["met"] is False


def test_with_one_bot_only_the_ratio_cannot_be_judged():
    rows = by_key(assess(figures(), None))
    assert rows["capacity_tps"]["met"] is None and "capacity_ratio" not in rows
    assert rows["solo_p95_ms"]["met"] is True and rows["solo_p95_ms"]["plain"] is None
    rows = by_key(assess(None, figures()))
    assert rows["solo_p95_ms"]["met"] is None


def test_the_report_is_a_table_with_targets_and_verdicts():
    rows = assess(figures(stores_memory_mb=60.0), figures(capacity_tps=30.0, solo_p95_ms=45.5))
    text = format_report(rows, ["make bench: 2 cores"])
    lines = text.splitlines()
    assert lines[0] == "make bench: 2 cores"
    assert lines[1].split() == ["figure", "ours", "plain", "target", "met?"]
    solo = next(line for line in lines if line.startswith("one conversation p95"))
    assert solo.split()[-4:] == ["45.5", "<", "150", "yes"]
    cap = next(line for line in lines if line.startswith("capacity, 20"))
    assert cap.split()[-4:-2] == [">=", "2x"] and cap.endswith("NO")
    assert any(line.startswith("  PostgreSQL + Redis") for line in lines)
    assert any("900 / 0 / 0" in line for line in lines)
    # The figures are right-aligned under their column's name.
    first = next(line for line in lines if line.startswith("one conversation p50"))
    assert lines[1].index("ours") + len("ours") == first.index("60.0") + len("60.0")


def test_the_store_row_is_left_out_without_stores_and_missing_figures_show_a_dash():
    text = format_report(assess(figures(), None))
    assert "PostgreSQL" not in text
    solo = next(line for line in text.splitlines() if line.startswith("one conversation p95"))
    assert solo.split()[-5:] == ["90.0", "-", "<", "150", "yes"]


def test_options():
    args = parse_args(["--quick", "--only", "plain", "--servers", "1"])
    assert args.quick and args.only == "plain" and args.servers == 1 and args.workers == 1
    with pytest.raises(SystemExit):
        parse_args(["--only", "both"])
