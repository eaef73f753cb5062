"""The lasting address of a patient's result: a reference plus an unguessable secret.

The reference is short enough to read to a doctor, so it is no secret: anyone who sees
it could type it. Health answers are therefore shown only to whoever also holds the
secret (the token) that was put in the patient's own address. The token is random
(`TOKEN_BYTES` bytes, 192 bits), only its SHA-256 is stored, and it is compared in
constant time. A hash without a salt is enough here: the token has the full entropy of
a key, so nothing can be learnt by guessing candidates against a leaked hash.

Other features (weekly check-ins) reach a patient's record through `load_record`, and
link back with `result_url`; neither ever takes a reference on its own.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets

from flask import url_for
from sqlalchemy import select

from service.extensions import db
from service.store.models import TriageRecord

#: 24 random bytes: 192 bits, 32 URL-safe characters.
TOKEN_BYTES = 24
_TOKEN_SHAPE = re.compile(r"[A-Za-z0-9_-]{32,64}")
_REFERENCE_SHAPE = re.compile(r"ST-[0-9A-Z]{4}-[0-9A-Z]{4}")
# Compared against when there is no record, so a miss costs what a hit costs.
_NO_RECORD = hashlib.sha256(b"no record").hexdigest()


def new_token() -> tuple[str, str]:
    """A fresh (token for the address, hash to store with the record)."""
    token = secrets.token_urlsafe(TOKEN_BYTES)
    return token, token_hash(token)


def token_hash(token: str) -> str:
    """The stored form of a token: SHA-256, hex."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def load_record(reference: str, token: str) -> TriageRecord | None:
    """The record at (reference, token), or None: unknown, deleted, or the wrong token."""
    if not (_REFERENCE_SHAPE.fullmatch(reference or "") and _TOKEN_SHAPE.fullmatch(token or "")):
        return None
    record = db.session.scalar(select(TriageRecord).where(TriageRecord.reference == reference))
    stored = record.access_hash if record is not None and record.access_hash else _NO_RECORD
    matches = hmac.compare_digest(token_hash(token), stored)
    return record if matches and stored is not _NO_RECORD else None


_ADDRESS_SECRET = re.compile(r"(/result/[^/\s?\"]+/)[A-Za-z0-9_-]+")


def redact(text: str) -> str:
    """`text` with the token of any result address in it replaced by "[token]"."""
    return _ADDRESS_SECRET.sub(r"\1[token]", text)


def result_url(reference: str, token: str, view: str = "result", external: bool = False) -> str:
    """The address of a result page: view is "result", "handout" or "doctor"."""
    return url_for(f"results.{view}", reference=reference, token=token, _external=external)
