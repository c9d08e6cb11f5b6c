// GET /ui: the operator dashboard, one self-contained page (no CDN, no fonts, no external requests) that reads
// the JSON API with the operator's token. Dynamic values are inserted as text, never as markup.

/// The dashboard's HTML.
enum DashboardPage {
    static let html = """
        <!doctype html>
        <html lang="en"><head><meta charset="utf-8"><title>moecl · dashboard</title>
        <meta name="viewport" content="width=device-width, initial-scale=1">
        <style>
        body{font:14px system-ui,sans-serif;margin:0;color:#1d2430;background:#f6f7f9}
        header{background:#1d2430;color:#fff;padding:10px 16px;display:flex;gap:12px;align-items:center}
        header a{color:#9cc3ff} main{padding:16px} input,select,button{font:inherit;padding:4px 8px}
        table{border-collapse:collapse;width:100%;background:#fff} th,td{border-bottom:1px solid #e3e6ea;padding:6px;text-align:left;vertical-align:top}
        th{background:#eef1f4} .bad{color:#b00020;font-weight:600} .ok{color:#0a7a32} .muted{color:#68707c}
        #error{color:#b00020} details{margin-top:4px} button{cursor:pointer}
        </style></head>
        <body>
        <header><strong>moecl</strong><span>operator dashboard</span><a href="/ui/review">reviewer page</a>
        <span style="flex:1"></span><label>token <input id="token" type="password" size="24" autocomplete="off"></label>
        <button id="load">Load</button></header>
        <main>
        <p><label>search <input id="search" placeholder="task name"></label>
        <button id="prev">‹</button> <span id="page"></span> <button id="next">›</button>
        <span class="muted" id="summary"></span></p>
        <p id="error"></p>
        <table><thead><tr><th>task</th><th>version</th><th>reject rate 5m · 1h · 24h</th><th>white / black / review (24h)</th>
        <th>review queue</th><th>audit precision</th><th>actions</th></tr></thead><tbody id="rows"></tbody></table>
        </main>
        <script>
        "use strict";
        \(PageScript.helpers)
        const pageSize = 25;
        let rows = [], page = 0;
        $("#token").value = sessionStorage.getItem("moecl-token") || "";
        function pct(x) { return x === undefined || x === null ? "—" : (100 * x).toFixed(1) + " %"; }
        function bars(windows) {
          const ns = "http://www.w3.org/2000/svg", svg = document.createElementNS(ns, "svg");
          svg.setAttribute("width", "96"); svg.setAttribute("height", "24"); svg.setAttribute("role", "img");
          windows.forEach((w, i) => {
            const r = document.createElementNS(ns, "rect"), h = Math.round(22 * (w ? w.reject_rate : 0));
            r.setAttribute("x", 4 + i * 32); r.setAttribute("y", 23 - h); r.setAttribute("width", 24); r.setAttribute("height", Math.max(h, 1));
            r.setAttribute("fill", w ? "#3b7ddd" : "#cfd5dc"); svg.appendChild(r);
          });
          return svg;
        }
        async function act(label, method, path, body) {
          if (!confirm(label + "?")) return;
          try { await api(method, path, body); await load(); } catch (e) { $("#error").textContent = label + ": " + e.message; }
        }
        async function showRuns(task, box) {
          box.textContent = "loading…";
          try {
            const ev = await api("GET", "/v1/tasks/" + encodeURIComponent(task) + "/evolution");
            box.textContent = "";
            box.appendChild(el("div", "auto-evolution " + (ev.policy && ev.policy.auto ? "on" : "off") + ", every " + (ev.policy ? ev.policy.every : "?") + " verdicts"));
            (ev.runs || []).slice(0, 10).forEach((run) => {
              box.appendChild(el("div", "run " + run.id + ": " + run.status + " (" + run.mode + ", " + run.verdicts + " verdicts) — " + (run.reasons || []).join("; ")));
            });
            if (!(ev.runs || []).length) box.appendChild(el("div", "no evolution runs yet", "muted"));
          } catch (e) { box.textContent = e.message; }
        }
        function render() {
          const q = $("#search").value.trim().toLowerCase();
          const shown = rows.filter((r) => r.task.toLowerCase().includes(q));
          const pages = Math.max(1, Math.ceil(shown.length / pageSize));
          page = Math.min(page, pages - 1);
          $("#page").textContent = "page " + (page + 1) + " of " + pages;
          $("#summary").textContent = shown.length + " of " + rows.length + " tasks";
          const body = $("#rows"); body.textContent = "";
          shown.slice(page * pageSize, (page + 1) * pageSize).forEach((r) => {
            const tr = el("tr"); tr.dataset.task = r.task;
            const name = el("td"); name.appendChild(el("strong", r.task));
            const details = el("details"), runs = el("div", "", "muted");
            details.appendChild(el("summary", "evolution runs")); details.appendChild(runs);
            details.addEventListener("toggle", () => { if (details.open) showRuns(r.task, runs); });
            name.appendChild(details); tr.appendChild(name);
            tr.appendChild(el("td", String(r.version)));
            const rate = el("td", "", "rate"); rate.appendChild(bars(r.windows));
            rate.appendChild(el("div", r.windows.map((w) => pct(w && w.reject_rate)).join(" · "))); tr.appendChild(rate);
            const day = r.windows[2] || {white: 0, black: 0, review: 0};
            tr.appendChild(el("td", day.white + " / " + day.black + " / " + day.review));
            tr.appendChild(el("td", r.open + " open, " + r.leased + " leased"));
            const a = r.alarm; const prec = el("td", a && a.precision !== null && a.precision !== undefined
              ? pct(a.precision) + " [" + pct(a.lower) + ", " + pct(a.upper) + "] of " + a.audited : "no audits yet", a && a.alarm ? "bad" : "");
            if (a && a.alarm) prec.appendChild(el("div", "ALARM: below target " + pct(a.target), "bad"));
            tr.appendChild(prec);
            const actions = el("td");
            const mk = (label, f) => { const b = el("button", label); b.addEventListener("click", f); actions.appendChild(b); actions.appendChild(document.createTextNode(" ")); };
            const path = encodeURIComponent(r.task);
            mk("roll back", () => act("Roll back " + r.task, "POST", "/v1/experts/" + path + "/rollback"));
            mk("evolve", () => act("Start an evolution run of " + r.task, "POST", "/v1/tasks/" + path + "/evolve", {}));
            mk("pause auto", () => act("Pause auto-evolution of " + r.task, "PUT", "/v1/tasks/" + path + "/evolution", {auto: false}));
            tr.appendChild(actions);
            body.appendChild(tr);
          });
        }
        async function load() {
          sessionStorage.setItem("moecl-token", $("#token").value.trim());
          $("#error").textContent = "";
          try {
            const [experts, stats] = await Promise.all([api("GET", "/v1/experts"), api("GET", "/v1/stats")]);
            const queues = {};
            (stats.review || []).forEach((q) => { const t = queues[q.task] || (queues[q.task] = {open: 0, leased: 0}); t.open += q.open; t.leased += q.leased; });
            rows = experts.tasks.map((t) => ({
              task: t.task, version: t.version,
              windows: ["5m", "1h", "24h"].map((w) => (stats.windows[w] || {})[t.task]),
              open: (queues[t.task] || {}).open || 0, leased: (queues[t.task] || {}).leased || 0,
              alarm: (stats.precision_alarm || {})[t.task],
            }));
            render();
          } catch (e) { $("#error").textContent = e.message; }
        }
        $("#load").addEventListener("click", load);
        $("#search").addEventListener("input", () => { page = 0; render(); });
        $("#prev").addEventListener("click", () => { page = Math.max(0, page - 1); render(); });
        $("#next").addEventListener("click", () => { page += 1; render(); });
        load();
        </script></body></html>
        """
}
