// Hive Gateway's runtime (@graphql-hive/gateway) on one supergraph file or a directory of them,
// like apollo_gateway.mjs: a directory's <scenario>.graphql is served at /<scenario>/graphql.
// One process for the whole corpus, instead of one `hive-gateway supergraph` CLI per scenario.
// Usage: node hive_gateway.mjs SUPERGRAPH_FILE_OR_DIR PORT   (SUBGRAPH_TIMEOUT_MS as for Apollo)
import http from "node:http";
import { requireTool } from "./node_modules_path.mjs";
import { route, supergraphFiles } from "./supergraph_files.mjs";

const { createGatewayRuntime } = requireTool("@graphql-hive/gateway");

const [target, portText] = process.argv.slice(2);
const timeoutMs = Number(process.env.SUBGRAPH_TIMEOUT_MS ?? "2000");

const entries = supergraphFiles(target);
for (const entry of entries) {
  entry.runtime = createGatewayRuntime({
    supergraph: entry.sdl,
    graphqlEndpoint: `${entry.prefix}/graphql`,
    upstreamTimeout: timeoutMs,
    logging: "error",
    landingPage: false,
    graphiql: false,
    // @defer / @stream over multipart (tests/federation/test_defer.py); other operations are untouched.
    deferStream: true,
  });
}

http.createServer((req, res) => {
  if (req.url === "/health") {
    res.writeHead(200, { "content-type": "application/json" });
    return res.end('{"status":"ok"}');
  }
  const found = route(entries, req.url);
  if (!found) {
    res.writeHead(404, { "content-type": "application/json" });
    return res.end('{"errors":[{"message":"no such supergraph"}]}');
  }
  return found.entry.runtime(req, res);
}).listen(Number(portText), "127.0.0.1", () => console.log(`hive gateway on ${portText}: ${entries.length} supergraphs`));
