"""Alembic environment: the app's database, and the tables of every models module."""

from alembic import context
from flask import current_app

from service.store.database import import_models

config = context.config
migrate = current_app.extensions["migrate"]
import_models()  # so autogenerate sees every table, the admin panel's included
target_metadata = migrate.db.metadata


def run_migrations_offline() -> None:
    """Write the SQL for a database URL, without connecting (`db upgrade --sql`)."""
    context.configure(url=migrate.db.engine.url.render_as_string(hide_password=False),
                      target_metadata=target_metadata, literal_binds=True,
                      **migrate.configure_args)
    with context.begin_transaction():
        context.run_migrations()


def _skip_empty_revision(context, revision, directives) -> None:
    # `db migrate` with no model change would otherwise write an empty revision.
    if getattr(config.cmd_opts, "autogenerate", False) and directives[0].upgrade_ops.is_empty():
        directives[:] = []


def run_migrations_online() -> None:
    """Apply migrations on a connection of the app's own engine."""
    options = {"process_revision_directives": _skip_empty_revision, **migrate.configure_args}
    with migrate.db.engine.connect() as connection:
        context.configure(connection=connection, target_metadata=target_metadata, **options)
        with context.begin_transaction():
            context.run_migrations()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
