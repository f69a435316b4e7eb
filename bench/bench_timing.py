"""Benchmark govhall.timing deadlines against a naive day-by-day loop.

Run: python bench/bench_timing.py  (prints timings; no assertions on speed,
exits non-zero only if something raises or the two methods disagree).
"""

from __future__ import annotations

import random
import sys
import time
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import chinese_calendar  # noqa: E402

from govhall.timing import WorkCalendar, build_calendar, compute_deadline, official_years  # noqa: E402

SPANS = (20, 60, 120, 250)
# Starts in 2020–2026, early enough that 250 working days stay inside the
# official years (chinese_calendar itself stops at 2026).
FIRST, LAST = date(2020, 1, 1), date(2025, 11, 26)
# The naive loop costs ~80 µs per day stepped, so it gets fewer samples.
FAST_SAMPLES, NAIVE_SAMPLES, REPEATS, NAIVE_REPEATS = 20_000, 40, 5, 3
DAY = timedelta(days=1)


def naive_deadline(start: date, days: int) -> date:
    """The obvious reference: step one day at a time, asking chinese_calendar."""
    d = start
    while days:
        d += DAY
        if chinese_calendar.is_workday(d):
            days -= 1
    return d


def best_per_op(fn, items, repeats: int = REPEATS) -> float:
    """Best of ``repeats`` runs, in µs per call (the minimum is the least noisy)."""
    best = float("inf")
    for _ in range(repeats):
        t0 = time.perf_counter()
        for item in items:
            fn(item)
        best = min(best, time.perf_counter() - t0)
    return best / len(items) * 1e6


def main() -> None:
    t0 = time.perf_counter()
    cal = build_calendar()
    cold = time.perf_counter() - t0
    years = list(official_years().values())
    t0 = time.perf_counter()
    for _ in range(20):
        WorkCalendar(years)
    warm = (time.perf_counter() - t0) / 20
    print(
        f"build_calendar (cold, reads chinese_calendar + provisional 2027): {cold * 1e3:.1f} ms; "
        f"WorkCalendar({len(years)} years): {warm * 1e3:.1f} ms"
    )

    rng = random.Random(20241001)
    width = (LAST - FIRST).days
    starts = [FIRST + timedelta(days=rng.randrange(width + 1)) for _ in range(FAST_SAMPLES)]
    naive_starts = starts[:NAIVE_SAMPLES]
    print(f"{FAST_SAMPLES} random starts {FIRST} … {LAST} (naive: first {NAIVE_SAMPLES}), best of {REPEATS} (naive {NAIVE_REPEATS})")

    fast_us = {}
    for n in SPANS:
        # Same answers first: a fast wrong result is worth nothing.
        for s in naive_starts:
            got = compute_deadline(cal, start=s, days=n).due
            if got != naive_deadline(s, n):
                raise AssertionError(f"mismatch for start {s}, N={n}: {got}")
        fast = best_per_op(lambda s: compute_deadline(cal, start=s, days=n), starts)
        naive = best_per_op(lambda s: naive_deadline(s, n), naive_starts, NAIVE_REPEATS)
        fast_us[n] = fast
        print(f"deadline N={n}: govhall {fast:.2f} µs/op, naive {naive:.1f} µs/op, speed-up {naive / fast:,.0f}×")
    print(
        f"growth govhall(N={SPANS[-1]})/govhall(N={SPANS[0]}): "
        f"{fast_us[SPANS[-1]] / fast_us[SPANS[0]]:.2f} (1.0 = flat)"
    )


if __name__ == "__main__":
    try:
        main()
    except Exception as error:  # report and fail; timings themselves never fail
        print(f"bench_timing failed: {error!r}", file=sys.stderr)
        sys.exit(1)
