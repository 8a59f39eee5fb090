// N graphql-ws clients (one WebSocket each) subscribed to the benchmark's tick, enriched with the
// project's name; prints one JSON summary on stdout.
//
// usage: node clients.mjs GATEWAY_WS_URL TOOLS_NODE_DIR N WARMUP_S DURATION_S [graphql-ws|raw] [coordinated]
// raw: the same graphql-transport-ws messages over the `ws` package directly, without the
// graphql-ws client's per-message work: a lighter load generator for a crowded machine.
// Connects in batches, waits until every client has its first event (or `WARMUP_S` passed), then
// measures for DURATION_S: every tick n sent in the window is expected by every client; a tick a
// client got more than 2 s late or not at all is missing. Delay = arrival - the tick's sentAt.
// coordinated: one of several client processes (the load generator on more than one core): once
// its clients have their first events it prints {"ready": ...} on stdout and reads the window's
// start (epoch ms, shared by all processes) from stdin; its summary then carries every delay, so
// the driver can merge percentiles.
import { createRequire } from "node:module";
import path from "node:path";

const [url, toolsDir, nArg, warmupArg, durationArg, mode = "graphql-ws", coord = ""] = process.argv.slice(2);
const COORDINATED = coord === "coordinated";
const require = createRequire(path.join(path.resolve(toolsDir), "package.json"));
const { createClient } = require("graphql-ws");
const WebSocket = require("ws");
const N = Number(nArg), WARMUP = Number(warmupArg) * 1000, DURATION = Number(durationArg) * 1000;
const QUERY = "subscription { tick { n sentAt project { name } } }";
const LATE_MS = 2000;
const TICK_N = /"n":(\d+)/, TICK_SENT = /"sentAt":([0-9.e+]+)/;

let windowStart = Infinity, windowEnd = Infinity;
const got = [];  // per client: Map n -> delay
let connected = 0, firstEvents = 0, errors = 0, closed = 0;
const clients = [];
const started = Date.now();

function onTick(seen, t, now) {
  if (!t || !t.project || t.project.name == null) { errors += 1; return; }
  if (t.sentAt >= windowStart && t.sentAt < windowEnd) seen.set(t.n, now - t.sentAt);
}

function subscribeRaw(i) {
  return new Promise((resolve) => {
    const seen = new Map();
    got.push(seen);
    let first = true;
    const ws = new WebSocket(url, "graphql-transport-ws", { perMessageDeflate: false });
    clients.push({ dispose: () => ws.close() });
    ws.on("open", () => ws.send('{"type":"connection_init"}'));
    ws.on("close", () => { closed += 1; resolve(); });
    ws.on("error", () => { errors += 1; resolve(); });
    ws.on("message", (raw) => {
      const now = Date.now();
      const text = raw.toString();
      if (text.startsWith('{"id":"1","type":"next"')) {
        // The hot case read without a full JSON parse: the load generator must stay cheaper
        // than the gateway it loads.
        const n = TICK_N.exec(text), sent = TICK_SENT.exec(text);
        if (first) { first = false; firstEvents += 1; }
        if (!n || !sent || !text.includes('"name":"Project')) { errors += 1; return; }
        const sentAt = Number(sent[1]);
        if (sentAt >= windowStart && sentAt < windowEnd) seen.set(Number(n[1]), now - sentAt);
        return;
      }
      const m = JSON.parse(text);
      if (m.type === "connection_ack") {
        connected += 1;
        ws.send(JSON.stringify({ id: "1", type: "subscribe", payload: { query: QUERY } }));
        resolve();
      } else if (m.type === "next") {
        if (first) { first = false; firstEvents += 1; }
        onTick(seen, m.payload.data && m.payload.data.tick, now);
      } else if (m.type === "ping") ws.send('{"type":"pong"}');
      else if (m.type === "error") errors += 1;
    });
  });
}

function subscribeOne(i) {
  if (mode === "raw") return subscribeRaw(i);
  return new Promise((resolve) => {
    const seen = new Map();
    got.push(seen);
    let first = true;
    const client = createClient({
      url, webSocketImpl: class extends WebSocket { constructor(u, p) { super(u, p, { perMessageDeflate: false }); } }, retryAttempts: 0, lazy: false,
      on: { connected: () => { connected += 1; resolve(); }, closed: () => { closed += 1; resolve(); } },
    });
    clients.push(client);
    client.subscribe({ query: QUERY }, {
      next: (r) => {
        const now = Date.now();
        if (first) { first = false; firstEvents += 1; }
        onTick(seen, r.data && r.data.tick, now);
      },
      error: () => { errors += 1; },
      complete: () => {},
    });
  });
}

const BATCH = 100;
for (let i = 0; i < N; i += BATCH) {
  await Promise.all(Array.from({ length: Math.min(BATCH, N - i) }, (_, j) => subscribeOne(i + j)));
}
const connectedAt = Date.now();
while (firstEvents < connected && Date.now() - connectedAt < WARMUP) await new Promise((r) => setTimeout(r, 100));
if (COORDINATED) {
  process.stdout.write(JSON.stringify({ ready: true, connected, withEvents: firstEvents }) + "\n");
  const line = await new Promise((resolve) => {
    let buf = "";
    process.stdin.on("data", (chunk) => {
      buf += chunk;
      if (buf.includes("\n")) resolve(buf.split("\n")[0]);
    });
  });
  windowStart = Number(line);
} else {
  await new Promise((r) => setTimeout(r, 1000));
  windowStart = Date.now();
}
windowEnd = windowStart + DURATION;
process.stderr.write(`measuring: ${connected}/${N} connected, ${firstEvents} with events\n`);
await new Promise((r) => setTimeout(r, Math.max(0, windowEnd - Date.now()) + LATE_MS));

// The ticks in the window: every n any client saw (a tick nobody saw is counted from the range).
let lo = Infinity, hi = -Infinity;
for (const seen of got) for (const n of seen.keys()) { if (n < lo) lo = n; if (n > hi) hi = n; }
const expectedPer = hi >= lo ? hi - lo + 1 : 0;
const delays = [];
let delivered = 0;
for (const seen of got) for (const [n, d] of seen) if (n >= lo && n <= hi && d <= LATE_MS) { delivered += 1; delays.push(d); }
delays.sort((a, b) => a - b);
const all = [];
for (const seen of got) for (const d of seen.values()) all.push(d);
all.sort((a, b) => a - b);
const q = (p) => (delays.length ? delays[Math.min(delays.length - 1, Math.floor(p * delays.length))] : null);
process.stdout.write(JSON.stringify({
  subscribers: N, connected, withEvents: firstEvents, errors, closedEarly: closed,
  ticksInWindow: expectedPer, expected: expectedPer * N, delivered,
  deliveredRatio: expectedPer * N ? delivered / (expectedPer * N) : 0,
  p50: q(0.5), p99: q(0.99), max: delays.length ? delays[delays.length - 1] : null,
  connectSeconds: (connectedAt - started) / 1000,
  // every arrival in the window, late ones too: where a backlog shows
  allArrivals: all.length, allP50: all.length ? all[Math.floor(all.length / 2)] : null, allMax: all.length ? all[all.length - 1] : null,
  // coordinated: the delays as a histogram of whole milliseconds (rounded up), for the merge
  ...(COORDINATED ? { lo, hi, hist: histogram(delays) } : {}),
}) + "\n", () => {
  // exit only once the summary is written: stdout to a pipe is asynchronous
  for (const c of clients) c.dispose();
  process.exit(0);
});

function histogram(values) {
  const counts = new Map();
  for (const v of values) { const k = Math.ceil(v); counts.set(k, (counts.get(k) ?? 0) + 1); }
  return [...counts.entries()].sort((a, b) => a[0] - b[0]);
}
