"""Bolt probes: whether a local port is free or answers, and what a Neo4j at a Bolt URI says."""

from __future__ import annotations

import contextlib
import errno
import socket

from graph.localdb.error import LocalDbError


def check_port_free(host: str, port: int) -> None:
    taken = port_answers(host, port)
    if not taken:
        with contextlib.suppress(OSError):
            for family, kind, proto, _, address in socket.getaddrinfo(
                    host, port, type=socket.SOCK_STREAM):
                with socket.socket(family, kind, proto) as probe:
                    probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
                    try:
                        probe.bind(address)
                    except OSError as exc:
                        if exc.errno in (errno.EADDRINUSE, errno.EACCES):
                            taken = True
    if taken:
        raise LocalDbError(
            f"port {port} is in use by another process; stop it or set NEO4J_URI to"
            f" bolt://127.0.0.1:<free port>")


def port_answers(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=1.0):
            return True
    except OSError:
        return False


def bolt_error(uri: str) -> str | None:
    """None when ``RETURN 1`` works over Bolt at ``uri``, else what went wrong."""
    import neo4j

    try:
        with neo4j.GraphDatabase.driver(uri, auth=None, connection_timeout=3.0,
                                        connection_acquisition_timeout=5.0) as driver, \
                driver.session() as session:
            record = session.run("RETURN 1 AS ok").single()
            return None if record is not None and record["ok"] == 1 else "unexpected answer"
    except (neo4j.exceptions.Neo4jError, neo4j.exceptions.DriverError, OSError) as exc:
        return f"{type(exc).__name__}: {exc}".splitlines()[0]


def query_version(uri: str) -> str | None:
    import neo4j

    try:
        with neo4j.GraphDatabase.driver(uri, auth=None, connection_timeout=3.0,
                                        connection_acquisition_timeout=5.0) as driver, \
                driver.session() as session:
            record = session.run("CALL dbms.components() YIELD name, versions, edition"
                                 " RETURN name, versions[0] AS version, edition").single()
    except (neo4j.exceptions.Neo4jError, neo4j.exceptions.DriverError, OSError):
        return None
    if record is None:
        return None
    return f"{record['name']} {record['version']} {record['edition']}"
