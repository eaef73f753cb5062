"""Flask extensions, made here and bound to the app in the factory with `init_app`."""

from flask_sqlalchemy import SQLAlchemy
from flask_wtf import CSRFProtect
from sqlmodel import SQLModel

# SQLModel's metadata, so db.create_all, Alembic and flask-admin all see one schema.
db = SQLAlchemy(metadata=SQLModel.metadata)
csrf = CSRFProtect()
