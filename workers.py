"""Worker processes behind one port: the primary accepts each connection and hands it to the least-loaded worker.

Workers that share a listening socket race for its connections, and one often wins most of a burst: 16
keep-alive clients split 11/5 across two workers, and the worker holding 11 sets the tail latency for as long
as they stay connected. As node's cluster module does, the primary here accepts every connection and passes
its descriptor over a Unix socket to the ready worker holding the fewest, so every worker carries its share.
"""

from __future__ import annotations

import asyncio
import logging
import multiprocessing
import signal
import socket
import threading
from dataclasses import dataclass, field
from multiprocessing.process import BaseProcess
from types import FrameType
from typing import Any

import uvicorn

from settings import Settings

log = logging.getLogger("tunegraph.workers")

FIELDS = 3
CLOSED, READY, STARTED = range(FIELDS)
"""Per worker, in memory shared with the primary: how many of the connections sent to it have closed, whether it
serves (1) or is starting or stopping (0), and whether it ever served. The worker writes them; the primary clears
them before it starts a worker in the slot. A worker's load is what the primary sent it less what closed: exact,
however the hand-offs and closes interleave."""

BACKLOG = 2048
"""Connections the kernel holds before the primary accepts them (uvicorn's default)."""

POLL_SECONDS = 0.5
"""How often the primary checks its workers, and how long a blocking accept waits before it looks at the exit."""

SEND_SECONDS = 1.0
"""A worker whose channel stays full this long is passed over for that connection (a channel fills only when
thousands of connections were sent and not taken, which also makes the worker the most loaded)."""

STOP_SECONDS = 30.0
"""How long a stopping worker may finish its requests before it is killed."""

LOG_FORMAT = "%(asctime)s %(levelname)s %(name)s %(message)s"

Shared = Any
"""The shared `multiprocessing` array of FIELDS integers per worker (ctypes arrays have no useful static type)."""


@dataclass
class Worker:
    """One worker process as the primary sees it: its slot, its process, and the primary's end of its channel."""

    slot: int
    process: BaseProcess
    channel: socket.socket
    sent: int = 0
    broken: bool = False


@dataclass
class Pool:
    """`count` uvicorn workers serving `settings`' app on one port; `run()` blocks until SIGINT or SIGTERM.

    SIGHUP replaces the workers one at a time (new code, a new model folder), each once its successor serves.
    """

    settings: Settings
    count: int
    app: str = "server:app_from_env"
    context: Any = field(default_factory=lambda: multiprocessing.get_context("spawn"))
    workers: list[Worker] = field(default_factory=list)
    stopping: threading.Event = field(default_factory=threading.Event)
    restarting: threading.Event = field(default_factory=threading.Event)
    failed: bool = False

    def __post_init__(self) -> None:
        # A slot for each worker and, while it is replaced, for its successor.
        self.shared: Shared = self.context.Array("q", FIELDS * 2 * self.count, lock=False)

    def run(self) -> None:
        """Start the workers, hand them connections, replace any that dies, and stop them all on a signal."""
        for sig in (signal.SIGINT, signal.SIGTERM):
            signal.signal(sig, self._stop)
        signal.signal(signal.SIGHUP, lambda signum, frame: self.restarting.set())
        try:
            listener = _listen(self.settings.host, self.settings.port)
        except OSError as exc:
            log.error("cannot listen on %s:%d: %s", self.settings.host, self.settings.port, exc)
            self.failed = True
            return
        self.workers = [self._start(slot) for slot in range(self.count)]
        log.info("serving http://%s:%d with %d workers", self.settings.host, self.settings.port, self.count)
        acceptor = threading.Thread(target=self._accept, args=(listener,), name="accept", daemon=True)
        acceptor.start()
        try:
            while not self.stopping.wait(POLL_SECONDS):
                self._replace_dead()
                if self.restarting.is_set():
                    self.restarting.clear()
                    self._restart_all()
        finally:
            acceptor.join()
            listener.close()
            self._stop_workers()

    def least_loaded(self, passed: set[int]) -> Worker | None:
        """The ready worker holding the fewest connections (sent to it and not closed)."""
        ready = [w for w in self.workers
                 if self.shared[w.slot * FIELDS + READY] and not w.broken and w.slot not in passed]
        return min(ready, key=self._load, default=None)

    def _load(self, worker: Worker) -> int:
        return worker.sent - int(self.shared[worker.slot * FIELDS + CLOSED])

    def _stop(self, signum: int, frame: FrameType | None) -> None:
        self.stopping.set()

    def _start(self, slot: int) -> Worker:
        for i in range(FIELDS):
            self.shared[slot * FIELDS + i] = 0
        ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        ours.settimeout(SEND_SECONDS)
        process = self.context.Process(target=work, name=f"tunegraph-worker-{slot}",
                                       args=(self.app, slot, theirs, self.shared, self.settings.host,
                                             self.settings.port))
        process.start()
        theirs.close()
        return Worker(slot, process, ours)

    def _restart_all(self) -> None:
        """SIGHUP: start each worker's successor in a free slot and retire the worker once the successor serves."""
        for i, old in enumerate(list(self.workers)):
            taken = {w.slot for w in self.workers}
            fresh = self._start(min(s for s in range(2 * self.count) if s not in taken))
            while not self.shared[fresh.slot * FIELDS + READY]:
                if self.stopping.wait(POLL_SECONDS) or not fresh.process.is_alive():
                    log.error("worker %d's successor did not start; the restart stops there", old.slot)
                    self._retire(fresh)
                    return
                self._replace_dead()
            current, self.workers[i] = self.workers[i], fresh  # `old`, unless it died and was replaced meanwhile
            self._retire(current)
        log.info("restarted %d workers", self.count)

    def _retire(self, worker: Worker) -> None:
        """Stop a worker no longer handed connections: it finishes its requests, or is killed after STOP_SECONDS."""
        worker.channel.close()
        if worker.process.is_alive():
            worker.process.terminate()
        worker.process.join(STOP_SECONDS)
        if worker.process.is_alive():
            worker.process.kill()
            worker.process.join()

    def _accept(self, listener: socket.socket) -> None:
        while not self.stopping.is_set():
            try:
                conn, _ = listener.accept()
            except TimeoutError:
                continue
            with conn:
                self._hand(conn)

    def _hand(self, conn: socket.socket) -> None:
        """Pass a connection to the least-loaded ready worker; while none is ready it waits in the accept queue."""
        passed: set[int] = set()
        while not self.stopping.is_set():
            worker = self.least_loaded(passed)
            if worker is None:
                passed.clear()
                self.stopping.wait(0.05)
                continue
            try:
                socket.send_fds(worker.channel, [b"c"], [conn.fileno()])
            except TimeoutError:
                passed.add(worker.slot)
                continue
            except OSError:  # it died or is stopping: passed over until it is replaced
                worker.broken = True
                continue
            worker.sent += 1
            return

    def _replace_dead(self) -> None:
        for i, worker in enumerate(self.workers):
            if worker.process.is_alive():
                continue
            worker.channel.close()
            if not self.shared[worker.slot * FIELDS + STARTED]:
                # The app cannot start (its settings, its model); restarting would fail the same way, forever.
                log.error("worker %d exited with %s before it served; stopping", worker.slot,
                          worker.process.exitcode)
                self.failed = True
                self.stopping.set()
                return
            log.warning("worker %d (pid %s) exited with %s; starting another", worker.slot, worker.process.pid,
                        worker.process.exitcode)
            self.workers[i] = self._start(worker.slot)

    def _stop_workers(self) -> None:
        for worker in self.workers:  # all told at once, so they finish their requests side by side
            worker.channel.close()
            if worker.process.is_alive():
                worker.process.terminate()
        for worker in self.workers:
            self._retire(worker)


def _listen(host: str, port: int) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    listener = socket.create_server((host, port), family=family, backlog=BACKLOG)
    listener.settimeout(POLL_SECONDS)
    return listener


def work(app: str, slot: int, channel: socket.socket, shared: Shared, host: str, port: int) -> None:
    """A worker process: the app the factory `app` makes, serving the connections its channel brings."""
    logging.basicConfig(level=logging.INFO, format=LOG_FORMAT)
    config = uvicorn.Config(app, factory=True, host=host, port=port, log_level="info", access_log=False)
    HandedServer(config, slot, channel, shared).run()


class HandedServer(uvicorn.Server):
    """A uvicorn server with no listener of its own: it serves connections whose descriptors arrive on a channel."""

    def __init__(self, config: uvicorn.Config, slot: int, channel: socket.socket, shared: Shared) -> None:
        super().__init__(config)
        self.channel = channel
        self.base = slot * FIELDS
        self.shared = shared
        self.intake: set[asyncio.Task[None]] = set()
        self.server_state.connections = Connections(shared, self.base + CLOSED)

    async def startup(self, sockets: list[socket.socket] | None = None) -> None:
        await super().startup(sockets=[])
        self.channel.setblocking(False)
        asyncio.get_running_loop().add_reader(self.channel.fileno(), self._take)
        self.shared[self.base + READY] = 1
        self.shared[self.base + STARTED] = 1

    async def shutdown(self, sockets: list[socket.socket] | None = None) -> None:
        self.shared[self.base + READY] = 0
        asyncio.get_running_loop().remove_reader(self.channel.fileno())
        self.channel.close()
        await super().shutdown(sockets)

    def _take(self) -> None:
        while True:
            try:
                _, fds, _, _ = socket.recv_fds(self.channel, 1, 1)
            except BlockingIOError:
                return
            if not fds:  # the primary has gone: nothing more will come
                asyncio.get_running_loop().remove_reader(self.channel.fileno())
                self.should_exit = True
                return
            task = asyncio.get_running_loop().create_task(self._adopt(socket.socket(fileno=fds[0])))
            self.intake.add(task)
            task.add_done_callback(self.intake.discard)

    async def _adopt(self, conn: socket.socket) -> None:
        conn.setblocking(False)
        try:
            await asyncio.get_running_loop().connect_accepted_socket(self._protocol, conn)
        except OSError:  # the client left before the transport was made
            conn.close()
            self.shared[self.base + CLOSED] += 1

    def _protocol(self) -> asyncio.Protocol:
        protocol: asyncio.Protocol = self.config.http_protocol_class(  # type: ignore[call-arg]
            config=self.config, server_state=self.server_state, app_state=self.lifespan.state)
        return protocol


class Connections(set[Any]):
    """uvicorn's set of open connections, counting in the shared array each one that leaves it."""

    def __init__(self, shared: Shared, index: int) -> None:
        super().__init__()
        self.shared = shared
        self.index = index

    def discard(self, connection: Any) -> None:
        if connection in self:
            super().discard(connection)
            self.shared[self.index] += 1

    def remove(self, connection: Any) -> None:
        super().remove(connection)
        self.shared[self.index] += 1
