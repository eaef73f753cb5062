"""CDS Hooks authentication: a JWT bearer signed by a CDS client (an EHR) we trust.

Trusted issuers and their public keys come from configuration only
(`CDS_HOOKS_JWKS`: issuer -> JWK Set); a `jku` header is never followed, so a token
cannot bring its own key. The claims the CDS Hooks specification requires (iss, aud,
exp, iat, jti) must be present; `aud` must be the endpoint called.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import jwt
from flask import current_app, request

# CDS Hooks requires clients to support ES384 and RS384; the others are as strong.
ALGORITHMS = ["ES384", "RS384", "ES256", "RS256", "ES512", "RS512", "PS384", "PS256"]
MAX_LIFETIME_SECONDS = 300  # the spec: a token should live no longer than five minutes
LEEWAY_SECONDS = 30


class Unauthorized(Exception):
    """The request carries no token we accept; the message says why (no health data)."""


@dataclass(frozen=True)
class Caller:
    """Who called: the token's issuer and subject (the client id)."""

    issuer: str
    subject: str

    @property
    def actor(self) -> str:
        """How the caller appears in the audit log."""
        return f"cds:{self.issuer}:{self.subject}"[:255]


UNAUTHENTICATED = Caller("unauthenticated", "local-testing")


def load_issuers(raw: str) -> dict[str, dict]:
    """Parse CDS_HOOKS_JWKS: JSON text, or `@path` to a JSON file, of issuer -> JWK Set."""
    raw = raw.strip()
    if not raw:
        return {}
    if raw.startswith("@"):
        raw = Path(raw[1:]).read_text("utf-8")
    issuers = json.loads(raw)
    if not isinstance(issuers, dict) or not all(
            isinstance(v, dict) and isinstance(v.get("keys"), list) for v in issuers.values()):
        raise ValueError("CDS_HOOKS_JWKS must map each issuer to a JWK Set {\"keys\": [...]}")
    for issuer, jwks in issuers.items():
        for jwk in jwks["keys"]:
            try:
                jwt.PyJWK(jwk)
            except (jwt.PyJWTError, TypeError, ValueError, KeyError):
                raise ValueError(f"CDS_HOOKS_JWKS: a key of {issuer} is not a usable JWK") from None
    return issuers


def _keys(jwks: dict, kid: str | None) -> list:
    keys = []
    for jwk in jwks["keys"]:
        if kid is None or jwk.get("kid") == kid:
            keys.append(jwt.PyJWK(jwk).key)  # each was checked by load_issuers
    return keys


def _audiences() -> list[str]:
    configured = current_app.config.get("CDS_HOOKS_AUDIENCE") or []
    return [request.base_url, *configured]


def verify(header: str | None) -> Caller:
    """The caller named by a valid `Authorization: Bearer <JWT>`, or Unauthorized."""
    if current_app.config.get("CDS_HOOKS_INSECURE_NO_AUTH"):
        return UNAUTHENTICATED
    if not header or not header.startswith("Bearer "):
        raise Unauthorized("an Authorization: Bearer token is required")
    token = header[len("Bearer "):].strip()
    try:
        unverified_header = jwt.get_unverified_header(token)
        issuer = jwt.decode(token, options={"verify_signature": False}).get("iss")
    except jwt.PyJWTError:
        raise Unauthorized("the bearer token is not a JWT") from None
    issuers = current_app.config.get("CDS_HOOKS_ISSUERS") or {}
    if not isinstance(issuer, str) or issuer not in issuers:
        raise Unauthorized("the token's issuer is not trusted by this service")
    algorithm = unverified_header.get("alg")
    if algorithm not in ALGORITHMS:
        raise Unauthorized(f"the token's algorithm must be one of {', '.join(ALGORITHMS)}")
    for key in _keys(issuers[issuer], unverified_header.get("kid")):
        try:
            claims = jwt.decode(
                token, key, algorithms=[algorithm], audience=_audiences(), issuer=issuer,
                leeway=LEEWAY_SECONDS,
                options={"require": ["iss", "aud", "exp", "iat", "jti"]})
        except (jwt.InvalidSignatureError, jwt.InvalidKeyError, TypeError, ValueError):
            continue  # not this key; PyJWT raises TypeError for a key of another type than alg
        except jwt.PyJWTError as error:
            raise Unauthorized(f"the token was refused: {error}") from None
        if claims["exp"] - claims["iat"] > MAX_LIFETIME_SECONDS + LEEWAY_SECONDS:
            raise Unauthorized("the token lives longer than five minutes")
        return Caller(issuer, str(claims.get("sub", "")))
    raise Unauthorized("the token's signature does not match a key of its issuer")
