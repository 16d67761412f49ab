"""Next-item selection latency: 1 000-item, 12-competency bank, after 60 responses.

    .venv/bin/python bench/psychometrics/latency.py

States come from real adaptive runs stopped at 60 responses; each state is then
timed with the stop lifted (``max_total=None``), which is the work a request
does: score 12 competencies, apply the stopping rules, select and apply
exposure control. The bank object (with its lookup tables) is built once, as
a long-lived server process would keep it. Reported: median, p99 and max of
wall-clock time per call, with the correlated (EP) and the independent prior.
"""

from __future__ import annotations

import json
import time

import numpy as np

from efs.psychometrics.cat import CatConfig, cat_next
from efs.psychometrics.simulation import (
    equicorrelation,
    simulate_abilities,
    simulate_bank,
    simulate_scores,
)

N_STATES = 200
REPEATS = 10


def main() -> int:
    rng = np.random.default_rng(3)
    bank = simulate_bank(1000, 12, rng, share_3pl=0.2)
    correlation = equicorrelation(12, 0.6)
    theta = simulate_abilities(N_STATES, correlation, rng)
    results = {}
    for label, corr in (("correlated prior (EP)", correlation), ("independent prior", None)):
        build = CatConfig(max_total=60, max_items=30, correlation=corr, randomesque=3)
        states = []
        for person in range(N_STATES):
            responses: list[tuple[int, int]] = []
            while True:
                step = cat_next(bank, responses, build, rng=person)
                if step.item is None:
                    break
                score = simulate_scores(
                    bank, theta[person : person + 1], np.array([[step.item]]), rng
                )
                responses.append((step.item, int(score[0, 0])))
            states.append(responses)
        timed = CatConfig(max_items=30, correlation=corr, randomesque=3)
        timings = []
        for repeat in range(REPEATS):
            for person, responses in enumerate(states):
                started = time.perf_counter()
                cat_next(bank, responses, timed, rng=person + repeat)
                timings.append(time.perf_counter() - started)
        ms = np.array(timings) * 1e3
        results[label] = {
            "calls": ms.size,
            "responses_per_state": float(np.mean([len(s) for s in states])),
            "median_ms": round(float(np.median(ms)), 2),
            "p99_ms": round(float(np.percentile(ms, 99)), 2),
            "max_ms": round(float(ms.max()), 2),
        }
        print(json.dumps({label: results[label]}, ensure_ascii=False), flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
