"""Small pure pieces: who the actor is, subject tokens, settings from the environment."""

from __future__ import annotations

import base64
import json

import pytest

from subgraphs.events import contract
from subgraphs.events.actor import actor_from_headers
from subgraphs.events.config import from_env


def _b64(obj: object) -> str:
    return base64.urlsafe_b64encode(json.dumps(obj).encode()).decode().rstrip("=")


def test_actor_sources_in_order() -> None:
    assert actor_from_headers(None) == "anonymous"
    assert actor_from_headers({}) == "anonymous"
    assert actor_from_headers({"x-charter-subject": " alice ", "authorization": f"Bearer a.{_b64({'sub': 'bob'})}.c"}) == "alice"
    assert actor_from_headers({"x-charter-claims": json.dumps({"sub": "carol", "scope": "x"})}) == "carol"
    assert actor_from_headers({"x-charter-claims": _b64({"sub": "dan"})}) == "dan"
    assert actor_from_headers({"authorization": f"Bearer a.{_b64({'sub': 'erin'})}.c"}) == "erin"
    assert actor_from_headers({"authorization": "Bearer not-a-jwt"}) == "anonymous"
    assert actor_from_headers({"authorization": f"Bearer a.{_b64(['sub'])}.c"}) == "anonymous"
    assert actor_from_headers({"x-charter-claims": "{broken"}) == "anonymous"
    assert actor_from_headers({"x-charter-subject": "a\x00b\nc"}) == "abc"  # no control characters in the audit
    assert len(actor_from_headers({"x-charter-subject": "x" * 1000})) == 200


def test_subject_tokens_cannot_split_or_widen_a_subject() -> None:
    assert contract.token("PRJ-AMS-001") == "prj-ams-001"
    assert contract.token("a.b*c>d e") == "a_b_c_d_e"
    with pytest.raises(ValueError):
        contract.token("")
    event = contract.metric_recorded("prj.x", "ams", "PROGRESS", 0.5, contract.now())
    assert event.subject == "covenant.metric.ams.prj_x" and event.payload["projectId"] == "prj.x"


def test_settings_from_the_environment() -> None:
    env = {
        "CHARTER_NATS_URL": "nats://a:1, nats://b:2",
        "CHARTER_STREAM_MAX_AGE_S": "3600",
        "CHARTER_STREAM_AUDIT_MAX_AGE_S": "7200",
        "CHARTER_STREAM_REPLICAS": "3",
        "CHARTER_STREAM_DUPLICATE_WINDOW_S": "60",
        "CHARTER_STREAM_RETENTION": "INTEREST",
        "CHARTER_RELAY_POLL_S": "2",
    }
    s = from_env(env)
    assert s.nats_urls == ("nats://a:1", "nats://b:2") and s.relay_poll_s == 2
    by_name = {x.name: x for x in s.streams}
    assert by_name["COVENANT"].max_age_s == 3600 and by_name["AUDIT"].max_age_s == 7200
    assert {x.replicas for x in s.streams} == {3} and {x.retention for x in s.streams} == {"interest"}
    with pytest.raises(ValueError, match="retention"):
        from_env({"CHARTER_STREAM_RETENTION": "forever"})


def test_charter_events_refuses_bad_arguments(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    from charter.cli import main

    monkeypatch.delenv("DATABASE_URL", raising=False)
    assert main(["events"]) == 2
    assert "DATABASE_URL" in capsys.readouterr().err
    monkeypatch.setenv("DATABASE_URL", "postgresql://postgres@127.0.0.1:1/charter")
    assert main(["events", "--only", "relay,bogus"]) == 2
    assert "bogus" in capsys.readouterr().err
