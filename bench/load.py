"""The load generator, run as its own process: N keep-alive clients post one query (or a mix) for a fixed time.

`python -m bench.load` reads its job as JSON on stdin and writes the measurements as JSON on stdout.
A mix (the soak's) is a list of named raw bodies, invalid ones included; each kind is tallied apart,
with how the server answered it (`200`, `400`, `200 QUERY_TOO_COMPLEX`: the status and the first
error's code; `0` when no answer came).
A bare HTTP/1.1 client on asyncio streams, on uvloop (as the server runs), keeps the generator's own CPU cost far
below httpx's.
"""

from __future__ import annotations

import asyncio
import json
import sys
import time
from dataclasses import asdict, dataclass, field
from typing import Any
from urllib.parse import urlsplit

import uvloop


@dataclass
class Job:
    """What to send, how many at once, for how long."""

    url: str
    query: str
    variables: list[dict[str, Any]]
    concurrency: int
    duration: float
    mix: list[dict[str, str]] = field(default_factory=list)
    """[{"kind": ..., "body": ...}] to cycle through instead of `query` with each of `variables`."""
    headers: list[dict[str, str]] = field(default_factory=list)
    """Extra request headers sent with the same-numbered `variables` (a customer's token, say)."""


@dataclass
class Tally:
    """One kind of request: how many, how each was answered, how fast."""

    requests: int = 0
    errors: int = 0
    answers: dict[str, int] = field(default_factory=dict)
    latencies_ms: list[float] = field(default_factory=list)
    error_samples: list[str] = field(default_factory=list)


@dataclass
class Outcome:
    """Latencies of the answered requests and the errors seen."""

    requests: int = 0
    errors: int = 0
    elapsed: float = 0.0
    cpu_seconds: float = 0.0
    """The generator's own CPU time: what the machine spent on the client side."""
    latencies_ms: list[float] = field(default_factory=list)
    error_samples: list[str] = field(default_factory=list)
    kinds: dict[str, Tally] = field(default_factory=dict)


class Connection:
    """One keep-alive HTTP/1.1 connection posting JSON."""

    def __init__(self, host: str, port: int, path: str) -> None:
        self.host, self.port, self.path = host, port, path
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def post(self, body: bytes, extra: bytes = b"") -> tuple[int, bytes]:
        if self.writer is None:
            self.reader, self.writer = await asyncio.open_connection(self.host, self.port)
        assert self.reader is not None
        head = (f"POST {self.path} HTTP/1.1\r\nHost: {self.host}:{self.port}\r\n"
                f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n")
        self.writer.write(head.encode() + extra + b"\r\n" + body)
        status_line = await self.reader.readline()
        length = 0
        while (line := await self.reader.readline()) not in (b"\r\n", b""):
            name, _, value = line.decode("latin-1").partition(":")
            if name.lower() == "content-length":
                length = int(value)
        return int(status_line.split()[1]), await self.reader.readexactly(length)

    def close(self) -> None:
        if self.writer is not None:
            self.writer.close()


def _answer_of(status: int, body: bytes) -> tuple[str, str | None]:
    """How a request was answered (its status, and its first error's code) and the error, if any."""
    if status == 200 and b'"errors"' not in body:
        return "200", None
    try:
        errors = json.loads(body).get("errors") or [{"message": f"HTTP {status}"}]
        code = (errors[0].get("extensions") or {}).get("code")
        return f"{status} {code}" if code else str(status), f"HTTP {status}: {errors[0].get('message')}"
    except (ValueError, AttributeError):
        return str(status), f"HTTP {status}: {body[:200]!r}"


def _sample(samples: list[str], error: str) -> None:
    if len(samples) < 3 and error not in samples:
        samples.append(error)


async def _client(
    job: Job, bodies: list[tuple[str, bytes, bytes]], start: int, deadline: float, out: Outcome
) -> None:
    parts = urlsplit(job.url)
    conn = Connection(parts.hostname or "127.0.0.1", parts.port or 80, parts.path or "/graphql")
    i = start
    try:
        while time.perf_counter() < deadline:
            kind, body, extra = bodies[i % len(bodies)]
            i += 1
            sent = time.perf_counter()
            try:
                status, answer = await conn.post(body, extra)
            except (OSError, asyncio.IncompleteReadError, ValueError, IndexError) as exc:
                conn.close()
                conn = Connection(conn.host, conn.port, conn.path)
                status, answer = 0, str(exc).encode()
            latency = (time.perf_counter() - sent) * 1000
            answered, error = _answer_of(status, answer)
            tally = out.kinds.setdefault(kind, Tally())
            out.requests += 1
            tally.requests += 1
            out.latencies_ms.append(latency)
            tally.latencies_ms.append(latency)
            tally.answers[answered] = tally.answers.get(answered, 0) + 1
            if error is not None:
                out.errors += 1
                tally.errors += 1
                _sample(out.error_samples, error)
                _sample(tally.error_samples, error)
    finally:
        conn.close()


async def run(job: Job) -> Outcome:
    """Run the job's clients until its duration is up."""
    if job.mix:
        bodies = [(m["kind"], m["body"].encode(), b"") for m in job.mix]
    else:
        variables = job.variables or [{}]
        headers = job.headers or [{}] * len(variables)
        bodies = [
            ("query", json.dumps({"query": job.query, "variables": v}).encode(),
             "".join(f"{name}: {value}\r\n" for name, value in h.items()).encode())
            for v, h in zip(variables, headers, strict=True)
        ]
    out = Outcome()
    started = time.perf_counter()
    deadline = started + job.duration
    # Clients start spread evenly over the bodies: with as many clients as bodies, each body is sent at once.
    starts = (n * len(bodies) // job.concurrency for n in range(job.concurrency))
    await asyncio.gather(*(_client(job, bodies, start, deadline, out) for start in starts))
    out.elapsed = time.perf_counter() - started
    out.cpu_seconds = time.process_time()
    return out


def main() -> None:
    """Read a Job from stdin, write its Outcome to stdout."""
    job = Job(**json.load(sys.stdin))
    json.dump(asdict(uvloop.run(run(job))), sys.stdout)


if __name__ == "__main__":
    main()
