// Which supergraphs a peer gateway script serves: one file (served at /graphql), or a directory of
// <scenario>.graphql files (each served at /<scenario>/graphql), so one process covers the corpus.
import fs from "node:fs";
import path from "node:path";

export function supergraphFiles(target) {
  if (fs.statSync(target).isDirectory()) {
    return fs
      .readdirSync(target)
      .filter((f) => f.endsWith(".graphql"))
      .sort()
      .map((f) => ({ prefix: `/${path.basename(f, ".graphql")}`, sdl: fs.readFileSync(path.join(target, f), "utf8") }));
  }
  return [{ prefix: "", sdl: fs.readFileSync(target, "utf8") }];
}

// The served entry whose prefix starts the request path, and the path below it.
export function route(entries, url) {
  const pathname = new URL(url, "http://local").pathname;
  for (const entry of entries) {
    if (entry.prefix === "" || pathname === entry.prefix || pathname.startsWith(entry.prefix + "/")) {
      return { entry, rest: pathname.slice(entry.prefix.length) || "/" };
    }
  }
  return null;
}
