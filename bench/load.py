"""HTTP clients of the bench: one keep-alive connection for latencies, and a bounded
asyncio load generator (N keep-alive connections) for throughput. Only 127.0.0.1."""

from __future__ import annotations

import asyncio
import http.client
import math
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass

HOST = "127.0.0.1"


def percentile(samples: list[float], p: float) -> float:
    """Nearest-rank percentile."""
    ordered = sorted(samples)
    rank = max(1, math.ceil(p / 100 * len(ordered)))
    return ordered[rank - 1]


@dataclass
class Timing:
    samples_ms: list[float]

    @property
    def p50(self) -> float:
        return statistics.median(self.samples_ms)

    @property
    def p95(self) -> float:
        return percentile(self.samples_ms, 95)


class Http:
    """One keep-alive connection; `request` returns (milliseconds, status, body)."""

    def __init__(self, port: int, headers: dict[str, str] | None = None):
        self.port = port
        self.headers = headers or {}
        self.conn: http.client.HTTPConnection | None = None

    def _connection(self) -> http.client.HTTPConnection:
        if self.conn is None:
            self.conn = http.client.HTTPConnection(HOST, self.port, timeout=300)
        return self.conn

    def close(self) -> None:
        if self.conn is not None:
            self.conn.close()
            self.conn = None

    def request(
        self, method: str, path: str, body: bytes | None = None, headers: dict | None = None
    ) -> tuple[float, int, bytes, http.client.HTTPResponse]:
        all_headers = {**self.headers, **(headers or {})}
        for attempt in (1, 2):
            conn = self._connection()
            try:
                started = time.perf_counter()
                conn.request(method, path, body=body, headers=all_headers)
                response = conn.getresponse()
                data = response.read()
                elapsed = (time.perf_counter() - started) * 1000
            except (ConnectionError, http.client.HTTPException):
                self.close()
                if attempt == 2:
                    raise
                continue
            if response.getheader("Connection", "").lower() == "close":
                self.close()
            return elapsed, response.status, data, response
        raise AssertionError("unreachable")

    def get(self, path: str, headers: dict | None = None):
        return self.request("GET", path, headers=headers)

    def time(
        self,
        method: str,
        path: str,
        *,
        repeat: int,
        warmup: int = 5,
        budget_s: float = 30.0,
        expect: tuple[int, ...] = (200,),
        body: Callable[[int], bytes] | None = None,
        headers: dict | None = None,
    ) -> Timing:
        """Latency of `repeat` sequential requests after `warmup`, within `budget_s`
        (at least 10 samples are kept even when the budget runs out)."""
        self.close()  # a fresh connection: whichever worker accepts it is warmed up first
        samples: list[float] = []
        deadline = time.perf_counter() + budget_s
        for n in range(warmup + repeat):
            payload = body(n) if body else None
            elapsed, status, data, _ = self.request(method, path, payload, headers)
            if status not in expect:
                raise RuntimeError(f"{method} {path} answered {status}: {data[:300]!r}")
            if n >= warmup:
                samples.append(elapsed)
                if time.perf_counter() > deadline and len(samples) >= 10:
                    break
        return Timing(samples)


# ------------------------------------------------------------------ concurrent load


@dataclass
class LoadResult:
    requests: int
    errors: int
    seconds: float
    samples_ms: list[float]

    @property
    def req_per_s(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0

    @property
    def p50(self) -> float:
        return statistics.median(self.samples_ms) if self.samples_ms else math.nan

    @property
    def p95(self) -> float:
        return percentile(self.samples_ms, 95) if self.samples_ms else math.nan


async def _read_response(reader: asyncio.StreamReader) -> tuple[int, bool]:
    """Read one response; (status, server closes the connection)."""
    head = await reader.readuntil(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split(" ", 2)[1])
    headers = {}
    for line in lines[1:]:
        if ":" in line:
            key, value = line.split(":", 1)
            headers[key.strip().lower()] = value.strip()
    if headers.get("transfer-encoding", "").lower() == "chunked":
        while True:
            size = int((await reader.readuntil(b"\r\n")).split(b";")[0], 16)
            await reader.readexactly(size + 2)
            if size == 0:
                break
    elif "content-length" in headers:
        await reader.readexactly(int(headers["content-length"]))
    else:
        await reader.read()
        return status, True
    return status, headers.get("connection", "").lower() == "close"


def _raw_request(method: str, path: str, headers: dict[str, str], body: bytes | None) -> bytes:
    lines = [f"{method} {path} HTTP/1.1", f"Host: {HOST}"]
    lines += [f"{k}: {v}" for k, v in headers.items()]
    if body is not None:
        lines.append(f"Content-Length: {len(body)}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + (body or b"")


def run_load(
    port: int,
    make: Callable[[int], tuple[str, str, dict[str, str], bytes | None]],
    *,
    clients: int,
    total: int,
    max_seconds: float,
    expect: tuple[int, ...] = (200,),
) -> LoadResult:
    """`total` requests (or `max_seconds`, whichever first) over `clients` keep-alive
    connections; `make(n)` gives (method, path, headers, body) of request n."""
    counter = iter(range(total))
    samples: list[float] = []
    errors = 0

    async def client() -> None:
        nonlocal errors
        reader, writer = await asyncio.open_connection(HOST, port)
        try:
            for n in counter:
                if time.perf_counter() > deadline:
                    break
                method, path, headers, body = make(n)
                started = time.perf_counter()
                writer.write(_raw_request(method, path, headers, body))
                await writer.drain()
                status, closing = await _read_response(reader)
                samples.append((time.perf_counter() - started) * 1000)
                if status not in expect:
                    errors += 1
                if closing:
                    writer.close()
                    reader, writer = await asyncio.open_connection(HOST, port)
        finally:
            writer.close()

    async def main() -> float:
        started = time.perf_counter()
        await asyncio.gather(*(client() for _ in range(clients)))
        return time.perf_counter() - started

    deadline = time.perf_counter() + max_seconds
    seconds = asyncio.run(main())
    return LoadResult(len(samples), errors, seconds, samples)
