"""The `sciatica-triage` command: serve, triage a file, migrate (`db`), and Flask's."""

from __future__ import annotations

import json
import sys

import click
from flask import Flask, current_app
from flask.cli import FlaskGroup, with_appcontext


def _create_app():
    from service import create_app

    return create_app()


@click.group(cls=FlaskGroup, create_app=_create_app, add_default_commands=False,
             add_version_option=False)
def main():
    """sciatica-triage: back pain and sciatica triage service."""


@click.command("init-db")
@with_appcontext
def init_db_command():
    """Apply every migration, then seed and publish the defaults if the database is empty."""
    from service.database import initialise_database

    version = initialise_database()
    click.echo(f"published default knowledge base as version {version}" if version
               else "database already initialised")


@click.command("serve")
@click.option("--workers", type=int, default=None, help="gunicorn workers (WEB_CONCURRENCY)")
@click.option("--threads", type=int, default=4, show_default=True)
@click.option("--bind", default=None, help="address:port (default 0.0.0.0:$PORT)")
@with_appcontext
def serve_command(workers, threads, bind):
    """Run the service under gunicorn, creating and seeding the database on first start."""
    from admin.cli import hint_if_no_users
    from service.database import initialise_database
    from service.extensions import db
    from service.server import run_gunicorn

    initialise_database()
    hint_if_no_users()
    # Each worker builds its own app and pool after the fork: hand none of ours down.
    db.session.remove()
    db.engine.dispose()
    config = current_app.config
    run_gunicorn(
        bind=bind or f"0.0.0.0:{config['PORT']}",
        workers=workers or config["WEB_CONCURRENCY"],
        threads=threads,
    )


@click.command("triage")
@click.argument("file", type=click.File("rb"))
@with_appcontext
def triage_command(file):
    """Print the outcome JSON for one intake in FILE ('-' for standard input)."""
    from service.database import initialise_database
    from service.parsing import IntakeError, parse_json_object, validate_intake
    from service.triage import triage

    initialise_database()
    try:
        intake = validate_intake(parse_json_object(file.read()))
    except IntakeError as error:
        click.echo(json.dumps({"error": "invalid intake", "fields": error.fields}, indent=2),
                   err=True)
        sys.exit(2)
    click.echo(json.dumps(json.loads(triage(intake).json), indent=2))


def register(app: Flask) -> None:
    """Add the service's commands to `app.cli`, and Flask-Migrate's `db` group."""
    from service.database import init_migrations

    init_migrations(app)  # idempotent: a no-op if the factory already bound it
    for command in (init_db_command, serve_command, triage_command):
        app.cli.add_command(command)
