#!/usr/bin/env python3
"""Self-evolution, simulated against the real `moecl serve` over HTTP (issue 16).

A task is created from nothing (POST /v1/tasks). Each round streams TEXTS texts of a labelled JSONL (a task's
train split, shuffled with SEED) as traffic; then reviewers claim up to CAPACITY items of the task and answer each
with its true label; evolution runs start by themselves every EVOLVE_EVERY verdicts (the server's own trigger),
and the round waits for a run in progress to finish. After each round it reports, against the true labels: the
reject rate (share of the round's texts decided automatically), the precision of those automatic decisions, the
open review queue, the verdicts so far, and the expert version that served the round. It stops at MAX_VERDICTS.

For comparison the shipped, fully trained expert of the same task scores the same stream (its thresholds as
shipped). It was trained on these very texts (the train split), which favours it.

Writes OUT.json (every round of every run), OUT.md (tables) and OUT.svg (reject rate against verdicts).

    python3 scripts/simulate/simulate.py --task youtube-spam [--orders informative,oldest] [--out docs/results/simulate-youtube-spam]
"""
import argparse, json, os, random, re, subprocess, sys, tempfile, threading, time, urllib.error, urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
TOKEN = "sim-admin-token-0123456789"


class Server:
    def __init__(self, binary, args):
        self.state = tempfile.mkdtemp(prefix="moecl-sim-")
        cmd = [binary, "serve", "--port", "0", "--state", self.state, "--token", f"admin:{TOKEN}", *args]
        self.process = subprocess.Popen(cmd, cwd=ROOT, stderr=subprocess.PIPE, text=True)
        self.log = []
        for line in self.process.stderr:
            self.log.append(line)
            m = re.search(r"listening on http://[\d.]+:(\d+)", line)
            if m:
                self.port = int(m.group(1))
                break
        else:
            sys.exit("simulate: the server did not start:\n" + "".join(self.log[-20:]))
        threading.Thread(target=lambda: [self.log.append(l) for l in self.process.stderr], daemon=True).start()
        for _ in range(300):
            try:
                self.call("GET", "/readyz")
                return
            except Exception:
                time.sleep(0.1)
        sys.exit("simulate: the server never became ready")

    def call(self, method, path, body=None, timeout=120):
        data = None if body is None else json.dumps(body).encode()
        req = urllib.request.Request(f"http://127.0.0.1:{self.port}{path}", data=data, method=method,
                                     headers={"Authorization": f"Bearer {TOKEN}", "Content-Type": "application/json"})
        try:
            with urllib.request.urlopen(req, timeout=timeout) as r:
                return json.loads(r.read() or b"{}")
        except urllib.error.HTTPError as e:
            raise RuntimeError(f"{method} {path}: {e.code} {e.read()[:300]!r}") from None

    def stop(self):
        self.process.terminate()
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
        # A run the last verdicts started trains on in its own process; nothing waits for it any more.
        for entry in os.listdir("/proc"):
            try:
                words = open(f"/proc/{entry}/cmdline", "rb").read().split(b"\0") if entry.isdigit() else []
            except OSError:
                continue
            if b"evolve" in words and b"--state" in words and words[words.index(b"--state") + 1] == self.state.encode():
                try:
                    os.kill(int(entry), 9)
                except OSError:
                    pass


def load(path):
    with open(path, encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def score(server, task, texts):
    """Decisions of `task` for `texts` (requests of 32): (decision, version) per text."""
    out = []
    for i in range(0, len(texts), 32):
        body = server.call("POST", "/v1/classify", {"task": task, "texts": texts[i:i + 32]})
        out += [(r["decision"], r["expert"]["version"]) for r in body["results"]]
    return out


def measure(decisions, labels, compliant):
    automatic = [(d, y) for (d, _), y in zip(decisions, labels) if d in ("white", "black")]
    correct = sum(1 for d, y in automatic if (d == "white") == (y == compliant))
    return {"texts": len(decisions), "automatic": len(automatic), "correct": correct,
            "reject_rate": len(automatic) / max(1, len(decisions)),
            "precision": correct / len(automatic) if automatic else None}


def wait_for_runs(server, task, verdicts, limit=1800):
    """Returns at the end of a round once no run is training. Runs start by themselves, but from a queue that checks
    after each verdict, a moment later: a run due at the round's last verdict may not have begun when the round
    ends. So when one is due (every `every` verdicts since the last run's, none active) and has not begun within a
    few seconds, the round starts it on demand (POST evolve; 409 when it began meanwhile). Each run then begins at
    a round's end, on that round's verdicts, run after run alike (else a run begun mid-round trains on part of
    it, and which part depends on timing)."""
    deadline = time.time() + limit
    waited_due = 0.0
    time.sleep(0.3)  # let the verdict checks queued by the last verdicts run
    while time.time() < deadline:
        body = server.call("GET", f"/v1/tasks/{task}/evolution")
        status = body.get("current", {}).get("status")
        if status == "shadow":
            return body  # it waits for fresh audit verdicts, which only later rounds bring
        if status is None:
            policy, runs = body["policy"], body["runs"]
            last = runs[0]["verdicts"] if runs else 0
            due = policy["auto"] and verdicts >= policy["min_verdicts"] and verdicts - last >= policy["every"]
            if not due:
                return body
            if waited_due >= 3:
                try:
                    server.call("POST", f"/v1/tasks/{task}/evolve", {})
                except RuntimeError as e:
                    if ": 409 " not in str(e):
                        raise
                waited_due = 0.0
            waited_due += 0.5
            time.sleep(0.5)
            continue
        time.sleep(1)
    raise RuntimeError(f"an evolution run of {task} did not finish in {limit} s")


def simulate(args, order, stream, compliant, labels):
    server = Server(args.binary, ["--sample-rate", str(args.sample_rate), "--evolve-every", str(args.evolve_every),
                                  "--claim-order", order, "--audit-rate", "0", "--train-threads",
                                  str(args.train_threads), "--sample-seed", str(args.sample_seed)])
    task = "sim-" + args.task
    rows = []
    try:
        server.call("POST", "/v1/tasks", {"task": task, "labels": labels, "compliant_label": compliant,
                                          "target_precision": args.target})
        policy = {}
        if args.precision_scope:
            policy["precision_scope"] = args.precision_scope
        if args.hold_out is not None:
            policy["hold_out"] = args.hold_out
        if policy:
            server.call("PUT", f"/v1/tasks/{task}/evolution", policy)
        truth = {}
        for s in stream:
            truth.setdefault(s["text"], s["label"])
        verdicts, cursor, rnd = 0, 0, 0
        while cursor < len(stream) and verdicts < args.max_verdicts:
            rnd += 1
            chunk = stream[cursor:cursor + args.texts]
            cursor += len(chunk)
            decisions = score(server, task, [s["text"] for s in chunk])
            versions = sorted({v for _, v in decisions})
            row = {"round": rnd, "order": order, "verdicts_before": verdicts,
                   "version": "–".join(str(v) for v in (versions[:1] + versions[-1:] if len(versions) > 1 else versions)),
                   **measure(decisions, [s["label"] for s in chunk], compliant)}
            answered = 0
            while answered < args.capacity and verdicts < args.max_verdicts:
                limit = min(100, args.capacity - answered, args.max_verdicts - verdicts)
                items = server.call("POST", "/v1/review/claim", {"task": task, "limit": limit})["items"]
                if not items:
                    break
                for item in items:
                    server.call("POST", f"/v1/review/{item['id']}/verdict", {"label": truth[item["text"]]})
                    answered += 1
                    verdicts += 1
            evolution = wait_for_runs(server, task, verdicts)
            queues = server.call("GET", "/v1/review/stats")["queues"]
            row["open_queue"] = sum(q["open"] + q["leased"] for q in queues if q["task"] == task)
            row["verdicts"] = verdicts
            row["runs"] = len(evolution["runs"])
            row["promoted"] = sum(1 for r in evolution["runs"] if r["status"] == "promoted")
            rows.append(row)
            p = "—" if row["precision"] is None else f"{row['precision']:.3f}"
            print(f"[{order}] round {rnd}: v{row['version']} reject rate {row['reject_rate']:.3f} precision {p} "
                  f"verdicts {verdicts} queue {row['open_queue']} runs {row['runs']} promoted {row['promoted']}",
                  flush=True)
        runs = server.call("GET", f"/v1/tasks/{task}/evolution")["runs"]
        shipped = None
        if args.task in [t["task"] for t in server.call("GET", "/v1/experts")["tasks"]]:
            texts = [s["text"] for s in stream[:cursor]]
            shipped = measure(score(server, args.task, texts), [s["label"] for s in stream[:cursor]], compliant)
        return rows, runs, shipped
    finally:
        server.stop()


def svg(results, path, title):
    w, h, m = 640, 360, 50
    series = [(order, [(r["verdicts_before"], r["reject_rate"]) for r in rows]) for order, (rows, _, _) in results.items()]
    xmax = max([x for _, pts in series for x, _ in pts] + [1])
    colors = {"informative": "#1f77b4", "oldest": "#d62728"}
    X = lambda x: m + (w - 2 * m) * x / xmax
    Y = lambda y: h - m - (h - 2 * m) * y
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{w}" height="{h}" font-family="sans-serif" font-size="12">',
             f'<text x="{w / 2}" y="20" text-anchor="middle">{title}</text>',
             f'<line x1="{m}" y1="{h - m}" x2="{w - m}" y2="{h - m}" stroke="black"/>',
             f'<line x1="{m}" y1="{m}" x2="{m}" y2="{h - m}" stroke="black"/>',
             f'<text x="{w / 2}" y="{h - 8}" text-anchor="middle">verdicts before the round</text>',
             f'<text x="14" y="{h / 2}" transform="rotate(-90 14 {h / 2})" text-anchor="middle">reject rate</text>']
    for y in (0, 0.25, 0.5, 0.75, 1):
        parts.append(f'<text x="{m - 6}" y="{Y(y) + 4}" text-anchor="end">{y:.2f}</text>')
    for k in range(5):
        x = xmax * k / 4
        parts.append(f'<text x="{X(x):.1f}" y="{h - m + 16}" text-anchor="middle">{x:.0f}</text>')
    shipped = next((s for _, (_, _, s) in results.items() if s), None)
    if shipped:
        parts.append(f'<line x1="{m}" y1="{Y(shipped["reject_rate"])}" x2="{w - m}" y2="{Y(shipped["reject_rate"])}" '
                     f'stroke="gray" stroke-dasharray="4 3"/><text x="{w - m}" y="{Y(shipped["reject_rate"]) - 4}" '
                     f'text-anchor="end" fill="gray">shipped expert</text>')
    for k, (order, pts) in enumerate(series):
        c = colors.get(order, "black")
        parts.append('<polyline fill="none" stroke="%s" stroke-width="2" points="%s"/>'
                     % (c, " ".join(f"{X(x):.1f},{Y(y):.1f}" for x, y in pts)))
        parts.append(f'<text x="{w - m - 10}" y="{h - m - 60 + 16 * k}" text-anchor="end" fill="{c}">{order}-first claims</text>')
    parts.append("</svg>")
    with open(path, "w") as f:
        f.write("\n".join(parts) + "\n")


def report(results, settings, out, command):
    """OUT.md (a table per claim order) and OUT.svg (reject rate against verdicts)."""
    lines = [f"# Simulation: {settings['task']} from nothing", "", f"`{command}`", ""]
    for order, (rows, runs, shipped) in results.items():
        lines += [f"## {order}-first claims", "",
                  "| round | verdicts before | versions served | reject rate | precision | open queue |",
                  "|---:|---:|---:|---:|---:|---:|"]
        for r in rows:
            p = "—" if r["precision"] is None else f"{r['precision']:.3f}"
            lines.append(f"| {r['round']} | {r['verdicts_before']} | {r['version']} | {r['reject_rate']:.3f} | {p} | "
                         f"{r['open_queue']} |")
        if shipped:
            p = "—" if shipped["precision"] is None else f"{shipped['precision']:.3f}"
            lines += ["", f"Shipped expert on the same {shipped['texts']} texts: reject rate "
                          f"{shipped['reject_rate']:.3f}, precision {p}."]
        lines += ["", "Runs: " + "; ".join(f"{r['id']} {r['status']} (v{r.get('candidate_version', '?')}, "
                                          f"{r['verdicts']} verdicts)" for r in reversed(runs)), ""]
    with open(out + ".md", "w") as f:
        f.write("\n".join(lines))
    svg(results, out + ".svg",
        f"{settings['task']}: reject rate at target precision {settings['target']} from a cold start")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--task", required=True)
    ap.add_argument("--suite", default="moderation-en")
    ap.add_argument("--data", default=os.path.join(ROOT, "..", "shared", "data"))
    ap.add_argument("--binary", default=os.path.join(ROOT, ".build/release/moecl"))
    ap.add_argument("--orders", default="informative,oldest")
    ap.add_argument("--texts", type=int, default=100, help="texts per round")
    ap.add_argument("--capacity", type=int, default=60, help="verdicts per round")
    ap.add_argument("--max-verdicts", type=int, default=2000)
    ap.add_argument("--sample-rate", type=float, default=0.2)
    ap.add_argument("--evolve-every", type=int, default=120)
    ap.add_argument("--train-threads", type=int, default=1)
    ap.add_argument("--target", type=float, default=0.9)
    ap.add_argument("--seed", type=int, default=1, help="seed of the stream's shuffle")
    ap.add_argument("--sample-seed", type=int, default=1, help="the server's --sample-seed (which texts are sampled)")
    ap.add_argument("--hold-out", type=float, default=None,
                    help="the task's evolution policy hold_out: share of sampled verdicts kept for calibration")
    ap.add_argument("--precision-scope", choices=["label", "decisions"], default=None,
                    help="the task's evolution policy precision_scope (default: the server's policy default)")
    ap.add_argument("--out", default=None)
    ap.add_argument("--replot", default=None, help="rewrite OUT.md and OUT.svg from this OUT.json, running nothing")
    args = ap.parse_args()
    if args.replot:
        saved = json.load(open(args.replot))
        out = args.replot[:-len(".json")]
        results = {o: (r["rounds"], r["runs"], r["shipped"]) for o, r in saved["results"].items()}
        report(results, saved["settings"], out, saved.get("command", ""))
        return
    folder = os.path.join(args.data, args.suite, args.task)
    if not os.path.isdir(folder):
        sys.exit(f"simulate: no data at {folder} (give --data DIR)")
    tasks = json.load(open(os.path.join(args.data, args.suite, "tasks.json")))["tasks"]
    labels = next(t["labels"] for t in tasks if t["name"] == args.task)
    compliant = "compliant" if "compliant" in labels else labels[0]
    stream = load(os.path.join(folder, "train.jsonl"))
    random.Random(args.seed).shuffle(stream)
    out = args.out or os.path.join(ROOT, "docs", "results", f"simulate-{args.task}")
    results = {}
    for order in args.orders.split(","):
        results[order] = simulate(args, order, stream, compliant, labels)
    os.makedirs(os.path.dirname(out), exist_ok=True)
    command = "python3 scripts/simulate/simulate.py " + " ".join(sys.argv[1:])
    with open(out + ".json", "w") as f:
        json.dump({"settings": vars(args), "command": command,
                   "results": {o: {"rounds": r, "runs": runs, "shipped": s} for o, (r, runs, s) in results.items()}},
                  f, indent=1)
    report(results, vars(args), out, command)
    print(f"simulate: wrote {out}.json, .md and .svg")


if __name__ == "__main__":
    main()
