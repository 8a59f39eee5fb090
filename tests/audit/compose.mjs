// Compose each audit suite's subgraph SDLs with @apollo/composition into its checked-in
// supergraph.graphql, subgraph URLs under http://subgraphs.invalid/<suite>/<subgraph> (the tests
// point them at the live suite server).
// Usage: node tests/audit/compose.mjs [--check] [suite ...]   (default: all)
import fs from "node:fs";
import path from "node:path";
import { repoRoot, requireTool } from "../federation/tools/node_modules_path.mjs";

const { composeServices } = requireTool("@apollo/composition");
const { parse } = requireTool("graphql");

const suitesDir = path.join(repoRoot, "tests/audit/suites");
const check = process.argv.includes("--check");
const wanted = process.argv.slice(2).filter((a) => a !== "--check");
const names = wanted.length
  ? wanted
  : fs.readdirSync(suitesDir).filter((n) => fs.existsSync(path.join(suitesDir, n, "subgraphs")));

let failed = false;
for (const suite of names.sort()) {
  const dir = path.join(suitesDir, suite, "subgraphs");
  const services = fs
    .readdirSync(dir)
    .filter((f) => f.endsWith(".graphql"))
    .sort()
    .map((file) => {
      const name = path.basename(file, ".graphql");
      return { name, url: `http://subgraphs.invalid/${suite}/${name}`, typeDefs: parse(fs.readFileSync(path.join(dir, file), "utf8")) };
    });
  const result = composeServices(services);
  if (result.errors && result.errors.length) {
    failed = true;
    console.error(`${suite}: composition failed`);
    for (const e of result.errors) console.error(`  ${e.message}`);
    continue;
  }
  const target = path.join(suitesDir, suite, "supergraph.graphql");
  const fresh = result.supergraphSdl + "\n";
  if (check) {
    const current = fs.existsSync(target) ? fs.readFileSync(target, "utf8") : "";
    if (current !== fresh) {
      failed = true;
      console.error(`${suite}: supergraph.graphql is stale: run node tests/audit/compose.mjs ${suite}`);
    }
    continue;
  }
  fs.writeFileSync(target, fresh);
  console.log(`${suite}: composed ${services.length} subgraphs`);
}
process.exit(failed ? 1 : 0);
