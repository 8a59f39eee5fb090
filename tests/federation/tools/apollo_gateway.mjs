// @apollo/gateway + @apollo/server: the reference implementation our gateway is compared with.
// Usage: node apollo_gateway.mjs SUPERGRAPH_FILE_OR_DIR PORT
// A file is served at /graphql; a directory of <scenario>.graphql files at /<scenario>/graphql.
// GET /health answers 200 once every gateway is ready. SUBGRAPH_TIMEOUT_MS bounds each subgraph call.
import http from "node:http";
import { requireTool } from "./node_modules_path.mjs";
import { route, supergraphFiles } from "./supergraph_files.mjs";

const { ApolloGateway, RemoteGraphQLDataSource } = requireTool("@apollo/gateway");
const { ApolloServer, HeaderMap } = requireTool("@apollo/server");

const [target, portText] = process.argv.slice(2);
const timeoutMs = Number(process.env.SUBGRAPH_TIMEOUT_MS ?? "2000");
const timedFetch = (url, init) => fetch(url, { ...init, signal: AbortSignal.timeout(timeoutMs) });

async function serve(sdl) {
  const gateway = new ApolloGateway({
    supergraphSdl: sdl,
    buildService: ({ url }) => new RemoteGraphQLDataSource({ url, fetcher: timedFetch }),
  });
  const server = new ApolloServer({ gateway, includeStacktraceInErrorResponses: false, csrfPrevention: false });
  await server.start();
  return server;
}

const entries = supergraphFiles(target);
for (const entry of entries) entry.server = await serve(entry.sdl);

async function handle(req, res) {
  if (req.url === "/health") {
    res.writeHead(200, { "content-type": "application/json" });
    return res.end('{"status":"ok"}');
  }
  const found = route(entries, req.url);
  if (!found) {
    res.writeHead(404, { "content-type": "application/json" });
    return res.end('{"errors":[{"message":"no such supergraph"}]}');
  }
  const chunks = [];
  for await (const c of req) chunks.push(c);
  const raw = Buffer.concat(chunks).toString("utf8");
  const headers = new HeaderMap();
  for (const [k, v] of Object.entries(req.headers)) headers.set(k, Array.isArray(v) ? v.join(", ") : v);
  let body = raw;
  if ((headers.get("content-type") ?? "").includes("json")) {
    try { body = JSON.parse(raw); } catch { body = raw; }
  }
  const response = await found.entry.server.executeHTTPGraphQLRequest({
    httpGraphQLRequest: { method: req.method, headers, search: new URL(req.url, "http://local").search, body },
    context: async () => ({}),
  });
  const out = {};
  for (const [k, v] of response.headers) out[k] = v;
  res.writeHead(response.status ?? 200, out);
  if (response.body.kind === "complete") return res.end(response.body.string);
  for await (const part of response.body.asyncIterator) res.write(part);
  res.end();
}

http.createServer((req, res) => {
  handle(req, res).catch((err) => {
    res.writeHead(500, { "content-type": "application/json" });
    res.end(JSON.stringify({ errors: [{ message: String(err) }] }));
  });
}).listen(Number(portText), "127.0.0.1", () => console.log(`apollo gateway on ${portText}: ${entries.length} supergraphs`));
