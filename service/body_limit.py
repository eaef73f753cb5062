"""Request bodies without a Content-Length (chunked) are held to MAX_CONTENT_LENGTH too.

werkzeug enforces MAX_CONTENT_LENGTH from the Content-Length header. A chunked body has
none: werkzeug then stops reading at the limit and hands the view what it read, so the
tail of a longer body was silently dropped (and an answer in it ignored). Here such a
body is read up to one byte past the limit before the app sees it: within the limit it
is passed on with its length; past it, the request is marked as over the limit, which
werkzeug then refuses with 413 wherever the body is read (every path, not just the API).
"""

from __future__ import annotations

import io
from collections.abc import Callable, Iterable


class ChunkedBodyLimit:
    """WSGI middleware: give a body of unknown length a Content-Length, or a 413."""

    def __init__(self, app: Callable, limit: Callable[[], int | None]):
        self.app = app
        self.limit = limit  # read per request, so a test may change the configuration

    def __call__(self, environ: dict, start_response: Callable) -> Iterable[bytes]:
        limit = self.limit()
        if limit is not None and _length_unknown(environ):
            body = _read_at_most(environ["wsgi.input"], limit + 1)
            if len(body) > limit:
                body = b""  # never handed on: werkzeug refuses the request by its length
                environ["CONTENT_LENGTH"] = str(limit + 1)
            else:
                environ["CONTENT_LENGTH"] = str(len(body))
            environ["wsgi.input"] = io.BytesIO(body)
            environ.pop("HTTP_TRANSFER_ENCODING", None)
        return self.app(environ, start_response)


def _length_unknown(environ: dict) -> bool:
    # Chunked overrides any Content-Length (as werkzeug reads it); a server that handles
    # chunked bodies itself may drop the header and set wsgi.input_terminated (gunicorn).
    if "chunked" in environ.get("HTTP_TRANSFER_ENCODING", "").lower():
        return True
    return not environ.get("CONTENT_LENGTH") and bool(environ.get("wsgi.input_terminated"))


def _read_at_most(stream, size: int) -> bytes:
    parts, total = [], 0
    while total < size:
        chunk = stream.read(min(65536, size - total))
        if not chunk:
            break
        parts.append(chunk)
        total += len(chunk)
    return b"".join(parts)
