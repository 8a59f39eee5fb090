"""A subgraph that answers whatever the fuzzer tells it to, over real HTTP.

Two services share one threaded HTTP server: `/catalog` owns `Query.items` and `Item.name`,
`/pricing` extends `Item` (so the gateway calls it with `_entities`). Each path answers the
`Answer` last set for it: any status, headers and bytes (malformed, huge, invalid UTF-8...).
The server runs in a thread of its own, so a gateway in another process can call it while the
fuzzer (synchronous hypothesis) waits on the gateway.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from gateway.composition import SubgraphInput, compose

CATALOG_SDL = """
extend schema @link(url: "https://specs.apollo.dev/federation/v2.5", import: ["@key"])
type Query { items(first: Int): [Item!]! item(id: ID!): Item }
type Item @key(fields: "id") { id: ID! name: String! count: Int }
"""
PRICING_SDL = """
extend schema @link(url: "https://specs.apollo.dev/federation/v2.5", import: ["@key"])
type Item @key(fields: "id") { id: ID! price: Float tags: [String!] child: Child }
type Child { label: String! depth: Int! next: Child }
"""
QUERY = "{ items(first: 3) { id name count price tags child { label depth next { label next { label depth } } } } }"


@dataclass
class Answer:
    body: bytes = b'{"data": null}'
    status: int = 200
    headers: dict[str, str] = field(default_factory=lambda: {"content-type": "application/json"})


class FuzzSubgraphs:
    def __init__(self) -> None:
        self.answers: dict[str, Answer] = {"/catalog": Answer(), "/pricing": Answer()}
        self.hits: dict[str, int] = {"/catalog": 0, "/pricing": 0}
        owner = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self) -> None:
                length = int(self.headers.get("content-length") or 0)
                self.rfile.read(length)
                answer = owner.answers.get(self.path) or Answer(b"not found", 404, {"content-type": "text/plain"})
                owner.hits[self.path] = owner.hits.get(self.path, 0) + 1
                self.send_response(answer.status)
                for name, value in answer.headers.items():
                    self.send_header(name, value)
                self.send_header("content-length", str(len(answer.body)))
                self.end_headers()
                self.wfile.write(answer.body)

            def log_message(self, *_: object) -> None:
                pass  # thousands of requests: no access log

        class Server(ThreadingHTTPServer):
            def handle_error(self, request: object, client_address: object) -> None:
                pass  # the gateway hanging up on an answer it refuses is expected, not news

        self._server = Server(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self.port = self._server.server_address[1]
        self._thread = threading.Thread(target=self._server.serve_forever, name="fuzz-subgraphs", daemon=True)

    def __enter__(self) -> FuzzSubgraphs:
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=10)

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def write_supergraph(self, path: Path) -> Path:
        return write_supergraph(self.url(""), path)


def write_supergraph(base_url: str, path: Path) -> Path:
    """The supergraph of `catalog` and `pricing` served under `base_url`/catalog and /pricing."""
    result = compose([
        SubgraphInput("catalog", base_url + "/catalog", CATALOG_SDL),
        SubgraphInput("pricing", base_url + "/pricing", PRICING_SDL),
    ])
    assert result.ok and result.supergraph_sdl, result
    path.write_text(result.supergraph_sdl)
    return path
