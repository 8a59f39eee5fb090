"""JSON log lines: trace and span ids while a span is current, the request id, and no secret
ever written (Authorization values, bearer tokens, JWTs, DSN passwords, token= pairs)."""

from __future__ import annotations

import io
import logging
from collections.abc import Iterator

import orjson
import pytest
from graphql import GraphQLError
from opentelemetry.sdk.trace import TracerProvider

from gateway import logs
from subgraphs.common.error_log import log_errors

JWT = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJhZGEifQ.c2lnbmF0dXJlLXRoYXQtbXVzdC1ub3QtbGVhaw"


@pytest.fixture
def captured() -> Iterator[io.StringIO]:
    out = io.StringIO()
    handler = logging.StreamHandler(out)
    handler.setFormatter(logs.JsonFormatter())
    logger = logging.getLogger("charter.test.logs")
    logger.handlers[:] = [handler]
    logger.propagate = False
    logger.setLevel(logging.DEBUG)
    errors = logging.getLogger("charter.subgraph.errors")
    saved = (errors.handlers[:], errors.propagate)
    errors.handlers[:] = [handler]
    errors.propagate = False
    yield out
    logger.handlers[:] = []
    errors.handlers[:], errors.propagate = saved


def _lines(out: io.StringIO) -> list[dict[str, object]]:
    return [orjson.loads(line) for line in out.getvalue().splitlines()]


def test_lines_carry_the_current_spans_ids() -> None:
    out = io.StringIO()
    handler = logging.StreamHandler(out)
    handler.setFormatter(logs.JsonFormatter())
    logger = logging.getLogger("charter.test.spans")
    logger.handlers[:] = [handler]
    logger.propagate = False
    tracer = TracerProvider().get_tracer("test")  # a local provider: the process's stays unset
    logger.warning("outside")
    with tracer.start_as_current_span("inside") as span:
        logger.warning("inside")
        context = span.get_span_context()
    outside, inside = _lines(out)
    assert "trace_id" not in outside and "span_id" not in outside
    assert inside["trace_id"] == format(context.trace_id, "032x")
    assert inside["span_id"] == format(context.span_id, "016x")


async def test_lines_carry_the_request_id(captured: io.StringIO) -> None:
    log = logging.getLogger("charter.test.logs")
    seen: list[str | None] = []

    async def app(scope: dict[str, object], receive: object, send: object) -> None:
        log.info("first")
        log.info("second")
        seen.append(logs.current_request_id())

    wrapped = logs.RequestContext(app)
    await wrapped({"type": "http", "headers": [(b"x-request-id", b"client-abc-123")]}, None, None)
    await wrapped({"type": "http", "headers": [(b"x-request-id", b"bad id\nwith newline")]}, None, None)
    await wrapped({"type": "http", "headers": []}, None, None)
    log.info("between requests")
    lines = _lines(captured)
    assert [line["request_id"] for line in lines[:2]] == ["client-abc-123", "client-abc-123"]
    made = lines[2]["request_id"]
    assert made != "bad id\nwith newline" and lines[3]["request_id"] == made  # one id per request
    assert lines[4]["request_id"] not in (made, "client-abc-123")
    assert "request_id" not in lines[6]
    assert seen[0] == "client-abc-123"


@pytest.mark.parametrize(
    "message, secret",
    [
        (f"forwarding headers {{'authorization': 'Bearer {JWT}', 'accept': 'json'}}", JWT),
        ("Authorization: Basic YWRhOnMzY3IzdA==", "YWRhOnMzY3IzdA=="),
        (f"token {JWT} refused", JWT),
        ("cannot connect to postgresql+asyncpg://charter:hunter2pass@db:5432/charter", "hunter2pass"),
        ("dsn host=db user=charter password=hunter2pass dbname=charter", "hunter2pass"),
        ("GET /callback?code=1&access_token=tok_live_42&x=1", "tok_live_42"),
        ('{"client_secret": "s3cr3t-value"}', "s3cr3t-value"),
        ("cookie: session=abcdef0123456789", "abcdef0123456789"),
    ],
)
def test_secrets_never_reach_a_line(captured: io.StringIO, message: str, secret: str) -> None:
    log = logging.getLogger("charter.test.logs")
    log.warning(message)
    try:
        raise ConnectionError(f"while sending {message}")
    except ConnectionError:
        log.exception("failed")
    text = captured.getvalue()
    assert secret not in text
    assert logs.REDACTED in text
    line = _lines(captured)[0]
    assert line["msg"] != message  # changed, and only where the secret was
    assert str(line["msg"]).count(logs.REDACTED) >= 1


def test_harmless_text_is_left_alone(captured: io.StringIO) -> None:
    log = logging.getLogger("charter.test.logs")
    text = "serving schema 3f2a with 3 subgraphs at http://127.0.0.1:4100/graphql (tokens: 0 issued)"
    log.info(text)
    assert _lines(captured)[0]["msg"] == text


def test_a_user_error_is_one_short_line_an_unexpected_one_has_its_traceback(captured: io.StringIO) -> None:
    user = GraphQLError("`first` must be between 0 and 100", path=["projects"], extensions={"code": "BAD_USER_INPUT"})
    try:
        raise ZeroDivisionError("division by zero")
    except ZeroDivisionError as exc:
        bug = GraphQLError("division by zero", path=["nation", "stats"], original_error=exc)
    log_errors([user, bug])
    lines = _lines(captured)
    assert len(captured.getvalue().splitlines()) == 2
    first, second = lines
    assert first["level"] == "warning" and "exc" not in first
    assert "BAD_USER_INPUT" in str(first["msg"]) and "projects" in str(first["msg"])
    assert second["level"] == "error" and "ZeroDivisionError" in str(second["exc"])
