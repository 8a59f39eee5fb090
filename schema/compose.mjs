// Oracle: compose the subgraph SDLs named in supergraph.yaml with Apollo's own composition
// (@apollo/composition from tools/node) and print the supergraph SDL, or the errors (exit 1).
// Usage: node schema/compose.mjs schema/supergraph.yaml
import { createRequire } from "node:module";
import { readFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const require = createRequire(resolve(here, "../tools/node/package.json"));
const { composeServices } = require("@apollo/composition");
const { parse } = require("graphql");

const configPath = resolve(process.argv[2] ?? resolve(here, "supergraph.yaml"));
// supergraph.yaml as written by subgraphs/supergraph.py: a fixed, simple shape we can read by line.
const text = readFileSync(configPath, "utf8");
const services = [];
let current = null;
for (const line of text.split("\n")) {
  const name = line.match(/^  ([a-z]+):$/);
  if (name) { current = { name: name[1] }; services.push(current); continue; }
  const url = line.match(/^    routing_url: (.+)$/);
  if (url && current) current.url = url[1].trim();
  const file = line.match(/^      file: (.+)$/);
  if (file && current) current.typeDefs = parse(readFileSync(resolve(dirname(configPath), file[1].trim()), "utf8"));
}
const result = composeServices(services);
if (result.errors) {
  for (const e of result.errors) console.error(e.message);
  process.exit(1);
}
process.stdout.write(result.supergraphSdl);
