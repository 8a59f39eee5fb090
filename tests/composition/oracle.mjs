// Test oracle: compose subgraph SDLs with npm @apollo/composition (the reference implementation).
// stdin:  {"<case>": [{"name", "url", "sdl"}, ...], ...}   (one node process for the whole corpus)
// stdout: {"<case>": {"supergraph": sdl | null, "errors": [{"code", "message"}], "hints": [...]}}
import { createRequire } from "node:module";
import { readFileSync } from "node:fs";

const require = createRequire(new URL("../../tools/node/package.json", import.meta.url));
const { composeServices } = require("@apollo/composition");
const { parse } = require("graphql");

function composeCase(subgraphs) {
  try {
    const services = subgraphs.map((s) => ({ name: s.name, url: s.url, typeDefs: parse(s.sdl) }));
    const result = composeServices(services);
    const errors = (result.errors ?? []).map((e) => ({
      code: e.extensions?.code ?? "UNKNOWN",
      message: e.message,
    }));
    return {
      supergraph: result.errors ? null : result.supergraphSdl,
      errors,
      hints: (result.hints ?? []).map((h) => `${h.definition.code}: ${h.message}`),
    };
  } catch (e) {
    // A subgraph SDL that does not even parse: Apollo reports it as a thrown GraphQLError.
    return { supergraph: null, errors: [{ code: "INVALID_GRAPHQL", message: String(e.message) }], hints: [] };
  }
}

const input = JSON.parse(readFileSync(0, "utf8"));
const output = {};
for (const [name, subgraphs] of Object.entries(input)) output[name] = composeCase(subgraphs);
process.stdout.write(JSON.stringify(output));
