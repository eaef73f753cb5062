"""gunicorn, run from Python so `sciatica-triage serve` needs no other command."""

from __future__ import annotations

from gunicorn.app.base import BaseApplication
from gunicorn.glogging import Logger

from service.patient.result_access import redact


class AccessLogWithoutTokens(Logger):
    """gunicorn's access log, minus the secret of any result address in it.

    A result address opens a patient's answers, and it shows up in the request line and,
    when moving between a result's pages, in the Referer.
    """

    def atoms(self, resp, req, environ, request_time):
        atoms = super().atoms(resp, req, environ, request_time)
        # Every atom, not only the request line: headers and environ values are atoms too.
        return {key: redact(value) if isinstance(value, str) else value
                for key, value in atoms.items()}


class _Gunicorn(BaseApplication):
    def __init__(self, options: dict):
        self.options = options
        super().__init__()

    def load_config(self):
        for key, value in self.options.items():
            self.cfg.set(key, value)

    def load(self):
        # Each worker builds its own app after the fork, so no engine state is shared.
        from service import create_app

        return create_app()


def run_gunicorn(bind: str, workers: int, threads: int) -> None:
    """Serve the app factory until interrupted."""
    _Gunicorn({"bind": bind, "workers": workers, "threads": threads,
               "worker_class": "gthread", "accesslog": "-", "timeout": 30,
               "logger_class": AccessLogWithoutTokens}).run()
