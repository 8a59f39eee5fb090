// Compose subgraph SDLs with npm @apollo/composition: the fallback (and cross-check) for our
// Python composition on the generated graph.
// stdin:  [{"name", "url", "sdl"}, ...]
// stdout: {"supergraph": sdl | null, "errors": [{"code", "message"}]}
import { createRequire } from "node:module";
import { readFileSync } from "node:fs";

const require = createRequire(new URL("../../../tools/node/package.json", import.meta.url));
const { composeServices } = require("@apollo/composition");
const { parse } = require("graphql");

const subgraphs = JSON.parse(readFileSync(0, "utf8"));
const result = composeServices(
  subgraphs.map((s) => ({ name: s.name, url: s.url, typeDefs: parse(s.sdl) })),
);
process.stdout.write(
  JSON.stringify({
    supergraph: result.errors ? null : result.supergraphSdl,
    errors: (result.errors ?? []).map((e) => ({ code: e.extensions?.code ?? "UNKNOWN", message: e.message })),
  }),
);
