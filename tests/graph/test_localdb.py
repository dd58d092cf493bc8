"""graph.localdb against a real Java and Neo4j: start, status, durability, stop and the errors.

One server (a free port, a temporary data folder, small memory) is shared by the module, since a
start takes 20-30 s on an idle machine.
"""

from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import uuid
from collections.abc import Iterator
from pathlib import Path

import neo4j
import pytest

from graph import localdb
from graph.localdb import launcher
from graph.localdb.error import LocalDbError
from settings import Settings
from tests.servers import free_port

START_TIMEOUT = 600.0  # a busy machine can be several times slower than an idle one


def _settings(data_dir: Path, port: int, *, heap: str = "512m") -> Settings:
    return Settings(neo4j_uri=f"bolt://127.0.0.1:{port}", data_dir=data_dir, neo4j_heap=heap,
                    neo4j_pagecache="64m")


def _pid(settings: Settings) -> int:
    return int((settings.data_dir / "neo4j.pid").read_text())


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return False
    return state != "Z"


def _probes(settings: Settings, marker: str) -> int:
    with neo4j.GraphDatabase.driver(settings.neo4j_uri) as driver:
        records = driver.execute_query(
            "MATCH (p:LocalDbProbe {marker: $marker}) RETURN count(p) AS n", marker=marker).records
    return int(records[0]["n"])


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Settings]:
    settings = _settings(tmp_path_factory.mktemp("localdb"), free_port())
    message = localdb.start(settings, timeout=START_TIMEOUT)
    assert message.startswith("started local Neo4j"), message
    try:
        yield settings
    finally:
        localdb.stop(settings)


def test_status_reports_a_running_server(server: Settings) -> None:
    pid = _pid(server)
    assert _alive(pid)
    text = localdb.status(server)
    assert text.splitlines()[0].startswith("local Neo4j: running (Neo4j Kernel 5.")
    assert f"pid:   {pid}" in text
    assert f"bolt:  {server.neo4j_uri}" in text
    assert f"data:  {server.data_dir / 'neo4j'}" in text
    assert f"log:   {server.data_dir / 'neo4j.log'}" in text
    assert localdb.is_running(server)
    assert (server.data_dir / "neo4j" / "data" / "databases" / "neo4j").is_dir()
    assert "tunegraph-localdb: ready on" in (server.data_dir / "neo4j.log").read_text()


def test_transaction_logs_are_kept_only_to_a_bound(server: Settings) -> None:
    with neo4j.GraphDatabase.driver(server.neo4j_uri) as driver:
        records, _, _ = driver.execute_query(
            "SHOW SETTINGS YIELD name, value WHERE name = 'db.tx_log.rotation.retention_policy' RETURN value")
    assert [r["value"] for r in records] == ["256M size"]  # Neo4j's default keeps 2 days: 50 GB at 10M tracks


def test_start_and_ensure_started_leave_a_running_server_alone(server: Settings) -> None:
    pid = _pid(server)
    assert localdb.start(server) == (
        f"local Neo4j is already running (pid {pid}) on {server.neo4j_uri}")
    assert localdb.ensure_started(server) is False
    assert _pid(server) == pid


def test_a_graph_survives_stop_and_start(server: Settings) -> None:
    marker = uuid.uuid4().hex
    with neo4j.GraphDatabase.driver(server.neo4j_uri) as driver:
        driver.execute_query("CREATE (:LocalDbProbe {marker: $marker})", marker=marker)
    pid = _pid(server)

    message = localdb.stop(server)
    assert message.startswith(f"stopped local Neo4j (pid {pid}, {server.neo4j_uri}) in ")
    assert "clean-shutdown" not in message  # the log has "stopped cleanly"
    assert not _alive(pid)
    assert not (server.data_dir / "neo4j.pid").exists()
    assert not localdb.is_running(server)
    with pytest.raises(LocalDbError, match=r"^local Neo4j is not running "):
        localdb.status(server)

    assert localdb.ensure_started(server, timeout=START_TIMEOUT) is True
    assert _pid(server) != pid
    assert _probes(server, marker) == 1


def test_a_port_taken_by_another_process_is_named(tmp_path: Path) -> None:
    with socket.socket() as squatter:
        squatter.bind(("127.0.0.1", 0))
        squatter.listen()
        port = squatter.getsockname()[1]
        settings = _settings(tmp_path, port)
        expected = (f"port {port} is in use by another process; stop it or set NEO4J_URI to"
                    " bolt://127.0.0.1:<free port>")
        with pytest.raises(LocalDbError) as raised:
            localdb.start(settings)
        assert str(raised.value) == expected
        with pytest.raises(LocalDbError, match="is in use by another process"):
            localdb.ensure_started(settings)  # not Bolt: ensure_started does not settle for it
    assert not (tmp_path / "neo4j.pid").exists()
    assert not (tmp_path / "neo4j").exists()


def test_another_neo4j_on_the_port(server: Settings, tmp_path: Path) -> None:
    other = Settings(neo4j_uri=server.neo4j_uri, data_dir=tmp_path)  # same port, own data
    with pytest.raises(LocalDbError, match=r"^port \d+ is in use by another process"):
        localdb.start(other)
    assert localdb.ensure_started(other) is False  # a Neo4j answers there: nothing to start
    assert not (tmp_path / "neo4j.pid").exists()
    with pytest.raises(LocalDbError, match=re.escape("note: another process answers on 127.0.0.1")):
        localdb.status(other)


def test_a_remote_neo4j_uri_is_refused(tmp_path: Path) -> None:
    settings = Settings(neo4j_uri="neo4j://db.example.com:7687", data_dir=tmp_path / "data")
    for action in (localdb.start, localdb.stop):
        with pytest.raises(LocalDbError, match=re.escape("NEO4J_URI=neo4j://db.example.com:7687")) as raised:
            action(settings)
        assert "local Neo4j" in str(raised.value)
        assert "not used" in str(raised.value)
    assert localdb.status(settings).startswith(
        "the local Neo4j is not used: NEO4J_URI=neo4j://db.example.com:7687")
    assert localdb.ensure_started(settings) is False
    assert not (tmp_path / "data").exists()


def test_stop_and_status_when_not_running(tmp_path: Path) -> None:
    settings = _settings(tmp_path, free_port())
    assert localdb.stop(settings) == f"local Neo4j is not running (data {tmp_path / 'neo4j'})"
    with pytest.raises(LocalDbError, match=r"^local Neo4j is not running .*tunegraph db start"):
        localdb.status(settings)


def test_a_stale_pid_file_is_handled(tmp_path: Path) -> None:
    settings = _settings(tmp_path, free_port())
    gone = subprocess.run(["sh", "-c", "echo $$"], capture_output=True, text=True, check=True)
    pid_file = tmp_path / "neo4j.pid"
    pid_file.write_text(gone.stdout)
    with pytest.raises(LocalDbError, match=re.escape("not running (its pid file is stale)")):
        localdb.status(settings)
    assert pid_file.exists()  # status only looks
    assert localdb.stop(settings).startswith("local Neo4j is not running")
    assert not pid_file.exists()


def test_a_pid_reused_by_another_process_is_not_signalled(tmp_path: Path) -> None:
    settings = _settings(tmp_path, free_port())
    with subprocess.Popen(["sleep", "60"]) as other:
        try:
            (tmp_path / "neo4j.pid").write_text(f"{other.pid}\n")
            assert not localdb.is_running(settings)
            assert localdb.stop(settings).startswith("local Neo4j is not running")
            assert other.poll() is None
        finally:
            other.kill()


def test_a_server_that_dies_during_start_up_shows_its_log(tmp_path: Path) -> None:
    settings = _settings(tmp_path, free_port(), heap="999999g")
    with pytest.raises(LocalDbError, match="exited during start-up") as raised:
        localdb.start(settings)
    message = str(raised.value)
    assert f"last lines of {tmp_path / 'neo4j.log'}:" in message
    assert "Could not reserve enough space" in message
    assert not (tmp_path / "neo4j.pid").exists()


def test_a_start_that_times_out_leaves_the_server_to_stop(tmp_path: Path) -> None:
    settings = _settings(tmp_path, free_port())
    with pytest.raises(LocalDbError, match=r"did not answer on .* within 0 s .*left running"):
        localdb.start(settings, timeout=0.2)
    pid = _pid(settings)
    try:
        assert _alive(pid)
        assert localdb.is_running(settings)
    finally:
        assert localdb.stop(settings, timeout=START_TIMEOUT).startswith(
            f"stopped local Neo4j (pid {pid}")
    assert not _alive(pid)


def test_memory_sizes_are_checked(tmp_path: Path) -> None:
    settings = _settings(tmp_path, free_port(), heap="lots")
    with pytest.raises(LocalDbError, match="TUNEGRAPH_NEO4J_HEAP must be a size like 512m"):
        localdb.start(settings)


def test_missing_java_names_the_package(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    empty = tmp_path / "bin"
    empty.mkdir()
    monkeypatch.setenv("PATH", str(empty))
    monkeypatch.delenv("JAVA_HOME", raising=False)
    with pytest.raises(LocalDbError) as raised:
        localdb.start(_settings(tmp_path / "data", free_port()))
    assert str(raised.value) == (
        "Java not found (`java` is not on PATH): install a Java 17+ runtime,"
        " e.g. apt-get install openjdk-17-jre-headless")


def test_java_older_than_17_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    old_home = tmp_path / "jdk11"
    (old_home / "bin").mkdir(parents=True)
    java = old_home / "bin" / "java"  # a stand-in that answers like a Java 11 runtime
    java.write_text('#!/bin/sh\necho \'openjdk version "11.0.22" 2024-01-16\' >&2\n')
    java.chmod(0o755)
    monkeypatch.setenv("JAVA_HOME", str(old_home))
    with pytest.raises(LocalDbError, match="^" + re.escape(f"{java} is Java 11, Neo4j 5 needs Java 17 or newer")):
        localdb.start(_settings(tmp_path / "data", free_port()))


def test_jars_are_fetched_once(
    server: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert launcher.fetch_jars() is False  # the marker of the first start is there
    jvm = tmp_path / "jvm"
    jvm.mkdir()
    shutil.copy(launcher.JVM_DIR / "pom.xml", jvm / "pom.xml")
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    monkeypatch.setenv("PATH", f"{bin_dir}{os.pathsep}/usr/sbin:/sbin")
    assert shutil.which("mvn") is None
    with pytest.raises(LocalDbError, match=r"Maven .*apt-get install maven"):
        launcher.fetch_jars(jvm)


def test_a_live_process_is_waited_for_until_it_exits(tmp_path: Path) -> None:
    # A process not yet showing the Launcher's command line (as on a loaded machine, just spawned)
    # is still starting; only its exit means it died during start-up.
    from graph.localdb.layout import Layout
    from graph.localdb.server import _DiedError, _wait_ready

    layout = Layout(tmp_path, tmp_path / "neo4j", tmp_path / "neo4j.log", tmp_path / "neo4j.pid",
                    tmp_path / "lock", ("127.0.0.1", free_port()))
    starting = subprocess.Popen(["sleep", "30"])
    try:
        with pytest.raises(LocalDbError, match="did not answer") as waited:
            _wait_ready(starting.pid, *layout.bolt, layout, timeout=0.5, offset=0)
        assert not isinstance(waited.value, _DiedError)
    finally:
        starting.kill()
        starting.wait()
    with pytest.raises(_DiedError, match="exited during start-up"):
        _wait_ready(starting.pid, *layout.bolt, layout, timeout=5, offset=0)
