"""HTTP errors as JSON for API clients; never a bare 500 page."""

from __future__ import annotations

import logging

from flask import Flask, jsonify, request
from sqlalchemy.exc import DBAPIError
from werkzeug.exceptions import HTTPException, RequestEntityTooLarge

from service.extensions import db
from service.records import RecordNotStored

log = logging.getLogger(__name__)

RETRY_AFTER_SECONDS = 5
URGENT_HELP = (
    "If you have numbness around your genitals or back passage, a new problem with your "
    "bladder or bowels, or leg weakness that is getting worse, go to an emergency "
    "department now."
)
UNAVAILABLE = (
    "The service cannot store answers right now, so nothing was saved. Please try again "
    "in a few seconds. " + URGENT_HELP
)


def _wants_json() -> bool:
    return request.path.startswith("/api/") or request.path in ("/healthz", "/openapi.json")


def register_error_handlers(app: Flask) -> None:
    @app.errorhandler(RequestEntityTooLarge)
    def too_large(error):
        limit = app.config["MAX_CONTENT_LENGTH"]
        if _wants_json():
            return jsonify({"error": "invalid intake",
                            "fields": {"body": f"is larger than {limit} bytes"}}), 413
        return error

    @app.errorhandler(DBAPIError)
    @app.errorhandler(RecordNotStored)
    def database_unavailable(error):
        # Drop the broken transaction so the next request starts clean and can recover.
        db.session.rollback()
        log.error("database unavailable on %s %s: %s", request.method, request.path,
                  error.__cause__ or error)
        headers = {"Retry-After": str(RETRY_AFTER_SECONDS)}
        if _wants_json():
            return (jsonify({"error": "service unavailable", "detail": UNAVAILABLE,
                             "retry_after": RETRY_AFTER_SECONDS}), 503, headers)
        return UNAVAILABLE, 503, headers

    @app.errorhandler(HTTPException)
    def http_error(error):
        if _wants_json():
            return jsonify({"error": error.name.lower(), "detail": error.description}), error.code
        return error

    @app.errorhandler(Exception)
    def unexpected(error):
        log.exception("unhandled error on %s %s", request.method, request.path)
        if _wants_json():
            return jsonify({"error": "internal error",
                            "detail": "The service could not answer. " + URGENT_HELP}), 500
        return ("The service could not answer, so nothing was assessed. Please try again "
                "in a minute. " + URGENT_HELP), 500
