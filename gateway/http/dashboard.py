"""`GET /dashboard`: the live covenant dashboard, driven by the gateway's own subscriptions.

The page subscribes over graphql-transport-ws (the npm `graphql-ws` browser build, installed at
set-up time like the explorer's assets: no CDN, nothing vendored) to `metricRecorded`,
`alertRaised` and `projectUpdated`, and shows the latest metrics per group and project, the alert
feed, and each region's health (events seen per region, and the gateway's view of its subgraph
endpoints from /health).
"""

from __future__ import annotations

from pathlib import Path

from gateway.http.graphiql import node_modules

ASSETS = {"graphql-ws.js": ("graphql-ws", "umd/graphql-ws.min.js")}


def asset_path(name: str) -> Path | None:
    spec = ASSETS.get(name)
    root = node_modules()
    if spec is None or root is None:
        return None
    path = root / spec[0] / spec[1]
    return path if path.is_file() else None


def page(endpoint: str, assets_prefix: str) -> str:
    if asset_path("graphql-ws.js") is None:
        return _MISSING
    return _PAGE.replace("{{endpoint}}", endpoint).replace("{{prefix}}", assets_prefix)


_MISSING = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Covenant dashboard</title></head>
<body><h1>The dashboard's assets are not installed</h1>
<p>They come from npm at set-up time: run <code>make setup</code> (or <code>npm ci</code> in
<code>tools/node</code>), or set <code>CHARTER_NODE_MODULES</code>.</p></body></html>
"""

_PAGE = """<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>Covenant live dashboard</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>
  body { font: 14px/1.4 system-ui, sans-serif; margin: 0; background: #0f172a; color: #e2e8f0; }
  header { padding: 12px 20px; background: #1e293b; display: flex; gap: 16px; align-items: baseline; }
  h1 { font-size: 18px; margin: 0; } h2 { font-size: 15px; margin: 0 0 8px; }
  main { display: grid; grid-template-columns: 2fr 1fr; gap: 16px; padding: 16px 20px; }
  section { background: #1e293b; border-radius: 8px; padding: 12px; }
  table { width: 100%; border-collapse: collapse; } td, th { padding: 3px 6px; text-align: left; }
  th { color: #94a3b8; font-weight: 500; } tr + tr td { border-top: 1px solid #334155; }
  .groups { display: grid; grid-template-columns: repeat(3, 1fr); gap: 12px; grid-column: 1 / -1; }
  .num { text-align: right; font-variant-numeric: tabular-nums; }
  .CRITICAL { color: #f87171; } .WARNING { color: #fbbf24; } .INFO { color: #93c5fd; }
  .live { color: #4ade80; } .quiet { color: #94a3b8; } .down { color: #f87171; }
  #alerts { list-style: none; margin: 0; padding: 0; max-height: 420px; overflow: auto; }
  #alerts li { padding: 4px 0; border-top: 1px solid #334155; }
  .fresh { animation: flash 1s ease-out; } @keyframes flash { from { background: #334155; } }
</style>
</head>
<body>
<header><h1>Covenant live dashboard</h1><span id="status" data-state="connecting">connecting…</span></header>
<main>
  <div class="groups">
    <section data-group="EMEA"><h2>EMEA</h2><table><thead><tr><th>Project</th><th>Nation</th><th>Metric</th><th class="num">Value</th><th>At</th></tr></thead><tbody></tbody></table></section>
    <section data-group="AMERICAS"><h2>Americas</h2><table><thead><tr><th>Project</th><th>Nation</th><th>Metric</th><th class="num">Value</th><th>At</th></tr></thead><tbody></tbody></table></section>
    <section data-group="APAC"><h2>APAC</h2><table><thead><tr><th>Project</th><th>Nation</th><th>Metric</th><th class="num">Value</th><th>At</th></tr></thead><tbody></tbody></table></section>
  </div>
  <section><h2>Alerts</h2><ul id="alerts"></ul></section>
  <section><h2>Region health</h2><table id="regions"><thead><tr><th>Region</th><th class="num">Events</th><th>Last event</th><th>State</th></tr></thead><tbody></tbody></table>
    <h2 style="margin-top:12px">Subgraph endpoints</h2><table id="endpoints"><tbody></tbody></table></section>
</main>
<script src="{{prefix}}/graphql-ws.js"></script>
<script>
"use strict";
const endpoint = new URL("{{endpoint}}", window.location.href);
const wsUrl = endpoint.href.replace(/^http/, "ws");
const statusEl = document.getElementById("status");
const setStatus = (state, text) => { statusEl.dataset.state = state; statusEl.textContent = text; };
const text = (tag, value, cls) => { const el = document.createElement(tag); el.textContent = value; if (cls) el.className = cls; return el; };
const time = (iso) => { const d = new Date(iso); return isNaN(d) ? String(iso) : d.toLocaleTimeString(); };

const client = graphqlWs.createClient({
  url: wsUrl, lazy: false, retryAttempts: Infinity, shouldRetry: () => true,
  on: { connected: () => setStatus("connected", "live"), closed: () => setStatus("closed", "reconnecting…") },
});
const subscribe = (query, onData) => client.subscribe({ query }, {
  next: (result) => { if (result.data) onData(result.data); },
  error: (err) => setStatus("error", "error: " + (err.message || (err[0] && err[0].message) || err)),
  complete: () => {},
});

// Live metrics: one row per (project, kind), latest value, in its group's table.
const rows = new Map();
function metric(m) {
  const p = m.project, group = p.nation && p.nation.group;
  const body = document.querySelector(`section[data-group="${group}"] tbody`);
  if (!body) return;
  const key = m.projectId + "/" + m.kind;
  let row = rows.get(key);
  if (!row) {
    row = document.createElement("tr");
    row.dataset.project = m.projectId; row.dataset.kind = m.kind;
    row.append(text("td", p.name), text("td", p.nation.name), text("td", m.kind), text("td", "", "num value"), text("td", "", "at"));
    rows.set(key, row);
  }
  row.querySelector(".value").textContent = Number(m.value).toLocaleString(undefined, { maximumFractionDigits: 4 });
  row.querySelector(".at").textContent = time(m.at);
  row.classList.remove("fresh"); void row.offsetWidth; row.classList.add("fresh");
  body.prepend(row);
  region(p.homeRegion, m.at);
}

// Region health: events seen per region, live when one came in the last minute.
const regions = new Map();
function region(code, at) {
  if (!code) return;
  let r = regions.get(code);
  if (!r) {
    const row = document.createElement("tr"); row.dataset.region = code;
    row.append(text("td", code), text("td", "0", "num count"), text("td", "", "last"), text("td", "", "state"));
    document.querySelector("#regions tbody").append(row);
    r = { row, count: 0, last: 0 }; regions.set(code, r);
  }
  r.count += 1; r.last = Date.now();
  r.row.querySelector(".count").textContent = String(r.count);
  r.row.querySelector(".last").textContent = time(at);
  paintRegions();
}
function paintRegions() {
  for (const r of regions.values()) {
    const live = Date.now() - r.last < 60000, cell = r.row.querySelector(".state");
    cell.textContent = live ? "live" : "quiet"; cell.className = "state " + (live ? "live" : "quiet");
  }
}
setInterval(paintRegions, 5000);

async function endpoints() {
  try {
    const health = await (await fetch(new URL("/health", endpoint))).json();
    const body = document.querySelector("#endpoints tbody"); body.replaceChildren();
    for (const [name, list] of Object.entries(health.routes || {})) {
      for (const e of list) {
        const row = document.createElement("tr");
        row.append(text("td", name), text("td", new URL(e.url).host), text("td", e.healthy ? "healthy" : "down", e.healthy ? "live" : "down"));
        body.append(row);
      }
    }
  } catch (e) { /* the gateway is restarting: the next round shows it */ }
}
endpoints(); setInterval(endpoints, 10000);

function alert(a) {
  const li = document.createElement("li"); li.dataset.alert = a.id; li.className = "fresh";
  li.append(text("strong", a.severity + " ", a.severity), text("span", `${a.group} · ${a.project ? a.project.name : a.projectId}: ${a.message} `), text("small", time(a.at)));
  const list = document.getElementById("alerts"); list.prepend(li);
  while (list.children.length > 100) list.lastChild.remove();
}

subscribe("subscription Dashboard_metrics { metricRecorded { projectId kind value at project { id name homeRegion nation { name group } } } }", (d) => metric(d.metricRecorded));
subscribe("subscription Dashboard_alerts { alertRaised { id group severity rule message at projectId project { name } } }", (d) => alert(d.alertRaised));
subscribe("subscription Dashboard_projects { projectUpdated { id homeRegion } }", (d) => region(d.projectUpdated.homeRegion, new Date().toISOString()));
</script>
</body>
</html>
"""
