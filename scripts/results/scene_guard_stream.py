#!/usr/bin/env python3
"""What the scene guard costs and gains on mixed streams (issue 18, point 4), with the real detectors.

For each task T of a bundle fitted by `moecl scene-fit` (guards off): `moecl classify --task T` scores T's own test
texts and every other task's test texts. Without the guard, the decisions are the thresholds' (as shipped); with
it, a text whose scene score is below T's fitted threshold goes to review instead. Reported per task:
  own texts      reject rate (share decided automatically) and precision of those decisions against the true
                 labels, without and with the guard: what the guard costs;
  other texts    share of the other tasks' texts T decides automatically, without and with the guard: decisions
                 about texts T was never meant for, whose "precision" has no ground truth;
  mixed stream   own test texts plus as many other tasks' texts (seeded sample): the share of T's automatic
                 decisions that are about its own texts, without and with the guard.

    python3 scripts/results/scene_guard_stream.py --experts /tmp/default-scene [--out docs/results/scene-guard-stream.md]
"""
import argparse, json, os, random, struct, subprocess, sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from scene_guard import machine  # noqa: E402


def load(path):
    with open(path, encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def scene_metadata(path):
    with open(path, "rb") as f:
        n = struct.unpack("<Q", f.read(8))[0]
        header = json.loads(f.read(n))
    meta = header.get("__metadata__", {})
    return json.loads(meta["scene"]) if "scene" in meta else None, meta.get("compliant_label")


def classify(binary, experts, task, texts):
    run = subprocess.run([binary, "classify", "--experts", experts, "--task", task],
                         input="\n".join(t.replace("\n", " ") for t in texts) + "\n",
                         capture_output=True, text=True, cwd=ROOT, check=True)
    rows = [json.loads(line) for line in run.stdout.splitlines() if line.strip()]
    assert len(rows) == len(texts)
    return rows


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--suite", default=os.path.join(ROOT, "..", "shared", "data", "moderation-en"))
    p.add_argument("--experts", required=True, help="a bundle fitted by moecl scene-fit (guards off)")
    p.add_argument("--binary", default=os.path.join(ROOT, ".build", "release", "moecl"))
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--out")
    a = p.parse_args()
    if not os.path.isdir(a.suite):
        sys.exit(f"scene_guard_stream: no suite at {a.suite} (it needs ../shared/data beside the project)")
    tasks = [t["name"] for t in json.load(open(os.path.join(a.suite, "tasks.json")))["tasks"]]
    test = {t: load(os.path.join(a.suite, t, "test.jsonl")) for t in tasks}
    lines = ["# Scene guard on mixed streams: cost on a task's own texts, decisions on other tasks' texts", "",
             f"Bundle `{a.experts}` (detectors by `moecl scene-fit`, thresholds letting 95 % of each task's own dev "
             "texts through); test splits of the suite. Reject rate: share decided automatically. Precision: "
             "share of those decisions right against the true labels. Mixed stream: the task's own test texts plus "
             "as many texts drawn from the other tasks' test splits.", "", f"Machine: {machine()}.", "",
             f"Command: `python3 scripts/results/scene_guard_stream.py --experts BUNDLE --seed {a.seed}`", "",
             "| task | threshold | own: reject rate without → with | own: precision without → with | "
             "others' texts decided without → with | mixed stream: own share of decisions without → with |",
             "|---|---:|---:|---:|---:|---:|"]
    for t in tasks:
        settings, compliant = scene_metadata(os.path.join(a.experts, "tasks", f"{t}.safetensors"))
        if settings is None:
            lines.append(f"| {t} | no detector | | | | |")
            continue
        tau = settings["threshold"]
        own = classify(a.binary, a.experts, t, [r["text"] for r in test[t]])
        others_texts = [r["text"] for u in tasks if u != t for r in test[u]]
        others = classify(a.binary, a.experts, t, others_texts)

        def decided(row, guard):
            automatic = row.get("decision") in ("white", "black", "auto")
            return automatic and not (guard and row["scene"] < tau)

        def right(row, truth):
            return row["label"] == truth

        res = {}
        for guard in (False, True):
            d = [(r, s["label"]) for r, s in zip(own, test[t]) if decided(r, guard)]
            res[guard] = {"rate": len(d) / len(own), "precision": sum(right(r, y) for r, y in d) / max(1, len(d)),
                          "others": sum(decided(r, guard) for r in others) / len(others)}
        picks = random.Random(a.seed).sample(range(len(others)), min(len(own), len(others)))
        for guard in (False, True):
            own_decided = sum(decided(r, guard) for r in own)
            foreign = sum(decided(others[i], guard) for i in picks)
            res[guard]["own_share"] = own_decided / max(1, own_decided + foreign)
        f = lambda k, fmt="{:.3f}": f"{fmt.format(res[False][k])} → {fmt.format(res[True][k])}"
        lines.append(f"| {t} | {tau:.3f} | {f('rate')} | {f('precision')} | {f('others')} | {f('own_share')} |")
        print(f"scene_guard_stream: {t} done", file=sys.stderr)
    text = "\n".join(lines) + "\n"
    if a.out:
        open(a.out, "w").write(text)
    print(text)


if __name__ == "__main__":
    main()
