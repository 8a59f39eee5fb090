// Do the peer gateways accept a supergraph? stdin: {"<case>": "<supergraph sdl>"}; stdout:
// {"<case>": {"apollo": null | "error", "hive": null | "error"}}. Both build their API schema and
// query planner state from the SDL, without contacting any subgraph.
import { createRequire } from "node:module";
import { readFileSync } from "node:fs";

const require = createRequire(new URL("../../tools/node/package.json", import.meta.url));
const { ApolloGateway } = require("@apollo/gateway");
const { getStitchedSchemaFromSupergraphSdl } = require("@graphql-tools/federation");
const { printSchema } = require("graphql");

async function apollo(sdl) {
  const gateway = new ApolloGateway({ supergraphSdl: sdl, logger: { debug() {}, info() {}, warn() {}, error() {} } });
  try {
    const { schema } = await gateway.load();
    printSchema(schema);
    return null;
  } catch (e) {
    return String(e.message ?? e);
  } finally {
    await gateway.stop().catch(() => {});
  }
}

function hive(sdl) {
  try {
    const schema = getStitchedSchemaFromSupergraphSdl({ supergraphSdl: sdl });
    printSchema(schema);
    return null;
  } catch (e) {
    return String(e.message ?? e);
  }
}

const input = JSON.parse(readFileSync(0, "utf8"));
const output = {};
for (const [name, sdl] of Object.entries(input)) {
  output[name] = { apollo: await apollo(sdl), hive: hive(sdl) };
}
process.stdout.write(JSON.stringify(output));
