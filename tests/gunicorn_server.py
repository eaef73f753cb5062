"""A real gunicorn serving the app on loopback, for tests that need real processes."""

from __future__ import annotations

import json
import os
import signal
import socket
import ssl
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class GunicornServer:
    """gunicorn on 127.0.0.1 in its own process group; `kill()` takes it down hard."""

    def __init__(self, database_url: str, workers: int = 2, threads: int = 4,
                 extra_env: dict | None = None, tls: tuple[str, str] | None = None):
        """`tls`: (certificate file, key file) to serve HTTPS, as a deployment would."""
        self.port = free_port()
        self.url = f"{'https' if tls else 'http'}://127.0.0.1:{self.port}"
        self.env = {**os.environ, "DATABASE_URL": database_url, "SECRET_KEY": "test-only",
                    "PYTHONPATH": str(ROOT), **(extra_env or {})}
        self.args = [sys.executable, "-m", "gunicorn", "--bind", f"127.0.0.1:{self.port}",
                     "--workers", str(workers), "--threads", str(threads),
                     "--worker-class", "gthread", "--log-level", "warning",
                     "service:create_app()"]
        if tls:
            self.args[-1:-1] = ["--certfile", tls[0], "--keyfile", tls[1]]
        # Our own certificate, made by the test: trusted for these checks only.
        self.ssl_context = ssl._create_unverified_context() if tls else None
        self.process: subprocess.Popen | None = None

    def start(self, timeout: float = 30) -> GunicornServer:
        command = Path(sys.executable).parent / "sciatica-triage"
        subprocess.run([str(command), "init-db"], env=self.env, cwd=ROOT, check=True,
                       capture_output=True)
        self.process = subprocess.Popen(self.args, env=self.env, cwd=ROOT,
                                        start_new_session=True, stdout=subprocess.DEVNULL,
                                        stderr=subprocess.PIPE)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(self.process.stderr.read().decode())
            try:
                with urllib.request.urlopen(f"{self.url}/healthz", timeout=1,
                                            context=self.ssl_context) as response:
                    if response.status == 200:
                        return self
            except OSError:
                time.sleep(0.1)
        self.stop()
        raise TimeoutError("gunicorn did not become healthy")

    def post_json(self, path: str, body: dict, timeout: float = 30) -> tuple[int, dict]:
        request = urllib.request.Request(f"{self.url}{path}", data=json.dumps(body).encode(),
                                         headers={"Content-Type": "application/json"})
        try:
            with urllib.request.urlopen(request, timeout=timeout,
                                        context=self.ssl_context) as response:
                return response.status, json.loads(response.read())
        except urllib.error.HTTPError as error:
            return error.code, json.loads(error.read() or b"{}")

    def kill(self) -> None:
        """SIGKILL the master and every worker at once, as a crash would."""
        if self.process and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.kill()
        if self.process and self.process.stderr:
            self.process.stderr.close()

    def __enter__(self) -> GunicornServer:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()
