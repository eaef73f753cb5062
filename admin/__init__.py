"""The clinician panel: login, editors, publishing and the audit log."""

from flask import Flask


def init_app(app: Flask) -> None:
    """Attach the clinician panel to `app`."""
