// Test oracle only: Apollo Gateway (from tools/node) serving a supergraph file, forwarding the
// consistency header to subgraphs. Prints "ready <url>" once listening.
// Usage: node infra/apollo_gateway.mjs SUPERGRAPH_PATH PORT
import { createRequire } from "node:module";
import { readFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const require = createRequire(resolve(here, "../tools/node/package.json"));
const { ApolloServer } = require("@apollo/server");
const { startStandaloneServer } = require("@apollo/server/standalone");
const { ApolloGateway, RemoteGraphQLDataSource } = require("@apollo/gateway");

const [supergraphPath, port] = process.argv.slice(2);
const HEADER = "x-charter-consistency";

class Forwarding extends RemoteGraphQLDataSource {
  willSendRequest({ request, context }) {
    if (context?.consistency) request.http.headers.set(HEADER, context.consistency);
  }
}

// Apollo Gateway refuses supergraphs whose SECURITY features (@requiresScopes, @authenticated,
// @policy) it cannot enforce; as an oracle of query behaviour it serves them unenforced.
const supergraphSdl = readFileSync(supergraphPath, "utf8").replace(/,\s*for:\s*SECURITY/g, "");

const gateway = new ApolloGateway({
  supergraphSdl,
  buildService: ({ url }) => new Forwarding({ url }),
});
const server = new ApolloServer({ gateway });
const { url } = await startStandaloneServer(server, {
  listen: { port: Number(port), host: "127.0.0.1" },
  context: async ({ req }) => ({ consistency: req.headers[HEADER] }),
});
console.log(`ready ${url}`);
