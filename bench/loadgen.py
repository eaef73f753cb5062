"""A small HTTP/1.1 load generator on asyncio: keep-alive connections to 127.0.0.1 only.

Run in its own process by the benchmarks, so the server under test never shares an
interpreter with its client. It stops after `--requests` responses or `--seconds`,
whichever comes first, and prints one JSON object: latencies, status counts, and the
(time, worker, body) samples the publish benchmark asks for with `--sample`.

With `--ramp`, the connections open one after another rather than all at once, and the
measurement (its clock, rate and latencies) starts once the last one is open; the
statuses of every response, ramp included, are reported as well (`all_statuses`). Why:
gunicorn's workers share one listening socket, and 16 connections opened in the same
millisecond to idle workers often all land on one of them (seen: 16 and 0, 15 and 1),
halving throughput for the whole run. Clients of a real service arrive over time, and
a worker that is busy is slower to accept: opened a few milliseconds apart, the same
connections spread over the workers (8 and 8, 7 and 9).

    python -m bench.loadgen --port 8000 --path /api/v1/triage --bodies intakes.json
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import json
import time

HOST = "127.0.0.1"  # loopback only: this tool must never load someone else's server


def request_bytes(path: str, body: bytes | None, close: bool = False) -> bytes:
    # `close` asks for a new connection per request, so gunicorn's workers take turns
    # accepting them; kept-alive connections stay with the worker that accepted them.
    connection = "Connection: close\r\n" if close else ""
    if body is None:
        return f"GET {path} HTTP/1.1\r\nHost: {HOST}\r\n{connection}\r\n".encode()
    head = (f"POST {path} HTTP/1.1\r\nHost: {HOST}\r\nContent-Type: application/json\r\n"
            f"Content-Length: {len(body)}\r\n{connection}\r\n")
    return head.encode() + body


async def read_response(reader: asyncio.StreamReader) -> tuple[int, dict, bytes]:
    head = await reader.readuntil(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split()[1])
    headers = {k.strip().lower(): v.strip()
               for k, _, v in (line.partition(":") for line in lines[1:] if line)}
    body = await reader.readexactly(int(headers.get("content-length", "0")))
    return status, headers, body


class Run:
    """Shared counters of one load run."""

    def __init__(self, requests: int, seconds: float, ramp: float = 0.0):
        self.remaining = requests
        self.start = time.monotonic() + ramp  # measured from here: every connection open
        self.deadline = self.start + seconds
        self.latencies: list[float] = []
        self.statuses: collections.Counter = collections.Counter()  # measured only
        self.all_statuses: collections.Counter = collections.Counter()  # ramp included
        self.samples: list[tuple[float, str, str]] = []

    def record(self, status: str, start: float | None = None, end: float | None = None):
        self.all_statuses[status] += 1
        if (start or self.start) >= self.start:
            self.statuses[status] += 1
            if end is not None:
                self.latencies.append(end - start)

    def take(self) -> bool:
        if self.remaining <= 0 or time.monotonic() >= self.deadline:
            return False
        self.remaining -= 1
        return True


async def connection(run: Run, port: int, requests: list[bytes], offset: int,
                     sample: bool, pause: float, delay: float = 0.0) -> None:
    """One keep-alive connection sending requests back to back; reconnects if closed."""
    reader = writer = None
    n = offset
    await asyncio.sleep(delay)
    while run.take():
        if writer is None:
            reader, writer = await asyncio.open_connection(HOST, port)
        start = time.monotonic()
        try:
            writer.write(requests[n % len(requests)])
            status, headers, body = await read_response(reader)
        except (ConnectionError, asyncio.IncompleteReadError):
            run.record("connection error")
            writer.close()
            reader = writer = None
            continue
        end = time.monotonic()
        run.record(str(status), start, end)
        if sample:
            run.samples.append((end, headers.get("x-bench-worker", ""), body.decode()))
        if headers.get("connection", "").lower() == "close":
            writer.close()
            reader = writer = None
        n += 1
        if pause:
            await asyncio.sleep(pause)
    if writer is not None:
        writer.close()


async def load(port: int, path: str, bodies: list[bytes] | None, concurrency: int,
               requests: int, seconds: float, sample: bool, close: bool = False,
               pause: float = 0.0, ramp: float = 0.0) -> dict:
    requests_bytes = [request_bytes(path, b, close) for b in (bodies or [None])]
    run = Run(requests, seconds, ramp * (concurrency - 1))
    await asyncio.gather(*(connection(run, port, requests_bytes, i * 7, sample, pause,
                                      i * ramp)
                           for i in range(concurrency)))
    elapsed = time.monotonic() - run.start
    return {"elapsed": elapsed, "latencies": run.latencies, "statuses": dict(run.statuses),
            "all_statuses": dict(run.all_statuses), "samples": run.samples}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--path", required=True)
    parser.add_argument("--bodies", help="a JSON file holding a list of request bodies (POST)")
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--requests", type=int, default=5000)
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--sample", action="store_true", help="record (time, worker, body)")
    parser.add_argument("--close", action="store_true", help="a new connection per request")
    parser.add_argument("--ramp", type=float, default=0.0,
                        help="seconds between opening one connection and the next")
    parser.add_argument("--pause", type=float, default=0.0,
                        help="seconds each connection waits between requests (a poller)")
    args = parser.parse_args()
    bodies = None
    if args.bodies:
        with open(args.bodies) as f:
            bodies = [json.dumps(b).encode() for b in json.load(f)]
    result = asyncio.run(load(args.port, args.path, bodies, args.concurrency, args.requests,
                              args.seconds, args.sample, args.close, args.pause,
                              args.ramp))
    print(json.dumps(result))


if __name__ == "__main__":
    main()
