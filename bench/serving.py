"""Start and stop a gunicorn server for a benchmark, on 127.0.0.1 and a free port."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _processes() -> dict[int, tuple[int, float]]:
    """Every process now: pid -> (parent pid, CPU seconds used, user + system)."""
    table = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            # The command name may hold spaces: split after its closing parenthesis.
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue  # the process ended while we looked
        cpu = (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
        table[int(stat.parent.name)] = (int(fields[1]), cpu)
    return table


def tree_cpu_seconds(root: int) -> float:
    """CPU seconds (user + system) used so far by process `root` and its descendants."""
    processes = _processes()
    tree, grew = {root}, True
    while grew:
        found = {pid for pid, (parent, _) in processes.items() if parent in tree} - tree
        tree |= found
        grew = bool(found)
    return sum(processes[pid][1] for pid in tree if pid in processes)


def _wait_until_listening(port: int, process: subprocess.Popen, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"gunicorn exited with {process.returncode}")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"gunicorn did not listen on port {port} within {timeout} s")


@contextmanager
def gunicorn(app: str, workers: int, threads: int, env: dict[str, str] | None = None
             ) -> Iterator[tuple[int, int]]:
    """Serve `app` (module:factory()) as the Procfile does; yield (port, pid); stop it after."""
    port = free_port()
    command = [sys.executable, "-m", "gunicorn", "--bind", f"127.0.0.1:{port}",
               "--workers", str(workers), "--threads", str(threads),
               "--worker-class", "gthread", "--log-level", "warning", app]
    # A load generator posts from one address, far past the per-address intake ceiling.
    process = subprocess.Popen(command, cwd=ROOT, env={**os.environ, "INTAKE_LIMIT_PER_HOUR": "0",
                                                       **(env or {})})
    try:
        _wait_until_listening(port, process)
        yield port, process.pid
    finally:
        process.terminate()
        try:
            process.wait(timeout=40)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def workers_of(master: int) -> list[int]:
    """The worker processes of gunicorn `master`."""
    return [pid for pid, (parent, _) in _processes().items() if parent == master]


def connections_per_worker(port: int, master: int) -> list[int]:
    """How many open client connections on `port` each worker of `master` holds, fewest
    first: read from /proc (established TCP sockets, and the workers' descriptors)."""
    inodes = set()
    for line in Path("/proc/net/tcp").read_text().splitlines()[1:]:
        fields = line.split()
        if int(fields[1].split(":")[1], 16) == port and fields[3] == "01":  # ESTABLISHED
            inodes.add(f"socket:[{fields[9]}]")
    counts = []
    for worker in workers_of(master):
        held = 0
        for fd in Path(f"/proc/{worker}/fd").glob("*"):
            try:
                held += os.readlink(fd) in inodes
            except OSError:
                continue
        counts.append(held)
    return sorted(counts)


def load(port: int, path: str, *, bodies: Path | None = None, concurrency: int = 16,
         requests: int = 5000, seconds: float = 60.0, sample: bool = False,
         ramp: float = 0.0, probe: Callable[[], object] | None = None) -> dict:
    """Run bench.loadgen in its own process against `port`; its JSON result.

    `ramp` opens the connections that many seconds apart (see bench.loadgen). `probe`, if
    given, is called halfway through the measured seconds; its answer is the result's
    "probe".
    """
    import json

    command = [sys.executable, "-m", "bench.loadgen", "--port", str(port), "--path", path,
               "--concurrency", str(concurrency), "--requests", str(requests),
               "--seconds", str(seconds), "--ramp", str(ramp)]
    if bodies:
        command += ["--bodies", str(bodies)]
    if sample:
        command.append("--sample")
    with subprocess.Popen(command, cwd=ROOT, stdout=subprocess.PIPE, text=True) as process:
        probed = None
        if probe:
            time.sleep(ramp * concurrency + seconds / 2)
            probed = probe()
        out, _ = process.communicate(timeout=ramp * concurrency + seconds + 60)
    if process.returncode:
        raise RuntimeError(f"bench.loadgen exited with {process.returncode}")
    return {**json.loads(out), "probe": probed}
