"""Rover `supergraph.yaml` loading (files relative to the YAML, `subgraph_url` introspection over a
real HTTP server) and the `charter compose` command end to end."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from charter.cli import main as charter
from gateway.composition import SubgraphInput, load_config
from gateway.composition.config import ConfigError

from .corpus import CORPUS
from .normalize import normalize

REVIEWS_SDL = (CORPUS / "bench-fed1" / "reviews.graphql").read_text()


class _ServiceHandler(BaseHTTPRequestHandler):
    """A subgraph that answers only the federation `_service { sdl }` query."""

    def do_POST(self) -> None:
        body = json.loads(self.rfile.read(int(self.headers["content-length"])))
        self.server.queries.append(body["query"])  # type: ignore[attr-defined]
        payload = (
            {"data": {"_service": {"sdl": REVIEWS_SDL}}}
            if "_service" in body["query"]
            else {"errors": [{"message": "no"}]}
        )
        data = json.dumps(payload).encode()
        self.send_response(200)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def subgraph_server() -> Iterator[tuple[str, list[str]]]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _ServiceHandler)
    server.queries = []  # type: ignore[attr-defined]
    thread = threading.Thread(
        target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
    )
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/graphql", server.queries  # type: ignore[attr-defined]
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)


def _write_config(tmp_path: Path, reviews_url: str) -> Path:
    sub = tmp_path / "sdl"
    sub.mkdir()
    for name in ("accounts", "products", "inventory"):
        (sub / f"{name}.graphql").write_text(
            (CORPUS / "bench-fed1" / f"{name}.graphql").read_text()
        )
    lines = ["federation_version: =2.5.0", "subgraphs:"]
    for name in ("accounts", "products", "inventory"):
        lines += [
            f"  {name}:",
            f"    routing_url: http://127.0.0.1:4200/{name}",
            "    schema:",
            f"      file: ./sdl/{name}.graphql",
        ]
    lines += [
        "  reviews:",
        "    routing_url: http://127.0.0.1:4200/reviews",
        "    schema:",
        f"      subgraph_url: {reviews_url}",
    ]
    config = tmp_path / "supergraph.yaml"
    config.write_text("\n".join(lines) + "\n")
    return config


def test_files_are_relative_to_the_yaml_and_urls_are_introspected(
    tmp_path: Path, subgraph_server: tuple[str, list[str]]
) -> None:
    url, queries = subgraph_server
    subgraphs = load_config(_write_config(tmp_path, url))
    assert [s.name for s in subgraphs] == ["accounts", "products", "inventory", "reviews"]
    reviews = subgraphs[-1]
    assert reviews == SubgraphInput("reviews", "http://127.0.0.1:4200/reviews", REVIEWS_SDL)
    assert len(queries) == 1 and "_service" in queries[0] and "sdl" in queries[0]


def test_charter_compose_writes_the_supergraph(
    tmp_path: Path, subgraph_server: tuple[str, list[str]]
) -> None:
    config = _write_config(tmp_path, subgraph_server[0])
    out = tmp_path / "out" / "supergraph.graphql"
    assert charter(["compose", "--config", str(config), "-o", str(out)]) == 0
    expected = (CORPUS / "bench-fed1" / "apollo.graphql").read_text()
    assert normalize(out.read_text()) == normalize(expected)


def test_charter_compose_prints_to_stdout(capsys: pytest.CaptureFixture[str]) -> None:
    assert charter(["compose", "--config", str(CORPUS / "entities-basic" / "supergraph.yaml")]) == 0
    printed = capsys.readouterr().out
    assert printed.startswith("schema\n")
    assert '@join__type(graph: B, key: "id")' in printed


def test_charter_compose_reports_errors_and_fails(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    out = tmp_path / "never.graphql"
    code = charter(
        [
            "compose",
            "--config",
            str(CORPUS / "error-external-missing-on-base" / "supergraph.yaml"),
            "-o",
            str(out),
        ]
    )
    assert code == 1
    assert not out.exists()
    err = capsys.readouterr().err.strip().splitlines()
    assert err == [
        'EXTERNAL_MISSING_ON_BASE [b] T.weight: Field "T.weight" is marked @external on all the '
        'subgraphs in which it is listed (subgraph "b").'
    ]


@pytest.mark.parametrize(
    "content",
    [
        "subgraphs: [1, 2]",
        "nothing: here",
        "subgraphs:\n  a:\n    routing_url: http://a\n",
        "subgraphs:\n  a:\n    schema:\n      file: ./missing.graphql\n",
        ": : :",
    ],
)
def test_bad_configs_are_config_errors(
    tmp_path: Path, content: str, capsys: pytest.CaptureFixture[str]
) -> None:
    config = tmp_path / "supergraph.yaml"
    config.write_text(content)
    with pytest.raises(ConfigError):
        load_config(config)
    assert charter(["compose", "--config", str(config)]) == 1
    assert capsys.readouterr().err.startswith("CONFIG_ERROR: ")


def test_unreachable_subgraph_url_is_a_config_error(tmp_path: Path) -> None:
    config = tmp_path / "supergraph.yaml"
    config.write_text(
        "subgraphs:\n  a:\n    routing_url: http://a\n    schema:\n      subgraph_url: http://127.0.0.1:9/graphql\n"
    )
    with pytest.raises(ConfigError, match="cannot introspect"):
        load_config(config)
