"""Strict parsing of an intake body: every problem becomes a message naming the field."""

from __future__ import annotations

import json

from pydantic import ValidationError

from service.triage.intake import Intake


class IntakeError(Exception):
    """A bad intake: `fields` maps each bad field to why; `status` is the HTTP code."""

    def __init__(self, fields: dict[str, str], status: int = 422):
        super().__init__(fields)
        self.fields = fields
        self.status = status


def _no_duplicates(pairs):
    obj = {}
    for key, value in pairs:
        if key in obj:
            raise IntakeError({key: "given more than once"}, 400)
        obj[key] = value
    return obj


def _no_constants(name):
    raise IntakeError({"body": f"{name} is not a number JSON allows"}, 400)


class HugeNumber(str):
    """A number in the body with more digits than any answer can have: kept as text,
    so validation refuses it by the field's name (and Python never converts it)."""


#: No answer needs more digits than this; the longest valid one (36500) has five.
MAX_DIGITS = 20


def _bounded_int(text: str) -> int | HugeNumber:
    # int() of over 4,300 digits raises ValueError (CPython's guard against slow
    # conversions), which json.loads would let out as a 500.
    return HugeNumber(text) if len(text.lstrip("-")) > MAX_DIGITS else int(text)


def parse_json_object(raw: bytes) -> dict:
    """Decode a request body into a JSON object, refusing anything ambiguous."""
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise IntakeError({"body": "must be UTF-8 text"}, 400) from None
    try:
        value = json.loads(text, object_pairs_hook=_no_duplicates, parse_constant=_no_constants,
                           parse_int=_bounded_int)
    except json.JSONDecodeError as error:
        raise IntakeError({"body": f"is not valid JSON ({error.msg})"}, 400) from None
    except RecursionError:
        raise IntakeError({"body": "is nested too deeply"}, 400) from None
    if not isinstance(value, dict):
        raise IntakeError({"body": "must be a JSON object of answers"}, 400)
    return value


_MESSAGES = {
    "missing": "required",
    "extra_forbidden": "unknown field",
    "bool_type": "must be true or false",
    "int_type": "must be a whole number",
    "int_from_float": "must be a whole number",
    "literal_error": None,  # filled from the error's context
    "model_type": "must be an object",
    "model_attributes_type": "must be an object",
    "greater_than_equal": None,
    "less_than_equal": None,
}


def _message(error: dict) -> str:
    kind = error["type"]
    if kind != "extra_forbidden" and isinstance(error.get("input"), HugeNumber):
        return "is far too large a number"
    ctx = error.get("ctx", {})
    if kind == "literal_error":
        return f"must be one of {ctx.get('expected', '')}".replace("'", "")
    if kind == "greater_than_equal":
        return f"must be at least {ctx['ge']}"
    if kind == "less_than_equal":
        return f"must be at most {ctx['le']}"
    return _MESSAGES.get(kind) or error["msg"]


def validate_intake(data: dict) -> Intake:
    """An Intake from decoded JSON, or IntakeError naming every bad field."""
    try:
        return Intake.model_validate(data)
    except ValidationError as error:
        fields = {}
        for e in error.errors():
            name = ".".join(str(part) for part in e["loc"]) or "body"
            fields.setdefault(name, _message(e))
        raise IntakeError(fields) from None
