"""The GraphiQL explorer, served from npm packages installed at set-up time (no CDN: works offline).

`make setup` installs `graphiql`, `react` and `react-dom` into tools/node/node_modules; the gateway
serves four files from there. CHARTER_NODE_MODULES points elsewhere when installed differently.
"""

from __future__ import annotations

import os
from pathlib import Path

ASSETS = {
    "react.js": ("react", "umd/react.production.min.js"),
    "react-dom.js": ("react-dom", "umd/react-dom.production.min.js"),
    "graphiql.js": ("graphiql", "graphiql.min.js"),
    "graphiql.css": ("graphiql", "graphiql.min.css"),
}


def node_modules() -> Path | None:
    env = os.environ.get("CHARTER_NODE_MODULES")
    if env:
        return Path(env)
    here = Path(__file__).resolve()
    for parent in [*here.parents, Path.cwd()]:
        candidate = parent / "tools" / "node" / "node_modules"
        if (candidate / "graphiql").is_dir():
            return candidate
    return None


def asset_path(name: str) -> Path | None:
    spec = ASSETS.get(name)
    root = node_modules()
    if spec is None or root is None:
        return None
    path = root / spec[0] / spec[1]
    return path if path.is_file() else None


def page(endpoint: str, assets_prefix: str) -> str:
    if asset_path("graphiql.js") is None:
        return _MISSING.format(endpoint=endpoint)
    return _PAGE.format(endpoint=endpoint, prefix=assets_prefix)


_PAGE = """<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <title>Charter GraphiQL</title>
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <link rel="stylesheet" href="{prefix}/graphiql.css">
  <style>html, body, #graphiql {{ height: 100%; margin: 0; }}</style>
</head>
<body>
  <div id="graphiql">Loading the explorer…</div>
  <script src="{prefix}/react.js"></script>
  <script src="{prefix}/react-dom.js"></script>
  <script src="{prefix}/graphiql.js"></script>
  <script>
    const fetcher = GraphiQL.createFetcher({{ url: new URL("{endpoint}", window.location.href).href }});
    ReactDOM.createRoot(document.getElementById("graphiql")).render(
      React.createElement(GraphiQL, {{ fetcher, defaultEditorToolsVisibility: true }})
    );
  </script>
</body>
</html>
"""

_MISSING = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Charter gateway</title></head>
<body><h1>GraphiQL is not installed</h1>
<p>The explorer's assets come from npm at set-up time. Run <code>make setup</code> (or
<code>npm ci</code> in <code>tools/node</code>), or set <code>CHARTER_NODE_MODULES</code>.
The GraphQL endpoint is <code>{endpoint}</code> and works without it.</p></body></html>
"""
