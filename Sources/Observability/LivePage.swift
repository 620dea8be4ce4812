/// The live page served at `/`: one self-contained HTML document (styles and script inline,
/// nothing loaded from anywhere else, so it works on a LAN without internet) that opens
/// `/events` with `EventSource` and redraws from each JSON snapshot (``LiveSnapshot``).
/// `EventSource` reconnects by itself after a restart of the daemon.
///
/// Every member row carries `data-member` (its id) and `data-state`, so a test (or a person
/// with the inspector) can read the page's state without parsing text.
public enum LivePage {
    public static let contentType = "text/html; charset=utf-8"

    public static let html = #"""
        <!doctype html>
        <html lang="en">
        <head>
        <meta charset="utf-8">
        <meta name="viewport" content="width=device-width, initial-scale=1">
        <title>Coalition</title>
        <style>
        :root { color-scheme: light dark; --ok: #2e7d32; --warn: #b26a00; --bad: #c62828; --dim: #888; }
        body { font: 14px/1.4 system-ui, sans-serif; margin: 1.2em; }
        h1 { font-size: 1.3em; margin: 0 0 .2em; }
        h2 { font-size: 1.05em; margin: 1.4em 0 .4em; }
        table { border-collapse: collapse; min-width: 40em; }
        th, td { text-align: left; padding: .25em .8em .25em 0; border-bottom: 1px solid #8884; vertical-align: top; }
        th { font-weight: 600; }
        td.num { text-align: right; font-variant-numeric: tabular-nums; }
        .state { font-weight: 600; }
        .alive, .serving, .self { color: var(--ok); }
        .suspect, .forming, .rebuilding { color: var(--warn); }
        .dead, .unserved { color: var(--bad); }
        .left, .released, .dim { color: var(--dim); }
        #connection { font-size: .9em; }
        #connection.down { color: var(--bad); }
        ul#events { list-style: none; padding: 0; margin: 0; font-size: .95em; }
        ul#events li { padding: .1em 0; }
        code { font-size: .95em; }
        </style>
        </head>
        <body>
        <h1>Coalition: <span id="node">…</span></h1>
        <div id="connection" class="down">connecting…</div>
        <h2>Members</h2>
        <table id="members"><thead><tr><th>name</th><th>id</th><th>address</th><th>state</th>
        <th>spare CPU (cores)</th><th>spare memory (MiB)</th><th>last heard</th></tr></thead><tbody></tbody></table>
        <h2>Services requested here</h2>
        <table id="services"><thead><tr><th>service</th><th>phase</th><th>level</th><th>members (share)</th>
        <th>progress</th></tr></thead><tbody></tbody></table>
        <h2>Reservations held here</h2>
        <table id="reservations"><thead><tr><th>service</th><th>requester</th><th>level</th><th>share</th>
        <th>CPU (cores)</th><th>memory (MiB)</th></tr></thead><tbody></tbody></table>
        <h2>Recent events</h2>
        <ul id="events"></ul>
        <script>
        "use strict";
        const el = (tag, text, cls) => { const e = document.createElement(tag); if (text !== undefined && text !== null) e.textContent = String(text); if (cls) e.className = cls; return e; };
        const num = (v, digits) => (v === null || v === undefined) ? "–" : Number(v).toFixed(digits);
        const ago = ms => (ms === null || ms === undefined) ? "–" : (ms < 1000 ? ms + " ms ago" : (ms / 1000).toFixed(1) + " s ago");
        const time = ms => new Date(ms).toLocaleTimeString();
        function row(cells) { const tr = document.createElement("tr"); for (const c of cells) tr.appendChild(c); return tr; }
        function fill(id, rows, empty, columns) {
          const body = document.querySelector("#" + id + " tbody");
          body.replaceChildren(...rows);
          if (rows.length === 0) { const td = el("td", empty, "dim"); td.colSpan = columns; body.appendChild(row([td])); }
        }
        function render(s) {
          document.getElementById("node").textContent = s.node.name + " (" + s.node.id + ")";
          document.title = "Coalition: " + s.node.name;
          fill("members", s.members.map(m => {
            const tr = row([el("td", m.name || "?"), el("td", m.id), el("td", m.address || "this node"),
              el("td", m.state, "state " + m.state), el("td", num(m.spareCores, 2), "num"),
              el("td", m.spareMemoryMiB === null || m.spareMemoryMiB === undefined ? "–" : m.spareMemoryMiB, "num"),
              el("td", m.state === "self" ? "–" : ago(m.lastHeardMs), "num")]);
            tr.dataset.member = m.id; tr.dataset.state = m.state; return tr;
          }), "no members", 7);
          fill("services", s.services.map(v => {
            const p = v.progress;
            const progress = p ? `${p.unitsDone}/${p.unitsCut} units, ${p.unitsInFlight} in flight, ${p.unitsRedispatched} re-sent; frames ${p.framesOnTime} on time, ${p.framesLate} late, ${p.framesLost} lost (${p.elapsedSeconds.toFixed(0)} s)` : (v.reason || "");
            const tr = row([el("td", v.id), el("td", v.phase, "state " + v.phase), el("td", v.level),
              el("td", v.members.map(m => m.peer + " (" + m.share.toFixed(2) + ")").join(", ") || "–"), el("td", progress)]);
            tr.dataset.service = v.id; tr.dataset.phase = v.phase; return tr;
          }), "none", 5);
          fill("reservations", s.reservations.map(r => row([el("td", r.service), el("td", r.requester), el("td", r.level),
            el("td", r.share.toFixed(2), "num"), el("td", r.cpuCores.toFixed(2), "num"), el("td", r.memoryMiB, "num")])), "none", 6);
          const events = document.getElementById("events");
          events.replaceChildren(...s.events.map(e => { const li = el("li"); li.appendChild(el("code", time(e.atMillis) + " ")); li.appendChild(el("span", e.message, e.kind)); li.dataset.kind = e.kind; return li; }));
          if (s.events.length === 0) events.appendChild(el("li", "none yet", "dim"));
          const c = document.getElementById("connection");
          c.textContent = "live, updated " + time(s.atMillis); c.className = ""; document.body.dataset.updated = String(s.atMillis);
        }
        const source = new EventSource("events");
        source.addEventListener("snapshot", e => render(JSON.parse(e.data)));
        source.onerror = () => { const c = document.getElementById("connection"); c.textContent = "disconnected: retrying…"; c.className = "down"; };
        </script>
        </body>
        </html>
        """#
}
