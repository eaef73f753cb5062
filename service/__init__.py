"""sciatica-triage: the Flask service (app factory)."""

from __future__ import annotations

import logging
import os
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from flask import Flask

# Flask and the rest are imported by the functions that use them, not here: a what-if
# worker process imports service.whatif and service.triage, and should not pay for the
# whole web application before it starts replaying.


def create_app(config: dict | None = None) -> Flask:
    """Create and configure an instance of the application."""
    from flask import Flask

    from service import settings
    from service.errors import register_error_handlers
    from service.interop import register_interop

    app = Flask(__name__, instance_relative_config=True,
                template_folder="patient/templates", static_folder="patient/static")
    os.makedirs(app.instance_path, exist_ok=True)
    app.config.from_mapping(settings.from_environment(app.instance_path))
    if config:
        app.config.update(config)
    register_extensions(app)
    register_blueprints(app)
    register_interop(app)
    register_error_handlers(app)
    register_commands(app)
    logging.basicConfig(level=logging.INFO)
    return app


def close_app(app: Flask) -> None:
    """Release what `app` holds: its loaded rules engine and every database connection."""
    from service.extensions import db

    with app.app_context():
        app.extensions["sciatica_ruleset"].close()
        app.extensions["sciatica_records"].close()
        db.session.remove()
        db.engine.dispose()


def register_extensions(app: Flask) -> None:
    from service import security
    from service.extensions import csrf, db
    from service.store.database import (
        configure_engine,
        engine_options,
        init_migrations,
        writer_engine,
        writer_lock_path,
    )
    from service.store.records import TriageRecords
    from service.triage.ruleset import ActiveRuleset

    engine_options(app)
    db.init_app(app)
    init_migrations(app)
    csrf.init_app(app)
    security.init_app(app)
    configure_engine(app)
    app.extensions["sciatica_ruleset"] = ActiveRuleset(app.config["RULESET_POLL_SECONDS"])
    writer = writer_engine(app)
    app.extensions["sciatica_records"] = TriageRecords(writer, writer_lock_path(writer))


def register_blueprints(app: Flask) -> None:
    import admin
    from service.api.routes import bp as api
    from service.api.routes import spec
    from service.followup.api import bp as followup_api
    from service.followup.views import bp as followup
    from service.patient.pages import bp as pages
    from service.patient.result_pages import bp as results
    from service.patient.trust_pages import bp as trust

    app.register_blueprint(api)
    app.register_blueprint(pages)
    app.register_blueprint(results)
    app.register_blueprint(followup)
    app.register_blueprint(followup_api)
    app.register_blueprint(trust)
    spec.register(app)
    admin.init_app(app)


def register_commands(app: Flask) -> None:
    from service import cli
    from service.store import privacy
    from service.whatif import cli as what_if

    cli.register(app)
    privacy.register(app)
    what_if.register(app)
