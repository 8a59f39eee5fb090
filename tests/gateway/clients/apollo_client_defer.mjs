// Run an operation with @defer through @apollo/client (HttpLink, Node's own fetch) against a gateway
// and print one JSON object on stdout for tests/gateway/test_defer_clients.py to check.
//
// usage: node apollo_client_defer.mjs GATEWAY_GRAPHQL_URL TOOLS_NODE_DIR < operation.json
// operation.json: {"query": "...", "variables": {...}}
//
// Three views of the same operation:
//   raw      the payloads Apollo's HttpLink parsed from the multipart response, in order, with the
//            Accept header it sent and the response's content type;
//   final    client.query's result (all payloads merged by Apollo) and the same read from the cache;
//   emitted  what a watching component renders: each result ObservableQuery emitted until one
//            equals the final result (the first already has the primary fields).
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";

const [gatewayUrl, toolsDir] = process.argv.slice(2);
if (!gatewayUrl || !toolsDir) {
  console.error("usage: node apollo_client_defer.mjs GATEWAY_GRAPHQL_URL TOOLS_NODE_DIR < operation.json");
  process.exit(2);
}
const require = createRequire(path.join(path.resolve(toolsDir), "package.json"));
const { ApolloClient, HttpLink, InMemoryCache, execute, gql } = require("@apollo/client/core");

const input = JSON.parse(readFileSync(0, "utf8"));
const query = gql(input.query);
const variables = input.variables ?? {};
const cache = () => new InMemoryCache({ typePolicies: { Product: { keyFields: ["upc"] } } });

const out = {};

// 1. The wire: every payload the link parsed, and the headers both ways.
const sent = [];
const recordingFetch = async (url, options) => {
  const response = await fetch(url, options);
  sent.push({ accept: options?.headers?.accept ?? null, status: response.status, contentType: response.headers.get("content-type") });
  return response;
};
out.raw = await new Promise((resolve, reject) => {
  const chunks = [];
  execute(new HttpLink({ uri: gatewayUrl, fetch: recordingFetch }), { query, variables }).subscribe({
    next: (value) => chunks.push(value),
    error: reject,
    complete: () => resolve(chunks),
  });
});
out.sent = sent;

// 2. The finished result, and the normalized cache it left behind.
const client = new ApolloClient({ link: new HttpLink({ uri: gatewayUrl, fetch }), cache: cache() });
const final = await client.query({ query, variables, fetchPolicy: "network-only", errorPolicy: "all" });
out.final = { data: final.data ?? null, errors: final.errors ?? null };
const cached = await client.query({ query, variables, fetchPolicy: "cache-only" });
out.cached = { data: cached.data ?? null };

// 3. What a watching UI sees: results as they arrive, until one equals the finished result.
const whole = JSON.stringify(final.data);
const watchClient = new ApolloClient({ link: new HttpLink({ uri: gatewayUrl, fetch }), cache: cache() });
out.emitted = await new Promise((resolve, reject) => {
  const results = [];
  const observable = watchClient.watchQuery({ query, variables, fetchPolicy: "network-only", errorPolicy: "all" });
  const timer = setTimeout(() => { subscription.unsubscribe(); resolve(results); }, 20000);
  const subscription = observable.subscribe({
    next: (result) => {
      results.push({ data: result.data ?? null, loading: result.loading, errors: result.errors ?? null });
      if (JSON.stringify(result.data) === whole) {
        clearTimeout(timer);
        subscription.unsubscribe();
        resolve(results);
      }
    },
    error: (e) => { clearTimeout(timer); reject(e); },
  });
});
process.stdout.write(JSON.stringify(out));
