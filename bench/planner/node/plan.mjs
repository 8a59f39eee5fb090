// The peer: Apollo's query planner (npm @apollo/query-planner, the one @apollo/gateway runs)
// planning the same operations as ours, timed in the same run.
// stdin:  {"supergraph": sdl, "operations": [{"name", "text"}], "mode": "probe" | "time",
//          "iterations": N, "warmup": W, "lookups": L, "repeats": R}
// "probe": load the supergraph, plan every operation once, report times, plans and peak RSS.
// "time":  also plan each operation W + N more times (N timed) and time plan-cache hits.
import { createRequire } from "node:module";
import { readFileSync } from "node:fs";
import { createHash } from "node:crypto";

const require = createRequire(new URL("../../../tools/node/package.json", import.meta.url));
const { Supergraph, operationFromDocument } = require("@apollo/federation-internals");
const { QueryPlanner, prettyFormatQueryPlan } = require("@apollo/query-planner");
const { InMemoryLRUCache } = require("@apollo/utils.keyvaluecache");
const { parse } = require("graphql");

const input = JSON.parse(readFileSync(0, "utf8"));
const now = () => process.hrtime.bigint();
const ms = (t0) => Number(now() - t0) / 1e6;

function fetches(node, out = []) {
  if (!node) return out;
  if (node.kind === "Fetch") out.push({ service: node.serviceName, operation: node.operation });
  else if (node.kind === "Flatten") fetches(node.node, out);
  else if (node.kind === "Condition") { fetches(node.ifClause, out); fetches(node.elseClause, out); }
  else if (node.nodes) node.nodes.forEach((c) => fetches(c, out));
  return out;
}

// Load: what a gateway does when a supergraph arrives (schema, API schema, query graphs).
const cpu0 = process.cpuUsage();
let t0 = now();
const supergraph = Supergraph.build(input.supergraph);
const planner = new QueryPlanner(supergraph);
const api = supergraph.apiSchema();
const loadMs = ms(t0);

const toOperation = (text) => operationFromDocument(api, parse(text));

// Every operation planned once right after loading: first plans, and "load + plan everything".
const results = [];
const tPlans = now();
for (const op of input.operations) {
  t0 = now();
  try {
    const p = planner.buildQueryPlan(toOperation(op.text));
    const f = fetches(p.node);
    results.push({ name: op.name, first_ms: ms(t0), fetches: f.length, fetch_list: f,
                   plan: prettyFormatQueryPlan(p), cold_ms: [], cold_with_parse_ms: [] });
  } catch (e) {
    results.push({ name: op.name, error: String(e.message ?? e).slice(0, 2000), cold_ms: [], cold_with_parse_ms: [] });
  }
}
const loadAndPlanMs = loadMs + ms(tPlans);
const cpu = process.cpuUsage(cpu0);
const loadAndPlanCpuMs = (cpu.user + cpu.system) / 1000;
const probeRssKb = process.resourceUsage().maxRSS;

const lookups = [];
if (input.mode === "time") {
  // Repeated plans. The planner keeps no plan cache: every buildQueryPlan plans from scratch.
  // "cold": buildQueryPlan of an operation parsed and normalised outside the timer;
  // "cold_with_parse": from the document text (parse, operationFromDocument, buildQueryPlan).
  for (const [i, op] of input.operations.entries()) {
    if (results[i].error) continue;
    for (let k = 0; k < input.warmup + input.iterations; k++) {
      const operation = toOperation(op.text);
      t0 = now();
      planner.buildQueryPlan(operation);
      const cold = ms(t0);
      t0 = now();
      planner.buildQueryPlan(toOperation(op.text));
      const withParse = ms(t0);
      if (k >= input.warmup) {
        results[i].cold_ms.push(cold);
        results[i].cold_with_parse_ms.push(withParse);
      }
    }
  }
  // Apollo Gateway's plan-cache hit: sha256 of the document text, then InMemoryLRUCache.get
  // (awaited, as the gateway does). Batches of L lookups, R times: µs per lookup per batch.
  const cache = new InMemoryLRUCache();
  const text = input.operations[0].text;
  await cache.set(createHash("sha256").update(text).digest("hex"), { plan: "cached" });
  for (let r = 0; r < input.repeats; r++) {
    t0 = now();
    for (let k = 0; k < input.lookups; k++) {
      await cache.get(createHash("sha256").update(text).digest("hex"));
    }
    lookups.push((ms(t0) * 1000) / input.lookups);
  }
}

process.stdout.write(JSON.stringify({
  version: require("@apollo/query-planner/package.json").version,
  load_ms: loadMs,
  load_and_plan_ms: loadAndPlanMs,
  load_and_plan_cpu_ms: loadAndPlanCpuMs,
  max_rss_kb: probeRssKb,
  operations: results,
  cached_lookup_us: lookups,
}));
