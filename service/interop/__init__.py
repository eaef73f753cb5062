"""FHIR and CDS Hooks adapters: they translate to and from the intake, never decide."""

from __future__ import annotations

from flask import Flask


def register_interop(app: Flask) -> None:
    """Add the FHIR and CDS Hooks endpoints; read the trusted CDS Hooks issuers once."""
    from service.interop.auth import load_issuers
    from service.interop.views import bp

    # A malformed key setting stops the start, rather than refusing every caller later.
    app.config["CDS_HOOKS_ISSUERS"] = load_issuers(app.config.get("CDS_HOOKS_JWKS", ""))
    app.register_blueprint(bp)
