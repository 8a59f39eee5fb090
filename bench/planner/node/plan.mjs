// The peer: Apollo's query planner (npm @apollo/query-planner, the one @apollo/gateway runs)
// planning the same operations, timed in the same run as ours.
// stdin:  {"supergraph": sdl, "operations": [{"name", "text"}], "iterations": N, "warmup": W,
//          "lookups": L}
// stdout: {"load_ms", "max_rss_kb", "operations": [{"name", "fetches", "plan", "cold_ms": [...],
//          "cold_with_parse_ms": [...], "error"}], "cached_lookup_us": [...], "load_and_plan_ms"}
import { createRequire } from "node:module";
import { readFileSync } from "node:fs";
import { createHash } from "node:crypto";

const require = createRequire(new URL("../../../tools/node/package.json", import.meta.url));
const { Supergraph, operationFromDocument } = require("@apollo/federation-internals");
const { QueryPlanner, prettyFormatQueryPlan } = require("@apollo/query-planner");
const { InMemoryLRUCache } = require("@apollo/utils.keyvaluecache");
const { parse } = require("graphql");

const input = JSON.parse(readFileSync(0, "utf8"));
const ms = (t0) => Number(process.hrtime.bigint() - t0) / 1e6;
const now = () => process.hrtime.bigint();

function countFetches(node) {
  if (!node) return 0;
  switch (node.kind) {
    case "Fetch": return 1;
    case "Flatten": return countFetches(node.node);
    case "Sequence": case "Parallel": return node.nodes.reduce((n, c) => n + countFetches(c), 0);
    case "Condition": return countFetches(node.ifClause) + countFetches(node.elseClause);
    case "Defer": return countFetches(node.primary?.node) + node.deferred.reduce((n, d) => n + countFetches(d.node), 0);
    default: return 0;
  }
}

function fetchOperations(node, out = []) {
  if (!node) return out;
  if (node.kind === "Fetch") out.push({ service: node.serviceName, operation: node.operation });
  else if (node.kind === "Flatten") fetchOperations(node.node, out);
  else if (node.nodes) node.nodes.forEach((c) => fetchOperations(c, out));
  return out;
}

// Load: what a gateway does when a supergraph arrives (build the schema and the query graphs).
let t0 = now();
const supergraph = Supergraph.build(input.supergraph);
const planner = new QueryPlanner(supergraph);
const api = supergraph.apiSchema();
const loadMs = ms(t0);

const plan = (text) => planner.buildQueryPlan(operationFromDocument(api, parse(text)));

// One plan of every operation right after loading: the "load + plan everything" cold figure.
const results = [];
t0 = now();
for (const op of input.operations) {
  try {
    const p = plan(op.text);
    results.push({ name: op.name, fetches: countFetches(p.node), plan: prettyFormatQueryPlan(p),
                   fetchOperations: fetchOperations(p.node), cold_ms: [], cold_with_parse_ms: [] });
  } catch (e) {
    results.push({ name: op.name, error: String(e.message ?? e).slice(0, 2000), cold_ms: [], cold_with_parse_ms: [] });
  }
}
const loadAndPlanMs = loadMs + ms(t0);

// Repeated plans: the operation is parsed and normalised outside the timer, only buildQueryPlan
// inside it (the planner keeps no plan cache: every call plans from scratch).
for (const [i, op] of input.operations.entries()) {
  if (results[i].error) continue;
  for (let k = 0; k < input.warmup + input.iterations; k++) {
    const operation = operationFromDocument(api, parse(op.text));
    t0 = now();
    planner.buildQueryPlan(operation);
    const cold = ms(t0);
    t0 = now();
    plan(op.text);
    const withParse = ms(t0);
    if (k >= input.warmup) {
      results[i].cold_ms.push(cold);
      results[i].cold_with_parse_ms.push(withParse);
    }
  }
}

// Apollo Gateway's plan-cache path on a hit: sha256 of the document text + InMemoryLRUCache.get.
const cache = new InMemoryLRUCache();
const first = input.operations[0].text;
await cache.set(createHash("sha256").update(first).digest("hex"), { plan: "cached" });
const lookups = [];
for (let k = 0; k < input.lookups; k++) {
  t0 = now();
  await cache.get(createHash("sha256").update(first).digest("hex"));
  lookups.push(ms(t0) * 1000);
}

process.stdout.write(JSON.stringify({
  load_ms: loadMs,
  load_and_plan_ms: loadAndPlanMs,
  max_rss_kb: process.resourceUsage().maxRSS,
  operations: results,
  cached_lookup_us: lookups,
}));
