// @apollo/gateway + @apollo/server serving a supergraph file: the reference implementation our
// gateway is compared with. Usage: node apollo_gateway.mjs SUPERGRAPH_FILE PORT
// GET /health answers 200 once the gateway is ready; GraphQL is served at /graphql and at /.
import fs from "node:fs";
import http from "node:http";
import { requireTool } from "./node_modules_path.mjs";

const { ApolloGateway, RemoteGraphQLDataSource } = requireTool("@apollo/gateway");
const { ApolloServer, HeaderMap } = requireTool("@apollo/server");

const [supergraphFile, portText] = process.argv.slice(2);
const port = Number(portText);
const timeoutMs = Number(process.env.SUBGRAPH_TIMEOUT_MS ?? "2000");

const gateway = new ApolloGateway({
  supergraphSdl: fs.readFileSync(supergraphFile, "utf8"),
  // A per-subgraph timeout like the one our gateway applies, so "slow" cases compare.
  buildService: ({ url }) =>
    new RemoteGraphQLDataSource({ url, fetcher: (u, init) => fetch(u, { ...init, signal: AbortSignal.timeout(timeoutMs) }) }),
});
const server = new ApolloServer({ gateway, includeStacktraceInErrorResponses: false, csrfPrevention: false });
await server.start();

const handler = async (req, res) => {
  if (req.url === "/health") {
    res.writeHead(200, { "content-type": "application/json" });
    res.end('{"status":"ok"}');
    return;
  }
  const chunks = [];
  for await (const c of req) chunks.push(c);
  const raw = Buffer.concat(chunks).toString("utf8");
  const url = new URL(req.url, `http://${req.headers.host}`);
  const headers = new HeaderMap();
  for (const [k, v] of Object.entries(req.headers)) headers.set(k, Array.isArray(v) ? v.join(", ") : v);
  let body = raw;
  if ((headers.get("content-type") ?? "").includes("json")) {
    try { body = JSON.parse(raw); } catch { body = raw; }
  }
  const response = await server.executeHTTPGraphQLRequest({
    httpGraphQLRequest: { method: req.method, headers, search: url.search, body },
    context: async () => ({}),
  });
  const out = {};
  for (const [k, v] of response.headers) out[k] = v;
  res.writeHead(response.status ?? 200, out);
  if (response.body.kind === "complete") res.end(response.body.string);
  else { for await (const part of response.body.asyncIterator) res.write(part); res.end(); }
};

http.createServer((req, res) => {
  handler(req, res).catch((err) => {
    res.writeHead(500, { "content-type": "application/json" });
    res.end(JSON.stringify({ errors: [{ message: String(err) }] }));
  });
}).listen(port, "127.0.0.1", () => console.log(`apollo gateway on ${port}`));
