// GET /ui/review: the reviewer page, one self-contained page over the review API: claim an item, see its text
// (the words that drove the score highlighted: POST /v1/review/{id}/explain), answer with one key per label.

/// The reviewer page's HTML.
enum ReviewPage {
    static let html = """
        <!doctype html>
        <html lang="en"><head><meta charset="utf-8"><title>moecl · review</title>
        <meta name="viewport" content="width=device-width, initial-scale=1">
        <style>
        body{font:15px system-ui,sans-serif;margin:0;color:#1d2430;background:#f6f7f9}
        header{background:#1d2430;color:#fff;padding:10px 16px;display:flex;gap:12px;align-items:center}
        header a{color:#9cc3ff} main{padding:16px;max-width:900px} input,select,button{font:inherit;padding:4px 8px}
        #text{background:#fff;border:1px solid #d5d9df;padding:16px;font-size:18px;line-height:1.6;white-space:pre-wrap;min-height:3em}
        .up{background:rgba(221,59,59,var(--w))} .down{background:rgba(59,125,221,var(--w))}
        .muted{color:#68707c} #error{color:#b00020} kbd{border:1px solid #aaa;border-radius:3px;padding:0 4px}
        #labels button{margin-right:8px}
        </style></head>
        <body>
        <header><strong>moecl</strong><span>review</span><a href="/ui">dashboard</a><span style="flex:1"></span>
        <label>token <input id="token" type="password" size="24" autocomplete="off"></label></header>
        <main>
        <p><label>task <select id="task"><option value="">any task</option></select></label>
        <label>order <select id="order"><option value="">server default</option><option>informative</option><option>oldest</option></select></label>
        <button id="claim">Claim next (<kbd>n</kbd>)</button> <span id="mine" class="muted">0 answered this session</span></p>
        <p id="error"></p>
        <section id="item" hidden>
        <p class="muted"><span id="meta"></span> · lease <span id="lease"></span></p>
        <div id="text"></div>
        <p class="muted">highlights: <span class="up" style="--w:.5">red</span> words raise the model's label,
        <span class="down" style="--w:.5">blue</span> ones lower it (hover for how much)</p>
        <p id="model" class="muted"></p>
        <p id="labels"></p>
        <p class="muted">keys: <kbd>1</kbd>…<kbd>9</kbd> answer · <kbd>s</kbd> skip · <kbd>n</kbd> next</p>
        </section>
        <p id="empty" class="muted" hidden>Nothing to review right now.</p>
        </main>
        <script>
        "use strict";
        \(PageScript.helpers)
        let item = null, answered = 0, timer = null;
        $("#token").value = sessionStorage.getItem("moecl-token") || "";
        $("#token").addEventListener("change", () => sessionStorage.setItem("moecl-token", $("#token").value.trim()));
        function showText(text, spans) {
          const box = $("#text"); box.textContent = "";
          const chars = Array.from(text); let at = 0;
          const top = Math.max(1e-6, ...spans.map((s) => Math.abs(s.attribution)));
          spans.forEach((s) => {
            if (s.start > at) box.appendChild(document.createTextNode(chars.slice(at, s.start).join("")));
            const mark = el("span", chars.slice(s.start, s.end).join(""), s.attribution >= 0 ? "up" : "down");
            mark.style.setProperty("--w", (0.6 * Math.abs(s.attribution) / top).toFixed(3));
            mark.title = "without it: " + (s.attribution >= 0 ? "−" : "+") + Math.abs(100 * s.attribution).toFixed(1) + " points";
            box.appendChild(mark); at = s.end;
          });
          if (at < chars.length) box.appendChild(document.createTextNode(chars.slice(at).join("")));
        }
        function tick() {
          if (!item) return;
          const left = Math.max(0, Math.round(item.lease_expires_at - Date.now() / 1000));
          $("#lease").textContent = left + " s left";
        }
        async function claim() {
          $("#error").textContent = "";
          sessionStorage.setItem("moecl-token", $("#token").value.trim());
          const body = {limit: 1};
          if ($("#task").value) body.task = $("#task").value;
          if ($("#order").value) body.order = $("#order").value;
          try {
            const got = await api("POST", "/v1/review/claim", body);
            item = (got.items || [])[0] || null;
          } catch (e) { $("#error").textContent = e.message; return; }
          $("#item").hidden = !item; $("#empty").hidden = !!item;
          if (!item) return;
          $("#meta").textContent = item.task + " · item " + item.id + " · " + item.kind + " · expert v" + item.expert_version;
          showText(item.text, []);
          const scores = item.labels.map((l, i) => l + " " + (100 * item.scores[i]).toFixed(1) + " %").join(", ");
          $("#model").textContent = "model: " + scores + " → " + item.decision + " (" + item.label + ")";
          const labels = $("#labels"); labels.textContent = "";
          item.labels.forEach((l, i) => {
            const b = el("button", (i + 1) + " · " + l); b.dataset.label = l;
            b.addEventListener("click", () => answer(l)); labels.appendChild(b);
          });
          clearInterval(timer); timer = setInterval(tick, 1000); tick();
          try {
            const claimed = item.id;
            const ex = await api("POST", "/v1/review/" + claimed + "/explain");
            if (item && item.id === claimed) showText(item.text, ex.explanation.spans);
          } catch (e) { $("#error").textContent = "no highlights: " + e.message; }
        }
        async function answer(label) {
          if (!item) return;
          try {
            await api("POST", "/v1/review/" + item.id + "/verdict", {label});
            answered += 1; $("#mine").textContent = answered + " answered this session";
            item = null; $("#item").hidden = true;
            await claim();
          } catch (e) { $("#error").textContent = e.message; }
        }
        document.addEventListener("keydown", (e) => {
          if (e.target.tagName === "INPUT" || e.target.tagName === "SELECT") return;
          if (e.key === "n" || e.key === "s") { e.preventDefault(); claim(); return; }
          const k = parseInt(e.key, 10);
          if (item && k >= 1 && k <= item.labels.length) { e.preventDefault(); answer(item.labels[k - 1]); }
        });
        $("#claim").addEventListener("click", claim);
        api("GET", "/v1/experts").then((x) => x.tasks.forEach((t) => $("#task").appendChild(el("option", t.task)))).catch(() => {});
        </script></body></html>
        """
}
