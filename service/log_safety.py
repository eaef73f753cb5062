"""Logs hold no health data: database and validation errors are logged by kind, never by
their text.

The text of such an error may quote what was being stored or checked: SQLAlchemy puts a
statement's bound parameters (a whole intake, as JSON) in its message, PostgreSQL adds
DETAIL lines ("Failing row contains (...)" with age, sex, level and reference), and
pydantic quotes the input it refused. The engine is made with `hide_parameters=True`,
and a log record factory, installed once per process, rewrites any such error in a log
record (as an argument or as the logged exception) to its kind: class names, SQLSTATE,
and the constraint, table and column it concerns. The traceback's frames are kept.
"""

from __future__ import annotations

import logging
import re
import sqlite3
import traceback

from pydantic import ValidationError
from sqlalchemy.exc import SQLAlchemyError

from rules.engine import EngineError

try:
    import psycopg
    _DRIVER_ERRORS: tuple[type[BaseException], ...] = (sqlite3.Error, psycopg.Error)
except ImportError:  # pragma: no cover - psycopg is a dependency, but stay importable
    _DRIVER_ERRORS = (sqlite3.Error,)

#: The rules engine's errors may quote the fact it was given (the answers).
WITHHELD = (SQLAlchemyError, ValidationError, EngineError, *_DRIVER_ERRORS)


def _chain(error: BaseException):
    seen = set()
    while error is not None and id(error) not in seen:
        seen.add(id(error))
        yield error
        error = error.__cause__ or error.__context__


def may_hold_health_data(error: BaseException) -> bool:
    """Whether `error` or one it was raised from is of a kind whose text may quote data."""
    return any(isinstance(e, WITHHELD) for e in _chain(error))


def describe(error: BaseException) -> str:
    """`error` in words that hold no data: its kind, and for a database error what it
    concerns (SQLSTATE, constraint, table, column) or SQLite's own first line."""
    parts = []
    for e in _chain(error):
        words = [type(e).__name__]
        orig = getattr(e, "orig", None) if isinstance(e, SQLAlchemyError) else e
        if isinstance(orig, sqlite3.Error):
            # SQLite's messages name constraints and columns, never values.
            words.append(f"({str(orig).splitlines()[0][:120]})" if str(orig) else "")
        elif orig is not None and getattr(orig, "sqlstate", None):
            diag = orig.diag
            about = {"SQLSTATE": orig.sqlstate, "constraint": diag.constraint_name,
                     "table": diag.table_name, "column": diag.column_name}
            words.append("(" + ", ".join(f"{k} {v}" for k, v in about.items() if v) + ")")
        elif isinstance(e, EngineError) and (code := re.search(r"error code:? *\d+", str(e))):
            words.append(f"({code.group(0)})")  # the C core's code, which says what broke
        elif not isinstance(e, WITHHELD):
            words.append(f"({str(e)[:120]})" if str(e) else "")
        parts.append(" ".join(w for w in words if w))
    return " <- ".join(dict.fromkeys(parts))


def _safe(value):
    if isinstance(value, BaseException) and may_hold_health_data(value):
        return describe(value)
    return value


def scrub(record: logging.LogRecord) -> None:
    """Rewrite, in place, every error in `record` whose text may quote health data."""
    record.msg = _safe(record.msg)
    if isinstance(record.args, tuple):
        record.args = tuple(_safe(a) for a in record.args)
    elif isinstance(record.args, dict):
        record.args = {k: _safe(v) for k, v in record.args.items()}
    if record.exc_info and record.exc_info[1] is not None \
            and may_hold_health_data(record.exc_info[1]):
        _, error, tb = record.exc_info
        frames = "".join(traceback.format_tb(tb))
        record.exc_text = (f"Traceback (most recent call last):\n{frames}{describe(error)}"
                           " [the error's text is withheld: it may quote health data]")
        record.exc_info = None


def install() -> None:
    """Scrub every log record this process makes, whichever logger or handler it meets."""
    current = logging.getLogRecordFactory()
    if getattr(current, "scrubs_health_data", False):
        return

    def factory(*args, **kwargs) -> logging.LogRecord:
        record = current(*args, **kwargs)
        scrub(record)
        return record

    factory.scrubs_health_data = True  # type: ignore[attr-defined]
    logging.setLogRecordFactory(factory)
