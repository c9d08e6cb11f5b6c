#!/usr/bin/env python3
"""Fits the rational erf of CKernels' kernel_body.h (`verf`): erf(x) ≈ x·P(x²)/Q(x²) on [0, 3.925] (beyond it
float32 erf is 1), P of degree 6 and Q of degree 5 in x², Q(0) = 1, by linearised least squares with Lawson
reweighting towards the minimax error, against mpmath's erf. Prints the float32 coefficients (highest power
last) and the max absolute error of the float32 evaluation. The kernel's own error, with fused multiply-adds, is
checked by KernelTests ("vector erf", < 4e-7 on [-6, 6]).

Run: python3 scripts/kernels/fit_erf.py  (needs numpy and mpmath)
"""
import mpmath
import numpy as np

mpmath.mp.dps = 30
CLAMP = 3.925
P_DEGREE, Q_DEGREE = 6, 5


def erf(x):
    return np.array([float(mpmath.erf(v)) for v in x])


def fit(x, y, iterations=60):
    s = x * x
    w = np.ones_like(x)
    best = None
    for _ in range(iterations):
        # y·Q(s) = x·P(s) with Q's constant term 1: linear in the other coefficients.
        a = np.hstack([x[:, None] * s[:, None] ** np.arange(P_DEGREE + 1),
                       -y[:, None] * s[:, None] ** np.arange(1, Q_DEGREE + 1)])
        sol, *_ = np.linalg.lstsq(a * w[:, None], y * w, rcond=None)
        p, q = sol[:P_DEGREE + 1], np.concatenate([[1.0], sol[P_DEGREE + 1:]])
        err = x * np.polyval(p[::-1], s) / np.polyval(q[::-1], s) - y
        worst = np.abs(err).max()
        if best is None or worst < best[0]:
            best = (worst, p, q)
        w = w * (np.abs(err) / worst + 1e-3) ** 0.5 / np.abs(np.polyval(q[::-1], s))
        w /= w.max()
    return best


def horner32(coefficients, s):
    acc = np.float32(coefficients[-1])
    for c in coefficients[-2::-1]:
        acc = (acc * s + np.float32(c)).astype(np.float32)
    return acc


def main():
    nodes = (1 - np.cos(np.linspace(0, np.pi, 4000))) / 2 * CLAMP  # Chebyshev-spaced on [0, CLAMP]
    worst, p, q = fit(nodes, erf(nodes))
    p32, q32 = p.astype(np.float32), q.astype(np.float32)
    xs = np.linspace(0, 4.5, 100001).astype(np.float32)
    c = np.minimum(xs, np.float32(CLAMP))
    s = (c * c).astype(np.float32)
    approx = np.minimum((c * horner32(p32, s)).astype(np.float32) / horner32(q32, s), np.float32(1))
    print(f"fit max |error| (double): {worst:.3g}; float32 evaluation without FMA: "
          f"{np.abs(approx - erf(xs.astype(np.float64))).max():.3g}")
    print("P:", ", ".join(f"{v:.9g}" for v in p32))
    print("Q:", ", ".join(f"{v:.9g}" for v in q32))


if __name__ == "__main__":
    main()
