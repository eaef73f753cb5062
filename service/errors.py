"""HTTP errors as JSON for API clients; never a bare 500 page."""

from __future__ import annotations

import logging

from flask import Flask, jsonify, render_template, request
from sqlalchemy.exc import DBAPIError
from werkzeug.exceptions import HTTPException, RequestEntityTooLarge

from service.extensions import db
from service.patient.result_access import redact
from service.store.records import RecordNotStored

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
    return (request.path.startswith(("/api/", "/fhir/", "/cds-services"))
            or request.path in ("/healthz", "/openapi.json"))


def _patient_page() -> bool:
    """A page a patient may land on: everything but the API and the clinicians' panel."""
    return not _wants_json() and not request.path.startswith("/admin")


def _problem_page(status: int, title: str, message: str, text: str, headers=None):
    """The patient's page for `status`; `text` alone if even that page cannot be drawn."""
    try:
        body = render_template("patient/problem.html", title=title, message=message)
    except Exception:  # a broken template must not turn a 503 into a 500
        log.exception("the problem page could not be drawn")
        body = text
    return body, status, {"Cache-Control": "no-store", **(headers or {})}


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
        log.error("database unavailable on %s %s: %s", request.method, redact(request.path),
                  error.__cause__ or error)
        headers = {"Retry-After": str(RETRY_AFTER_SECONDS)}
        if _wants_json():
            return (jsonify({"error": "service unavailable", "detail": UNAVAILABLE,
                             "retry_after": RETRY_AFTER_SECONDS}), 503, headers)
        if _patient_page():
            return _problem_page(
                503, "The service is not available just now",
                "Nothing you sent has been saved. Please try again in a few seconds.",
                UNAVAILABLE, headers)
        return ("The database cannot be reached just now. Please try again in a few "
                "seconds; if you were saving a change, check whether it was saved."), 503, headers

    @app.errorhandler(HTTPException)
    def http_error(error):
        if _wants_json():
            # Keep what the error says in its headers (Allow on a 405, Retry-After on 429).
            headers = [(k, v) for k, v in error.get_headers() if k.lower() != "content-type"]
            return (jsonify({"error": error.name.lower(), "detail": error.description}),
                    error.code, headers)
        if error.code == 429 and _patient_page():
            return _problem_page(429, "Please try again later", error.description,
                                 error.description,
                                 {k: v for k, v in error.get_headers() if k == "Retry-After"})
        if error.code == 404 and _patient_page():
            return _problem_page(
                404, "There is no page here",
                "The address may be mistyped, or the page may have moved. A result opens "
                "only at the full address you were sent to after the questions.",
                error.description)
        return error

    @app.errorhandler(Exception)
    def unexpected(error):
        log.exception("unhandled error on %s %s", request.method, redact(request.path))
        if _wants_json():
            return jsonify({"error": "internal error",
                            "detail": "The service could not answer. " + URGENT_HELP}), 500
        text = ("The service could not answer, so nothing was assessed. Please try again "
                "in a minute. " + URGENT_HELP)
        if _patient_page():
            return _problem_page(500, "Something went wrong",
                                 "The service could not answer, so nothing was assessed. "
                                 "Please try again in a minute.", text)
        # The clinicians' panel: the error is logged above for whoever runs the service.
        return ("Something went wrong in the panel. If you were saving a change, check "
                "whether it was saved before trying again."), 500
