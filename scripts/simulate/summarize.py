#!/usr/bin/env python3
"""One line per simulation run (simulate.py's OUT.json files): when a trained version first served, the reject
rates and precisions of the rounds after it, and whether the run met the issue's two points (reject rate at least
80 % of the shipped expert's on the same stream in some round; precision at least 0.88 in every round after the
first promotion). Figures are against the true labels of the stream, as simulate.py reports them.

    python3 scripts/simulate/summarize.py runs/sim/*.json [--floor-share 0.8] [--min-precision 0.88]
"""
import argparse, json


def rows(path, floor_share, min_precision):
    saved = json.load(open(path))
    settings = saved["settings"]
    for order, result in saved["results"].items():
        rounds = result["rounds"]
        floor = floor_share * result["shipped"]["reject_rate"]
        served = [r for r in rounds if r["automatic"] > 0]
        first = served[0] if served else None
        after = rounds[rounds.index(first):] if first else []
        precisions = [r["precision"] for r in after if r["precision"] is not None]
        reached = next((r for r in after if r["reject_rate"] >= floor), None)
        yield {
            "scope": settings.get("precision_scope") or "label",
            "order": order,
            "seed": settings.get("seed"),
            "hold_out": settings.get("hold_out") or 0.5,
            "first": first["verdicts_before"] if first else None,
            "rates": [r["reject_rate"] for r in after],
            "lowest_precision": min(precisions) if precisions else None,
            "floor": floor,
            "reached": reached["verdicts_before"] if reached else None,
            "precision_ok": bool(precisions) and min(precisions) >= min_precision,
        }


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("runs", nargs="+")
    ap.add_argument("--floor-share", type=float, default=0.8)
    ap.add_argument("--min-precision", type=float, default=0.88)
    args = ap.parse_args()
    print("| scope | claims | seed | hold-out | first served after (verdicts) | reject rate per round from then on "
          "| floor | floor reached after | lowest precision from then on |")
    print("|---|---|---:|---:|---:|---|---:|---:|---:|")
    for path in args.runs:
        for r in rows(path, args.floor_share, args.min_precision):
            rates = ", ".join(f"{x:.2f}" for x in r["rates"]) or "—"
            low = "—" if r["lowest_precision"] is None else f"{r['lowest_precision']:.3f}" + (
                "" if r["precision_ok"] else " ✗")
            print(f"| {r['scope']} | {r['order']} | {r['seed']} | {r['hold_out']} | {r['first'] or '—'} | {rates} | "
                  f"{r['floor']:.3f} | {r['reached'] or '—'} | {low} |")


if __name__ == "__main__":
    main()
