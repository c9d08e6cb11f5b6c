#!/usr/bin/env python3
"""How well a text's scene can be told from the frozen base's embedding alone (issue 18, point 4).

Every task's expert answers any text, so a text from another scene (an insult sent to the clickbait task) gets a
confident, meaningless answer. This measures an out-of-scene score that needs no training: the cosine similarity
of a text's base embedding (`moecl embed --normalize`, mean pooling) to its task's scene profile, built from up
to --profile training texts of the task (a seeded sample). Two profiles:
  centroid  cosine to the normalised mean of the profile embeddings;
  knn       mean cosine to the K most similar profile texts (K = --k);
  classifier  with the bare base (--representation base): P(task | text) of a softmax regression over all tasks'
            profile embeddings (L2 --l2, L-BFGS), the discriminator's job without the adversarial game; with each
            task's own readout (--representation task): a logistic regression of the task's profile texts against
            the other tasks' profile texts, in that task's representation.
AUROC per task: the task's own texts (positive) against every other task's texts (negative), on dev (where the
profile is chosen) and on test (reported). Then the guard: a threshold per task at the --keep quantile of its own
dev texts' scores (so about 1 − keep of in-scene texts are sent to review), applied to test: the share of in-scene
test texts it sends to review and the share of out-of-scene test texts it catches.

    python3 scripts/results/scene_guard.py [--suite ../shared/data/moderation-en] [--out docs/results/scene-guard.md]
"""
import argparse, json, os, random, subprocess, sys

import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def load(path):
    with open(path, encoding="utf-8") as f:
        return [json.loads(line)["text"] for line in f if line.strip()]


def embed(binary, texts, task=None, experts=None):
    extra = ["--task", task, "--experts", experts] if task else []
    run = subprocess.run([binary, "embed", "--normalize", *extra], input="\n".join(t.replace("\n", " ") for t in texts) + "\n",
                         capture_output=True, text=True, cwd=ROOT, check=True)
    rows = [json.loads(line)["embedding"] for line in run.stdout.splitlines() if line.strip()]
    assert len(rows) == len(texts), f"embed returned {len(rows)} rows for {len(texts)} texts"
    return np.asarray(rows, dtype=np.float32)


def auroc(positive, negative):
    """P(score of a positive > score of a negative), ties half (Mann-Whitney U / (n_pos n_neg))."""
    scores = np.concatenate([positive, negative])
    order = scores.argsort(kind="mergesort")
    ranks = np.empty(len(scores))
    sorted_scores = scores[order]
    i = 0
    while i < len(scores):
        j = i
        while j + 1 < len(scores) and sorted_scores[j + 1] == sorted_scores[i]:
            j += 1
        ranks[order[i:j + 1]] = (i + j) / 2 + 1
        i = j + 1
    u = ranks[:len(positive)].sum() - len(positive) * (len(positive) + 1) / 2
    return u / (len(positive) * len(negative))


def scene_classifier(profiles, l2):
    """Softmax regression (weights and biases) over the tasks' profile embeddings, fitted by L-BFGS."""
    from scipy.optimize import minimize
    x = np.concatenate(profiles).astype(np.float64)
    y = np.concatenate([np.full(len(p), i) for i, p in enumerate(profiles)])
    n, d = x.shape
    c = len(profiles)
    onehot = np.eye(c)[y]
    def loss(w):
        W, b = w[:d * c].reshape(d, c), w[d * c:]
        z = x @ W + b
        z -= z.max(axis=1, keepdims=True)
        p = np.exp(z)
        p /= p.sum(axis=1, keepdims=True)
        value = -np.log(p[np.arange(n), y] + 1e-12).mean() + l2 * (W * W).sum() / 2
        g = (p - onehot) / n
        return value, np.concatenate([(x.T @ g + l2 * W).ravel(), g.sum(axis=0)])
    w = minimize(loss, np.zeros(d * c + c), jac=True, method="L-BFGS-B", options={"maxiter": 500}).x
    W, b = w[:d * c].reshape(d, c), w[d * c:]
    def probabilities(e):
        z = e.astype(np.float64) @ W + b
        z -= z.max(axis=1, keepdims=True)
        p = np.exp(z)
        return p / p.sum(axis=1, keepdims=True)
    return probabilities


def scorer(kind, profile, k):
    if kind == "centroid":
        c = profile.mean(axis=0)
        c /= np.linalg.norm(c)
        return lambda x: x @ c
    def knn(x):
        sims = x @ profile.T
        kk = min(k, profile.shape[0])
        return np.sort(sims, axis=1)[:, -kk:].mean(axis=1)
    return knn


def machine():
    """'AMD EPYC, 2 vCPUs, avx512f/…' from lscpu: every figure names the CPU it was measured on."""
    try:
        info = subprocess.run(["lscpu"], capture_output=True, text=True).stdout
    except OSError:
        return "unknown CPU"
    field = lambda name: next((l.split(":", 1)[1].strip() for l in info.splitlines() if l.startswith(name)), "?")
    flags = [f for f in field("Flags").split() if f.startswith("avx")]
    return f"{field('Model name')}, {os.cpu_count()} vCPUs, {'/'.join(flags) or 'no AVX'}"


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--suite", default=os.path.join(ROOT, "..", "shared", "data", "moderation-en"))
    p.add_argument("--binary", default=os.path.join(ROOT, ".build", "release", "moecl"))
    p.add_argument("--profile", type=int, default=1000, help="training texts per task for its profile")
    p.add_argument("--k", type=int, default=10)
    p.add_argument("--l2", type=float, default=1e-3, help="L2 weight of the scene classifier")
    p.add_argument("--keep", type=float, default=0.95, help="share of in-scene dev texts the guard lets through")
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--representation", choices=["base", "task"], default="base",
                   help="base: the bare base's embedding (one more forward at inference); task: each task's own "
                        "readout through its experts (the head's input, free at inference)")
    p.add_argument("--experts", default=os.path.join(ROOT, "experts", "default"), help="bundle for --representation task")
    p.add_argument("--out", help="write the Markdown here (else standard output)")
    a = p.parse_args()
    if not os.path.isdir(a.suite):
        sys.exit(f"scene_guard: no suite at {a.suite} (it needs ../shared/data beside the project)")
    tasks = [t["name"] for t in json.load(open(os.path.join(a.suite, "tasks.json")))["tasks"]]
    rng = random.Random(a.seed)
    texts = {}
    for t in tasks:
        train = load(os.path.join(a.suite, t, "train.jsonl"))
        rng.shuffle(train)
        texts[t] = {"profile": train[:a.profile], "dev": load(os.path.join(a.suite, t, "dev.jsonl")),
                    "test": load(os.path.join(a.suite, t, "test.jsonl"))}
    # emb[t][u][split]: task u's texts as task t sees them (the same vectors for every t with the bare base).
    emb = {}
    if a.representation == "base":
        plain = {u: {k: embed(a.binary, v) for k, v in texts[u].items()} for u in tasks}
        emb = {t: plain for t in tasks}
    else:
        for t in tasks:
            emb[t] = {u: {k: embed(a.binary, v, task=t, experts=a.experts) for k, v in texts[u].items()} for u in tasks}
            print(f"scene_guard: embedded every task's texts through {t}'s experts", file=sys.stderr)
    lines = ["# Scene guard: telling a task's own texts from other tasks' texts", "",
             f"Suite `{os.path.basename(os.path.normpath(a.suite))}`; profile: {a.profile} training texts per task "
             f"(seed {a.seed}); representation: " + ("the bare base's embedding (`moecl embed --normalize`)"
             if a.representation == "base" else f"each task's readout through its experts (`moecl embed --task T "
             f"--normalize`, bundle `{os.path.relpath(a.experts, ROOT)}`)") + ". AUROC: own texts against all other "
             f"tasks' texts of the same split. Guard threshold: the {1 - a.keep:.2f} quantile of the task's own dev "
             "scores.", "", f"Machine: {machine()}.", "",
             f"Command: `python3 scripts/results/scene_guard.py --representation {a.representation} --profile "
             f"{a.profile} --k {a.k} --keep {a.keep} --seed {a.seed}`", ""]
    summary = {}
    if a.representation == "base":
        softmax = scene_classifier([emb[tasks[0]][t]["profile"] for t in tasks], a.l2)
        classifiers = {t: (lambda e, i=i: softmax(e)[:, i]) for i, t in enumerate(tasks)}
    else:  # one against the rest, in each task's own representation
        classifiers = {}
        for t in tasks:
            fit = scene_classifier([emb[t][t]["profile"],
                                    np.concatenate([emb[t][u]["profile"] for u in tasks if u != t])], a.l2)
            classifiers[t] = lambda e, fit=fit: fit(e)[:, 0]
    for kind in ("centroid", "knn", "classifier"):
        rows = []
        for t in tasks:
            score = classifiers[t] if kind == "classifier" else scorer(kind, emb[t][t]["profile"], a.k)
            res = {}
            for split in ("dev", "test"):
                own = score(emb[t][t][split])
                other = np.concatenate([score(emb[t][u][split]) for u in tasks if u != t])
                res[split] = auroc(own, other)
            tau = np.quantile(score(emb[t][t]["dev"]), 1 - a.keep)
            own_test = score(emb[t][t]["test"])
            other_test = np.concatenate([score(emb[t][u]["test"]) for u in tasks if u != t])
            res["in_scene_to_review"] = float((own_test < tau).mean())
            res["out_of_scene_caught"] = float((other_test < tau).mean())
            rows.append((t, res))
        summary[kind] = rows
        lines += [f"## {kind}" + (f" (K = {a.k})" if kind == "knn" else f" (L2 {a.l2})" if kind == "classifier" else ""), "",
                  "| task | AUROC dev | AUROC test | in-scene test texts sent to review | out-of-scene test texts caught |",
                  "|---|---:|---:|---:|---:|"]
        for t, r in rows:
            lines.append(f"| {t} | {r['dev']:.3f} | {r['test']:.3f} | {100 * r['in_scene_to_review']:.1f} % | "
                         f"{100 * r['out_of_scene_caught']:.1f} % |")
        mean_dev = np.mean([r["dev"] for _, r in rows])
        lines += ["", f"Mean AUROC on dev: {mean_dev:.3f}.", ""]
    best = max(summary, key=lambda k: np.mean([r["dev"] for _, r in summary[k]]))
    lines += [f"Chosen on dev: **{best}** (highest mean dev AUROC).", ""]
    text = "\n".join(lines)
    if a.out:
        open(a.out, "w").write(text)
    print(text)


if __name__ == "__main__":
    main()
