// Run GraphQL operations through @apollo/client (HttpLink + InMemoryCache, Node's own fetch) against
// a gateway, and print one JSON object on stdout for tests/gateway/test_clients.py to check.
//
// usage: node apollo_client_query.mjs GATEWAY_GRAPHQL_URL TOOLS_NODE_DIR < operations.json
// operations.json: {"query": "...", "variables": {...}, "badVariables": {...}}
//
// The npm packages live in tools/node (installed at set-up time), not next to this script, so they
// are resolved from there.
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";

const [gatewayUrl, toolsDir] = process.argv.slice(2);
if (!gatewayUrl || !toolsDir) {
  console.error("usage: node apollo_client_query.mjs GATEWAY_GRAPHQL_URL TOOLS_NODE_DIR < operations.json");
  process.exit(2);
}
const require = createRequire(path.join(path.resolve(toolsDir), "package.json"));
const { ApolloClient, HttpLink, InMemoryCache, gql } = require("@apollo/client/core");
const { createPersistedQueryLink } = require("@apollo/client/link/persisted-queries");

const input = JSON.parse(readFileSync(0, "utf8"));
const query = gql(input.query);

const client = new ApolloClient({
  link: new HttpLink({ uri: gatewayUrl, fetch }),
  // Products are identified by upc in this graph (Users and Reviews by id, Apollo's default).
  cache: new InMemoryCache({ typePolicies: { Product: { keyFields: ["upc"] } } }),
});

const describeError = (error) => ({
  message: error.message,
  graphQLErrors: (error.graphQLErrors ?? []).map((e) => ({ message: e.message, extensions: e.extensions })),
  networkStatus: error.networkError?.statusCode ?? null,
  networkResult: error.networkError?.result ?? null,
});

const out = {};
// 1. Over the network: variables, fragments and the __typename Apollo adds to every selection.
const network = await client.query({ query, variables: input.variables, fetchPolicy: "network-only" });
out.network = { data: network.data, errors: network.errors ?? null };
// 2. The same operation from the normalized cache alone: works only if the gateway returned
//    __typename and key fields wherever Apollo asked for them.
const cached = await client.query({ query, variables: input.variables, fetchPolicy: "cache-only" });
out.cached = { data: cached.data };
out.cacheKeys = Object.keys(client.cache.extract()).sort();
// 3. Bad variables: the gateway's error must reach the application as a GraphQL error.
try {
  const bad = await client.query({ query, variables: input.badVariables, fetchPolicy: "network-only", errorPolicy: "all" });
  out.bad = { data: bad.data ?? null, errors: (bad.errors ?? []).map((e) => ({ message: e.message, extensions: e.extensions })) };
} catch (error) {
  out.bad = { thrown: describeError(error) };
}
// 4. The same operation as a GET (useGETForQueries): query, operationName and variables travel in
//    the URL, as GraphQL-over-HTTP allows for queries.
let sent = [];
const recordingFetch = async (url, options) => {
  const response = await fetch(url, options);
  sent.push({ method: options?.method ?? "GET", url: String(url), body: options?.body ?? null, status: response.status });
  return response;
};
const getClient = new ApolloClient({
  link: new HttpLink({ uri: gatewayUrl, fetch: recordingFetch, useGETForQueries: true }),
  cache: new InMemoryCache({ typePolicies: { Product: { keyFields: ["upc"] } } }),
});
const viaGet = await getClient.query({ query, variables: input.variables, fetchPolicy: "network-only" });
out.get = { data: viaGet.data, errors: viaGet.errors ?? null, sent };
// 5. Automatic persisted queries: the first request sends only the hash (as a GET), the gateway
//    answers PERSISTED_QUERY_NOT_FOUND, Apollo retries with the text; after that the hash suffices.
sent = [];
const apqClient = new ApolloClient({
  link: createPersistedQueryLink({
    sha256: (text) => createHash("sha256").update(text).digest("hex"),
    useGETForHashedQueries: true,
  }).concat(new HttpLink({ uri: gatewayUrl, fetch: recordingFetch })),
  cache: new InMemoryCache({ typePolicies: { Product: { keyFields: ["upc"] } } }),
});
const apqFirst = await apqClient.query({ query, variables: input.variables, fetchPolicy: "network-only" });
const apqSecond = await apqClient.query({ query, variables: input.variables, fetchPolicy: "network-only" });
out.apq = {
  first: { data: apqFirst.data, errors: apqFirst.errors ?? null },
  second: { data: apqSecond.data, errors: apqSecond.errors ?? null },
  sent,
};
process.stdout.write(JSON.stringify(out));
