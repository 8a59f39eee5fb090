// Compose each scenario's subgraph SDLs with @apollo/composition into its checked-in
// supergraph.graphql. Subgraph URLs are placeholders the harness rewrites to the live server:
// http://subgraphs.invalid/<scenario>/<subgraph>, or http://down.invalid/... for subgraphs whose
// name starts with "down" (they must be unreachable).
// Usage: node tests/federation/tools/compose.mjs [--check] [scenario ...]   (default: all)
// --check writes nothing and exits 1 when a checked-in supergraph differs from a fresh composition.
import fs from "node:fs";
import path from "node:path";
import { repoRoot, requireTool } from "./node_modules_path.mjs";

const { composeServices } = requireTool("@apollo/composition");
const { parse } = requireTool("graphql");

const scenariosDir = path.join(repoRoot, "tests/federation/scenarios");
const check = process.argv.includes("--check");
const wanted = process.argv.slice(2).filter((a) => a !== "--check");
const names = wanted.length
  ? wanted
  : fs.readdirSync(scenariosDir).filter((n) => fs.existsSync(path.join(scenariosDir, n, "subgraphs")));

let failed = false;
for (const scenario of names.sort()) {
  const dir = path.join(scenariosDir, scenario, "subgraphs");
  const services = fs
    .readdirSync(dir)
    .filter((f) => f.endsWith(".graphql"))
    .sort()
    .map((file) => {
      const name = path.basename(file, ".graphql");
      const host = name.startsWith("down") ? "http://down.invalid" : "http://subgraphs.invalid";
      return { name, url: `${host}/${scenario}/${name}`, typeDefs: parse(fs.readFileSync(path.join(dir, file), "utf8")) };
    });
  const result = composeServices(services);
  if (result.errors && result.errors.length) {
    failed = true;
    console.error(`${scenario}: composition failed`);
    for (const e of result.errors) console.error(`  ${e.message}`);
    continue;
  }
  if (!check) for (const hint of result.hints ?? []) console.error(`${scenario}: hint: ${hint.definition.code}: ${hint.message}`);
  const target = path.join(scenariosDir, scenario, "supergraph.graphql");
  const fresh = result.supergraphSdl + "\n";
  if (check) {
    const current = fs.existsSync(target) ? fs.readFileSync(target, "utf8") : "";
    if (current !== fresh) {
      failed = true;
      console.error(`${scenario}: supergraph.graphql is stale: run node tests/federation/tools/compose.mjs ${scenario}`);
    }
    continue;
  }
  fs.writeFileSync(target, fresh);
  console.log(`${scenario}: composed ${services.length} subgraphs`);
}
process.exit(failed ? 1 : 0);
