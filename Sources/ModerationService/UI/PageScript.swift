// The script helpers both pages share: element lookup, text-only element creation, and API calls that carry the
// token the user entered and turn error bodies into exceptions.

/// Inlined into each page's script (the pages load nothing from elsewhere).
enum PageScript {
    static let helpers = """
        const $ = (s) => document.querySelector(s);
        function el(tag, text, cls) { const e = document.createElement(tag); if (text !== undefined) e.textContent = text; if (cls) e.className = cls; return e; }
        async function api(method, path, body) {
          const token = $("#token").value.trim();
          const headers = {"Content-Type": "application/json"};
          if (token) headers.Authorization = "Bearer " + token;
          const r = await fetch(path, {method, headers, body: body === undefined ? undefined : JSON.stringify(body)});
          const j = await r.json().catch(() => ({}));
          if (!r.ok) { const e = new Error((j.error && j.error.message) || ("HTTP " + r.status)); e.status = r.status; throw e; }
          return j;
        }
        """
}
