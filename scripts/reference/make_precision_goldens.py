#!/usr/bin/env python3
"""Clopper-Pearson one-sided lower bounds from scipy, the reference for PrecisionBoundTests.

    python3 scripts/reference/make_precision_goldens.py > Tests/Fixtures/precision/clopper_pearson.json

Each case: k correct of n, the confidence, and scipy.stats.beta.ppf(1 - confidence, k, n - k + 1) (0 when k = 0).
"""
import json

from scipy.stats import beta

cases = []
for n in [1, 2, 5, 10, 20, 37, 50, 100, 250, 1000, 5000, 20000]:
    for k in sorted({0, 1, n // 10, n // 2, (9 * n) // 10, n - 1, n}):
        if not 0 <= k <= n:
            continue
        for confidence in [0.9, 0.95, 0.99]:
            lower = 0.0 if k == 0 else float(beta.ppf(1 - confidence, k, n - k + 1))
            cases.append({"correct": k, "total": n, "confidence": confidence, "lower": lower})
print(json.dumps({"generator": "scipy.stats.beta.ppf", "cases": cases}, indent=0))
