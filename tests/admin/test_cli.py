"""`sciatica-triage create-user` and `set-password`: passwords read, hashed, never shown."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from werkzeug.security import check_password_hash

from admin.cli import hint_if_no_users
from admin.models import User
from admin.security import load_user
from service.extensions import db
from service.store.models import AuditEntry

SECRET = "a long enough password"


def user(app, email: str) -> User | None:
    with app.app_context():
        return db.session.scalar(db.select(User).where(User.email == email))


def test_create_user_reads_the_password_from_stdin_and_hashes_it(app, runner):
    result = runner.invoke(args=["create-user", "Dr.Lee@Example.org", "--role", "editor"],
                           input=SECRET + "\n")
    assert result.exit_code == 0, result.output
    assert "Created editor dr.lee@example.org" in result.output
    assert SECRET not in result.output
    made = user(app, "dr.lee@example.org")
    assert made.role == "editor" and made.active
    assert made.password_hash.startswith("scrypt:") and SECRET not in made.password_hash
    with app.app_context():
        entry = db.session.scalars(db.select(AuditEntry).order_by(AuditEntry.id.desc())).first()
        assert (entry.actor, entry.action, entry.entity, entry.entity_key) == (
            "command line", "create", "user", "dr.lee@example.org")


@pytest.mark.parametrize("args, password, message", [
    (["not-an-email", "--role", "viewer"], SECRET, "is not an email address"),
    (["a@example.org", "--role", "admin"], SECRET, "'admin' is not one of"),
    (["a@example.org", "--role", "viewer"], "short", "at least 12 characters"),
])
def test_create_user_refuses_bad_input(app, runner, args, password, message):
    result = runner.invoke(args=["create-user", *args], input=password + "\n")
    assert result.exit_code != 0 and message in result.output
    assert password not in result.output
    assert user(app, "a@example.org") is None


def test_an_existing_account_is_not_overwritten(app, runner):
    runner.invoke(args=["create-user", "a@example.org", "--role", "viewer"], input=SECRET)
    result = runner.invoke(args=["create-user", "a@example.org", "--role", "publisher"],
                           input="another password entirely")
    assert result.exit_code == 1 and "already exists" in result.output
    assert user(app, "a@example.org").role == "viewer"


def test_the_first_run_hint_until_there_is_an_account(app, runner, capsys):
    with app.app_context():
        assert hint_if_no_users() is True
    assert "sciatica-triage create-user you@example.org --role publisher" in \
        capsys.readouterr().err
    runner.invoke(args=["create-user", "a@example.org", "--role", "publisher"], input=SECRET)
    with app.app_context():
        assert hint_if_no_users() is False


NEW_SECRET = "a different long password"


def test_set_password_replaces_it_and_signs_the_account_out(app, runner):
    runner.invoke(args=["create-user", "a@example.org", "--role", "publisher"], input=SECRET)
    before = user(app, "a@example.org")
    with app.app_context():
        db.session.execute(db.update(User).values(active=False))  # locked out, say
        db.session.commit()
    result = runner.invoke(args=["set-password", " A@Example.org "], input=NEW_SECRET + "\n")
    assert result.exit_code == 0, result.output
    assert "New password set for publisher a@example.org" in result.output
    assert NEW_SECRET not in result.output
    after = user(app, "a@example.org")
    assert check_password_hash(after.password_hash, NEW_SECRET)
    assert not check_password_hash(after.password_hash, SECRET)
    assert after.active and after.role == "publisher"
    with app.app_context():
        assert load_user(before.get_id()) is None  # the old session no longer signs in
        assert load_user(after.get_id()).email == "a@example.org"
        entry = db.session.scalars(db.select(AuditEntry).order_by(AuditEntry.id.desc())).first()
        assert (entry.actor, entry.action, entry.entity_key) == (
            "command line", "update", "a@example.org")
        assert entry.before["active"] is False and entry.after["password"] == "changed"
        assert NEW_SECRET not in str(entry.after) and after.password_hash not in str(entry.after)


@pytest.mark.parametrize("email, password, message", [
    ("nobody@example.org", NEW_SECRET, "there is no account for nobody@example.org"),
    ("a@example.org", "short", "at least 12 characters"),
])
def test_set_password_refuses_and_changes_nothing(app, runner, email, password, message):
    runner.invoke(args=["create-user", "a@example.org", "--role", "viewer"], input=SECRET)
    before = user(app, "a@example.org")
    result = runner.invoke(args=["set-password", email], input=password + "\n")
    assert result.exit_code == 1 and message in result.output
    after = user(app, "a@example.org")
    assert (after.password_hash, after.session_token) == (
        before.password_hash, before.session_token)


def test_the_installed_command_has_it(tmp_path):
    """Through the real console script, as an operator would run it, password piped in."""
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{tmp_path / 'cli.db'}",
           "SECRET_KEY": "test-only-secret"}
    command = Path(sys.executable).with_name("sciatica-triage")
    result = subprocess.run([str(command), "create-user", "ops@example.org", "--role",
                             "publisher"], input=SECRET + "\n", env=env, capture_output=True,
                            text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert "Created publisher ops@example.org" in result.stdout
    assert SECRET not in result.stdout + result.stderr
