"""The local embedded Neo4j server: `tunegraph db start|stop|status`, and `ensure_started`.

The server is ``graph/localdb/jvm/Launcher.java``: an embedded Neo4j 5 Community DBMS that speaks Bolt,
with authentication off, listening on the loopback address of ``NEO4J_URI``. Files, for a data
folder D (``TUNEGRAPH_DATA_DIR``, default ``./.tunegraph``):

- ``D/neo4j/``     the Neo4j home (databases, transaction logs, Neo4j's own ``logs/debug.log``)
- ``D/neo4j.log``  the server's stdout and stderr (appended to; a header line per start)
- ``D/neo4j.pid``  the process id while it runs
- ``D/neo4j.lock`` serialises start and stop of that data folder

The first start fetches the Neo4j jars with Maven into ``graph/localdb/jvm/lib`` (Maven caches them in
``~/.m2`` as usual) and records them in ``graph/localdb/jvm/lib/.tunegraph-fetched`` so later starts do
not run Maven. It also compiles ``Launcher.java`` once into ``graph/localdb/jvm/target/launcher.jar``
(again when the source or the jars change), which saves the in-memory compile that
``java Launcher.java`` does on every start (~2.5 s of CPU), and the first server run records a
class-data sharing archive (``graph/localdb/jvm/target/cds/``) that later starts map, which saves about a
third of the CPU time of a start. Without ``javac`` (a JRE only) the source file is run directly.

Every failure raises `LocalDbError` whose message says what to do about it.
"""

from graph.localdb.error import LocalDbError
from graph.localdb.server import ensure_started, is_running, start, status, stop

__all__ = ["LocalDbError", "ensure_started", "is_running", "start", "status", "stop"]
