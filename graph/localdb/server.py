"""Start, stop and report on the local Neo4j server process (see the package docstring)."""

from __future__ import annotations

import contextlib
import os
import re
import shlex
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from graph.localdb.atomic_files import write_atomic
from graph.localdb.bolt_probe import bolt_error, check_port_free, port_answers, query_version
from graph.localdb.error import LocalDbError
from graph.localdb.launcher import LaunchPlan, adopt_archive, fetch_jars, find_java, plan_launch
from graph.localdb.layout import Layout, locked, log_size, read_log, tail
from settings import Settings

START_TIMEOUT = 120.0
STOP_TIMEOUT = 120.0

_READY_POLL = 0.25
_SIZE = re.compile(r"^[1-9][0-9]*[kmgt]?$", re.IGNORECASE)
_JVM_FLAGS = (
    # The flags Neo4j's own launcher uses (minus diagnostics): predictable GC, full stack traces,
    # and the module openings that let the page cache and Netty use direct buffers natively.
    "-XX:+UseG1GC",
    "-XX:-OmitStackTraceInFastThrow",
    "-XX:+UnlockExperimentalVMOptions",
    "-XX:+TrustFinalNonStaticFields",
    "-XX:+DisableExplicitGC",
    "-Djdk.nio.maxCachedBufferSize=1024",
    "-Dio.netty.tryReflectionSetAccessible=true",
    "-Dlog4j2.disable.jmx=true",
    "-Dfile.encoding=UTF-8",
    "--add-opens=java.base/java.nio=ALL-UNNAMED",
    "--add-opens=java.base/java.io=ALL-UNNAMED",
    "--add-opens=java.base/sun.nio.ch=ALL-UNNAMED",
)
# Started in its own session by a short-lived Python process, so the server is nobody's child:
# it outlives the caller, and no Popen object of ours is left waiting for it.
_SPAWN = """\
import subprocess, sys
with open(sys.argv[1], "ab") as log:
    child = subprocess.Popen(sys.argv[3:], cwd=sys.argv[2], stdin=subprocess.DEVNULL,
                             stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
print(child.pid)
"""


class _DiedError(LocalDbError):
    """The server process exited before it answered."""


@dataclass(frozen=True, slots=True)
class Server:
    pid: int
    host: str
    port: int
    args: tuple[str, ...] = ()

    @property
    def uri(self) -> str:
        return f"bolt://{self.host}:{self.port}"


# ---------------------------------------------------------------- public API


def start(settings: Settings, *, timeout: float = START_TIMEOUT) -> str:
    """Start the local Neo4j of ``settings`` and return once it answers ``RETURN 1`` over Bolt.

    Fetches the jars on first use. Succeeds with a note when it already runs. Raises
    `LocalDbError` when NEO4J_URI is not a local Bolt address, when the port is taken by another
    process, when Java/Maven is missing or Java is older than 17, when the server dies during
    start-up (with the last lines of its log), or when it does not answer within ``timeout``
    seconds (it is then left running, with its pid file, for `stop` or a later look).
    """
    host, port = _local_bolt(settings, "start")
    layout = Layout.of(settings)
    with locked(layout):
        _, message = _start_locked(settings, layout, host, port, timeout)
    return message


def stop(settings: Settings, *, timeout: float = STOP_TIMEOUT) -> str:
    """Shut the local Neo4j down cleanly (SIGTERM, then wait for the process to exit).

    Succeeds with "not running" when it does not run (a stale pid file is removed). Raises
    `LocalDbError` when NEO4J_URI is not a local Bolt address, when the server is still shutting
    down after ``timeout`` seconds, or when its log reports a failed shutdown.
    """
    _local_bolt(settings, "stop")
    layout = Layout.of(settings)
    with locked(layout):
        server = _running_server(layout, remove_stale=True)
        if server is None:
            return f"local Neo4j is not running (data {layout.home})"
        offset = log_size(layout)
        began = time.monotonic()
        with contextlib.suppress(ProcessLookupError):
            os.kill(server.pid, signal.SIGTERM)
        while _is_server(server.pid, layout) is not None:
            if time.monotonic() - began > timeout:
                raise LocalDbError(
                    f"local Neo4j (pid {server.pid}) is still shutting down after {timeout:.0f} s;"
                    f" wait and run `tunegraph db stop` again (see {layout.log_file}); killing it"
                    " would make the next start recover from the transaction log"
                    + tail(layout, offset))
            time.sleep(0.1)
        layout.pid_file.unlink(missing_ok=True)
        log = read_log(layout, offset)
        if "tunegraph-localdb: shutdown failed" in log:
            raise LocalDbError(f"local Neo4j (pid {server.pid}) exited but reported a failed"
                               f" shutdown; the next start will recover from the transaction log"
                               + tail(layout, offset))
        clean = "tunegraph-localdb: stopped cleanly" in log
        took = time.monotonic() - began
        recorded = adopt_archive(server, clean)
        note = recorded if clean else (
            f" (it had not finished starting, or {layout.log_file} lacks the clean-shutdown line;"
            " the next start recovers from the transaction log if needed)")
        return f"stopped local Neo4j (pid {server.pid}, {server.uri}) in {took:.1f} s{note}"


def status(settings: Settings) -> str:
    """Describe the local Neo4j: state, pid, Bolt address, data folder, log file.

    Like ``systemctl status``, a server that does not run is an error: `LocalDbError` ("local
    Neo4j is not running ...") so that ``tunegraph db status`` exits 1. A server that runs but does
    not answer Bolt yet is reported as "starting" (no error). When NEO4J_URI is not a local Bolt
    address the local server is not used: that is said, and is not an error.
    """
    if settings.local_bolt is None:
        return (f"the local Neo4j is not used: NEO4J_URI={settings.neo4j_uri} is not a Bolt"
                " address on this machine (bolt://127.0.0.1:PORT or bolt://localhost:PORT)")
    host, port = settings.local_bolt
    layout = Layout.of(settings)
    server = _running_server(layout, remove_stale=False)
    if server is None:
        stale = " (its pid file is stale)" if layout.pid_file.exists() else ""
        other = (f"; note: another process answers on {host}:{port}"
                 if port_answers(host, port) else "")
        raise LocalDbError(
            f"local Neo4j is not running{stale} (bolt://{host}:{port}, data {layout.home},"
            f" log {layout.log_file}){other}; start it with `tunegraph db start`")
    if not port_answers(server.host, server.port):
        state = "starting (Bolt does not answer yet)"
    else:
        version = query_version(server.uri)
        state = f"running ({version})" if version else "running (Bolt port open, queries fail)"
    lines = [
        f"local Neo4j: {state}",
        f"  pid:   {server.pid}",
        f"  bolt:  {server.uri}",
        f"  data:  {layout.home}",
        f"  log:   {layout.log_file}",
    ]
    if (server.host, server.port) != (host, port):
        lines.append(f"  note:  NEO4J_URI={settings.neo4j_uri} points elsewhere; restart it with"
                     " `tunegraph db stop && tunegraph db start` to move it")
    return "\n".join(lines)


def ensure_started(settings: Settings, *, timeout: float = START_TIMEOUT) -> bool:
    """Make sure a Neo4j answers at ``settings.neo4j_uri``; True when this call started it.

    Returns False without doing anything when NEO4J_URI is not a local Bolt address (a remote
    server is not ours to start), when the local server already runs, or when another Neo4j
    already answers ``RETURN 1`` on that port (e.g. a Neo4j Desktop). Otherwise it starts the
    local server like `start` (and raises the same errors). For ``make run`` and test set-up::

        started = ensure_started(settings)
        try: ...
        finally:
            if started:
                stop(settings)
    """
    if settings.local_bolt is None:
        return False
    host, port = settings.local_bolt
    layout = Layout.of(settings)
    with locked(layout):
        server = _running_server(layout, remove_stale=True)
        if (server is None and port_answers(host, port)
                and bolt_error(f"bolt://{host}:{port}") is None):
            return False
        started, _ = _start_locked(settings, layout, host, port, timeout)
    return started


def is_running(settings: Settings) -> bool:
    """Whether the local server of ``settings.data_dir`` runs (its process; Bolt may not be up)."""
    return _running_server(Layout.of(settings), remove_stale=False) is not None


# ---------------------------------------------------------------- start


def _start_locked(settings: Settings, layout: Layout, host: str, port: int,
                  timeout: float) -> tuple[bool, str]:
    """Start under the data folder lock: (whether a process was launched, message)."""
    uri = f"bolt://{host}:{port}"
    server = _running_server(layout, remove_stale=True)
    if server is not None:
        if (server.host, server.port) != (host, port):
            raise LocalDbError(
                f"the local Neo4j of {layout.data_dir} already runs on {server.uri} (pid"
                f" {server.pid}), not on {uri} of NEO4J_URI; stop it first (`tunegraph db"
                " stop`) or set NEO4J_URI back")
        if not port_answers(host, port):  # launched by someone else, still coming up
            _wait_ready(server.pid, host, port, layout, timeout, log_size(layout))
        return False, f"local Neo4j is already running (pid {server.pid}) on {uri}"
    check_port_free(host, port)
    heap = _size(settings.neo4j_heap, "TUNEGRAPH_NEO4J_HEAP")
    pagecache = _size(settings.neo4j_pagecache, "TUNEGRAPH_NEO4J_PAGECACHE")
    java, java_version = find_java()
    began = time.monotonic()
    fetch_jars()
    plan = plan_launch(java, java_version)
    layout.home.mkdir(parents=True, exist_ok=True)
    while True:
        cmd = [java, f"-Xms{heap}", f"-Xmx{heap}", *_JVM_FLAGS, *plan.cds, *plan.entry,
               str(layout.home), host, str(port), pagecache]
        offset = log_size(layout)
        pid = _spawn(cmd, layout)
        try:
            _wait_ready(pid, host, port, layout, timeout, offset)
            break
        except _DiedError:
            if plan.archive is None or "A fatal error has been detected" not in read_log(
                    layout, offset):
                raise
            # A class-data archive that crashes the JVM: drop it and start without one.
            plan.archive.unlink(missing_ok=True)
            plan = LaunchPlan(plan.entry, [], None)
    return True, "\n".join([
        f"started local Neo4j (pid {pid}) on {uri} in {time.monotonic() - began:.1f} s",
        f"  data:  {layout.home}",
        f"  log:   {layout.log_file}",
        f"  heap {heap}, page cache {pagecache}",
    ])


def _spawn(cmd: list[str], layout: Layout) -> int:
    """Launch ``cmd`` detached, output appended to the log; write and return its pid."""
    with layout.log_file.open("a", encoding="utf-8") as log:
        log.write(f"--- tunegraph db start {datetime.now(UTC):%Y-%m-%d %H:%M:%S} UTC:"
                  f" {shlex.join(cmd)}\n")
    spawned = subprocess.run(
        [sys.executable, "-c", _SPAWN, str(layout.log_file), str(layout.data_dir), *cmd],
        capture_output=True, text=True, check=False)
    if spawned.returncode != 0:
        reason = (spawned.stderr.strip().splitlines() or ["no output"])[-1]
        raise LocalDbError(f"could not launch {cmd[0]}: {reason}")
    pid = int(spawned.stdout.strip())
    write_atomic(layout.pid_file, f"{pid}\n")
    return pid


def _wait_ready(pid: int, host: str, port: int, layout: Layout, timeout: float,
                offset: int) -> None:
    """Poll until Bolt answers RETURN 1; raise when the process dies or the time is up."""
    uri = f"bolt://{host}:{port}"
    deadline = time.monotonic() + timeout
    problem = "the Bolt port is not open yet"
    while True:
        # Only an exit counts: on a loaded machine /proc may not show the Launcher's command line yet.
        if _is_server(pid, layout) is None and _exited(pid):
            layout.pid_file.unlink(missing_ok=True)
            raise _DiedError(f"local Neo4j (pid {pid}) exited during start-up"
                             + tail(layout, offset))
        if port_answers(host, port):
            error = bolt_error(uri)
            if error is None:
                return
            problem = f"Bolt answers but RETURN 1 fails: {error}"
        if time.monotonic() > deadline:
            raise LocalDbError(
                f"local Neo4j (pid {pid}) did not answer on {uri} within {timeout:.0f} s"
                f" ({problem}); it is left running: check {layout.log_file}, then"
                " `tunegraph db status` or `tunegraph db stop`" + tail(layout, offset))
        time.sleep(_READY_POLL)


def _size(value: str, variable: str) -> str:
    text = value.strip()
    if not _SIZE.match(text):
        raise LocalDbError(f"{variable} must be a size like 512m or 4g, got {value!r}")
    return text.lower()


# ---------------------------------------------------------------- processes and ports


def _running_server(layout: Layout, *, remove_stale: bool) -> Server | None:
    """The server named by the pid file if that process is alive and is our Launcher."""
    try:
        pid = int(layout.pid_file.read_text().strip())
    except (OSError, ValueError):
        pid = 0
    server = _is_server(pid, layout) if pid > 0 else None
    if server is None and remove_stale:
        layout.pid_file.unlink(missing_ok=True)
    return server


def _state(pid: int) -> str:
    """``gone`` (or a zombie), ``foreign`` (another user's), ``unseen`` (no /proc to look in) or ``alive``."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return "gone"
    except PermissionError:
        return "foreign"
    try:
        stat = (Path("/proc") / str(pid) / "stat").read_text()
    except FileNotFoundError:
        return "gone"  # exited meanwhile
    except OSError:
        return "unseen"
    return "gone" if stat.rsplit(")", 1)[-1].split()[:1] == ["Z"] else "alive"


def _exited(pid: int) -> bool:
    """Whether the process ``pid`` is gone or a zombie."""
    return _state(pid) == "gone"


def _is_server(pid: int, layout: Layout) -> Server | None:
    """`Server` when ``pid`` is a live (not zombie) Launcher of ``layout.home``, else None.

    Checking the command line keeps a pid reused by another process (after a reboot, say) from
    being taken for the server, and from being sent SIGTERM.
    """
    state = _state(pid)
    if state == "unseen":  # no /proc (not Linux): trust the pid file
        return Server(pid, *layout.bolt)
    if state != "alive":  # gone, or another user's process: not one we started
        return None
    try:
        args = (Path("/proc") / str(pid) / "cmdline").read_bytes().decode(errors="replace").split("\0")
    except FileNotFoundError:
        return None  # exited meanwhile
    except OSError:
        return Server(pid, *layout.bolt)
    home = str(layout.home)
    for i, arg in enumerate(args):
        if (arg == "Launcher" or arg.endswith("Launcher.java")) and args[i + 1:i + 2] == [home]:
            with contextlib.suppress(IndexError, ValueError):
                return Server(pid, args[i + 2], int(args[i + 3]), tuple(args))
    return None


# ---------------------------------------------------------------- files


def _local_bolt(settings: Settings, action: str) -> tuple[str, int]:
    if settings.local_bolt is None:
        raise LocalDbError(
            f"will not {action} the local Neo4j: it is not used because NEO4J_URI="
            f"{settings.neo4j_uri} is not a Bolt address on this machine; unset NEO4J_URI or set"
            " it to bolt://127.0.0.1:7687 to use the local one")
    return settings.local_bolt
