// Subscribe through a real npm client and print each result as one JSON line on stdout, then exit
// after `count` results (or print {"error": ...} when the client reports one).
//
// usage: node subscribe.mjs ws|sse|apollo GATEWAY_GRAPHQL_URL TOOLS_NODE_DIR < request.json
// request.json: {"query": "...", "variables": {...}, "count": 1, "authorization": "Bearer ..."}
//
// ws: graphql-ws createClient (graphql-transport-ws); sse: graphql-sse createClient in
// distinct-connections mode; apollo: @apollo/client HttpLink (multipart subscriptions).
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";

const [mode, url, toolsDir] = process.argv.slice(2);
const require = createRequire(path.join(path.resolve(toolsDir), "package.json"));
const input = JSON.parse(readFileSync(0, "utf8"));
const count = input.count ?? 1;
let seen = 0;
const emit = (obj) => process.stdout.write(JSON.stringify(obj) + "\n");
const done = () => process.exit(0);
const onResult = (result) => {
  emit(result);
  seen += 1;
  if (seen >= count) done();
};
const onError = (err) => {
  // graphql-ws hands over the GraphQL errors; Apollo Client wraps them (or, for a 400, keeps the
  // response body on networkError.result).
  const detail = Array.isArray(err) ? err
    : err?.graphQLErrors?.length ? err.graphQLErrors
    : err?.networkError?.result?.errors ?? err?.result?.errors ?? [{ message: String(err?.message ?? err) }];
  emit({ error: detail.map((e) => ({ message: e.message, extensions: e.extensions })) });
  process.exit(0);
};
const headers = input.authorization ? { Authorization: input.authorization } : {};

if (mode === "ws") {
  const { createClient } = require("graphql-ws");
  const WebSocket = require("ws");
  const client = createClient({ url: url.replace(/^http/, "ws"), webSocketImpl: WebSocket, connectionParams: headers, retryAttempts: 0 });
  client.subscribe({ query: input.query, variables: input.variables ?? {} }, {
    next: onResult, error: onError, complete: () => done(),
  });
} else if (mode === "sse") {
  const { createClient } = require("graphql-sse");
  const client = createClient({ url, singleConnection: false, headers, retryAttempts: 0 });
  client.subscribe({ query: input.query, variables: input.variables ?? {} }, {
    next: onResult, error: onError, complete: () => done(),
  });
} else if (mode === "apollo") {
  const { ApolloClient, HttpLink, InMemoryCache, gql } = require("@apollo/client/core");
  const client = new ApolloClient({ link: new HttpLink({ uri: url, fetch, headers }), cache: new InMemoryCache() });
  client.subscribe({ query: gql(input.query), variables: input.variables ?? {} }).subscribe({
    next: onResult, error: onError, complete: () => done(),
  });
} else {
  console.error(`unknown mode ${mode}`);
  process.exit(2);
}
