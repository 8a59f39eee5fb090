"""The embedded Cassandra's set-up, without starting it: the generated node files, and what a
machine without Java or Maven is told."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
import yaml

from infra import cassandra
from infra.cassandra import CassandraNode, CassandraUnavailable


def test_each_node_has_its_own_data_centre_address_and_files(tmp_path: Path) -> None:
    if shutil.which("java") is None:
        pytest.skip("needs java for the command line")
    lib = tmp_path / "lib"
    lib.mkdir()
    (lib / "jamm-0.4.0.jar").write_bytes(b"")
    seeds = "127.9.9.1:7100,127.9.9.2:7100,127.9.9.3:7100"
    for i, dc in enumerate(("emea", "apac", "americas"), start=1):
        node = CassandraNode(dc, f"127.9.9.{i}", i * 1000, tmp_path / dc)
        argv = node.write_files(lib, "charter", seeds, 7100, 9142)
        conf = yaml.safe_load((tmp_path / dc / "conf" / "cassandra.yaml").read_text())
        assert conf["endpoint_snitch"] == "GossipingPropertyFileSnitch"
        assert conf["listen_address"] == conf["rpc_address"] == f"127.9.9.{i}"
        assert (conf["storage_port"], conf["native_transport_port"]) == (7100, 9142)
        assert conf["seed_provider"][0]["parameters"][0]["seeds"] == seeds
        assert conf["data_file_directories"] == [str(tmp_path / dc / "data")]
        assert (tmp_path / dc / "conf" / "cassandra-rackdc.properties").read_text().startswith(f"dc={dc}\n")
        assert argv[-1] == "org.apache.cassandra.service.CassandraDaemon"
        assert "-Dcassandra-foreground=yes" in argv and "-Xmx512m" in argv
        assert f"-Dcassandra.config=file://{tmp_path / dc / 'conf' / 'cassandra.yaml'}" in argv
        assert not any("jmxremote.port" in a or "jmx.local.port" in a for a in argv)  # no JMX port to collide on


def test_without_java_the_message_says_how_to_get_it(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))
    monkeypatch.delenv("JAVA_HOME", raising=False)
    with pytest.raises(CassandraUnavailable, match="Java 17 and Maven"):
        cassandra.find_java()


async def test_without_maven_and_no_cached_jars_the_message_says_how(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    java = shutil.which("java")
    if java is None:
        pytest.skip("covered by the no-Java case")
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    os.symlink(java, bin_dir / "java")
    monkeypatch.setenv("PATH", str(bin_dir))
    monkeypatch.setenv("CHARTER_CASSANDRA_CACHE", str(tmp_path / "cache"))
    assert not cassandra.jars_ready()
    with pytest.raises(CassandraUnavailable, match="no `mvn` on PATH"):
        await cassandra.ensure_jars()


def test_jars_are_cached_outside_the_repository() -> None:
    root = Path(__file__).resolve().parents[2]
    assert not cassandra.cache_dir().resolve().is_relative_to(root)
    assert cassandra.cache_dir().name == cassandra.cassandra_version()
    assert cassandra.cassandra_version().startswith("5.0.")
