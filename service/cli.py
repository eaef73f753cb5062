"""The `sciatica-triage` command: serve, triage a file, migrate (`db`), and the rest."""

from __future__ import annotations

import json
import logging
import os
import sys

import click
from flask import Flask, current_app
from flask.cli import FlaskGroup, with_appcontext

from service.program import command_name


def _create_app():
    from service import create_app

    # Warnings and errors only: a command prints what was asked for, not Alembic's
    # INFO lines (serve turns INFO back on for its request log).
    logging.basicConfig(level=logging.WARNING)
    return create_app()


class _Commands(FlaskGroup):
    """Flask's command group without its generic options (-e, -A, --debug): the app is
    always this one, configured from the environment."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.params = [p for p in self.params if p.name not in ("env_file", "app", "debug")]

    def main(self, *args, **kwargs):
        kwargs.setdefault("prog_name", command_name())  # usage lines show what works
        return super().main(*args, **kwargs)


@click.group(cls=_Commands, create_app=_create_app, add_default_commands=False,
             add_version_option=False)
def main():
    """sciatica-triage: back pain and sciatica triage service."""


@click.command("init-db")
@with_appcontext
def init_db_command():
    """Apply every migration, then seed and publish the defaults if the database is empty."""
    from service.store.database import initialise_database

    version = initialise_database()
    click.echo(f"published default knowledge base as version {version}" if version
               else "database already initialised")


@click.command("serve")
@click.option("--workers", type=int, default=None, help="gunicorn workers (WEB_CONCURRENCY)")
@click.option("--threads", type=int, default=4, show_default=True)
@click.option("--host", default=None,
              help="address to listen on (HOST; default 0.0.0.0, every interface: "
                   "127.0.0.1 for this machine only)")
@click.option("--bind", default=None, help="address:port, instead of --host and $PORT")
@with_appcontext
def serve_command(workers, threads, host, bind):
    """Run the service under gunicorn, creating and seeding the database on first start."""
    from admin.cli import hint_if_no_users
    from service.extensions import db
    from service.server import run_gunicorn
    from service.store.database import initialise_database

    logging.getLogger().setLevel(logging.INFO)  # the request log and what the server does
    initialise_database()
    hint_if_no_users()
    # Each worker builds its own app and pool after the fork: hand none of ours down.
    db.session.remove()
    db.engine.dispose()
    config = current_app.config
    run_gunicorn(
        bind=bind or listen_address(host or config["HOST"], config["PORT"]),
        workers=workers or config["WEB_CONCURRENCY"],
        threads=threads,
    )


def listen_address(host: str, port: int) -> str:
    """gunicorn's address:port, with an IPv6 address in brackets."""
    if ":" in host and not host.startswith("["):
        host = f"[{host}]"
    return f"{host}:{port}"


@click.command("triage")
@click.argument("file", type=click.File("rb"))
@click.option("--store/--no-store", default=True, show_default=True,
              help="keep the intake and its outcome in the database, as the API does; "
                   "--no-store to try an intake without keeping it")
@with_appcontext
def triage_command(file, store):
    """Print the outcome JSON for one intake in FILE ('-' for standard input).

    The intake is stored with its outcome under the reference printed (`id`), like one
    sent to the API, unless --no-store is given. The rules come from the database, which
    is created and seeded first if it does not exist yet.
    """
    from service.store.database import initialise_database
    from service.store.models import utcnow
    from service.triage.assessment import assess, triage
    from service.triage.parsing import IntakeError, parse_json_object, validate_intake

    initialise_database()
    try:
        intake = validate_intake(parse_json_object(file.read()))
    except IntakeError as error:
        click.echo(json.dumps({"error": "invalid intake", "fields": error.fields}, indent=2),
                   err=True)
        sys.exit(2)
    if store:
        body = triage(intake).json
    else:
        body = assess(intake).model_copy(update={"created_at": utcnow()}).model_dump_json()
    outcome = json.loads(body)
    click.echo(json.dumps(outcome, indent=2))
    # On standard error, so the JSON on standard output can be piped on as it is.
    if store:
        click.echo(f"Stored as {outcome['id']} in {database_name()}; "
                   f"`{command_name()} delete {outcome['id']}` erases it, and --no-store "
                   "keeps nothing.", err=True)
    else:
        click.echo("Not stored (--no-store).", err=True)


def database_name() -> str:
    """The database, as an operator would name it: a file's path, or a URL sans password."""
    from service.extensions import db
    from service.store.database import sqlite_file

    path = sqlite_file(db.engine)
    if path:
        relative = os.path.relpath(path)
        return relative if not relative.startswith(os.pardir) else path
    return db.engine.url.render_as_string(hide_password=True)


def register(app: Flask) -> None:
    """Add the service's commands to `app.cli`, and Flask-Migrate's `db` group."""
    from service.store.database import init_migrations

    init_migrations(app)  # idempotent: a no-op if the factory already bound it
    for command in (init_db_command, serve_command, triage_command):
        app.cli.add_command(command)
