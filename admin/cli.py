"""`sciatica-triage create-user` and `set-password`, and the first-run hint."""

from __future__ import annotations

import sys

import click
from flask import Flask, current_app
from flask.cli import with_appcontext
from sqlalchemy import select
from werkzeug.security import generate_password_hash

from admin.models import ROLES, User, new_session_token
from admin.views.users import EMAIL, password_problem
from service.extensions import db
from service.program import command_name
from service.store.audit import record_change


def first_user_hint() -> str:
    """How to make the first clinician account, as a command that runs from here."""
    return ("No clinician accounts exist yet. Create the first one (it will ask for a "
            f"password) with:\n    {command_name()} create-user you@example.org "
            "--role publisher")


def _read_password() -> str:
    """From a prompt on a terminal, else the first line of standard input. Never echoed."""
    if sys.stdin.isatty():
        return click.prompt("Password", hide_input=True, confirmation_prompt=True)
    return sys.stdin.readline().rstrip("\r\n")


@click.command("create-user")
@click.argument("email")
@click.option("--role", type=click.Choice(ROLES), required=True,
              help="viewer reads; editor changes the draft; publisher also publishes.")
@with_appcontext
def create_user_command(email: str, role: str) -> None:
    """Create a clinician account for the admin panel."""
    from service.store.database import initialise_database

    initialise_database()
    email = email.strip().lower()
    if not EMAIL.match(email):
        raise click.UsageError(f"'{email}' is not an email address")
    if db.session.scalar(select(User.id).where(User.email == email)):
        raise click.ClickException(f"an account for {email} already exists; a publisher "
                                   "can change it in the panel")
    password = _read_password()
    problem = password_problem(password)
    if problem:
        raise click.ClickException(problem)
    db.session.add(User(email=email, role=role, password_hash=generate_password_hash(password)))
    record_change("command line", "create", "user", email[:80], None,
                  {"email": email, "role": role, "active": True})
    db.session.commit()
    port = current_app.config["PORT"]
    click.echo(f"Created {role} {email}. Sign in at /admin/ on the service "
               f"(http://localhost:{port}/admin/ when it runs on this machine).")


@click.command("set-password")
@click.argument("email")
@with_appcontext
def set_password_command(email: str) -> None:
    """Give an account a new password, signing it out everywhere.

    For the operator when no publisher can sign in to do it in the panel (say, the only
    one forgot theirs). The account is also made active again.
    """
    account = db.session.scalar(select(User).where(User.email == email.strip().lower()))
    if account is None:
        raise click.ClickException(f"there is no account for {email.strip().lower()}")
    password = _read_password()
    problem = password_problem(password)
    if problem:
        raise click.ClickException(problem)
    was_active = account.active
    account.password_hash = generate_password_hash(password)
    account.session_token = new_session_token()  # every open session ends
    account.active = True
    record_change("command line", "update", "user", account.email[:80],
                  {"email": account.email, "role": account.role, "active": was_active},
                  {"email": account.email, "role": account.role, "active": True,
                   "password": "changed"})
    db.session.commit()
    click.echo(f"New password set for {account.role} {account.email}; any open sessions "
               "are signed out.")


def hint_if_no_users() -> bool:
    """Print how to create the first account when there is none; True if it printed."""
    if db.session.scalar(select(User.id).limit(1)) is not None:
        return False
    click.echo(first_user_hint(), err=True)
    return True


def register(app: Flask) -> None:
    """Add the panel's commands to `app.cli`."""
    app.cli.add_command(create_user_command)
    app.cli.add_command(set_password_command)
