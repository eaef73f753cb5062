"""gunicorn, run from Python so `sciatica-triage serve` needs no other command."""

from __future__ import annotations

from gunicorn.app.base import BaseApplication


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
               "worker_class": "gthread", "accesslog": "-", "timeout": 30}).run()
