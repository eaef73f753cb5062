"""One intake, start to finish: assess against the active version, fail safe, store."""

from __future__ import annotations

import logging
import secrets
from typing import NamedTuple

from flask import current_app

from rules import EngineError
from service.store.models import utcnow
from service.store.records import EncodedJSON, TriageRecords
from service.triage.fail_safe import fail_safe
from service.triage.intake import Intake
from service.triage.outcome import Outcome
from service.triage.ruleset import active_ruleset

log = logging.getLogger(__name__)

# Crockford's base32: no I, L, O or U, so a reference read aloud is not misheard.
_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"


def new_reference() -> str:
    """A reference a patient can quote to a doctor, e.g. ST-7K3M-9QXD."""
    bits = int.from_bytes(secrets.token_bytes(5))  # 40 bits: eight 5-bit symbols
    code = "".join(_ALPHABET[(bits >> shift) & 31] for shift in range(35, -1, -5))
    return f"ST-{code[:4]}-{code[4:]}"


def assess(intake: Intake, reference: str | None = None) -> Outcome:
    """The outcome for `intake`; on any failure, a referral to a doctor, never a routine."""
    reference = reference or new_reference()
    ruleset = active_ruleset()
    version = None
    for _attempt in range(2):
        try:
            loaded = ruleset.current()
            if loaded is None:
                # Nothing published, or nothing loaded and the database cannot say.
                log.error("no ruleset version can be evaluated: %s gets the fail-safe",
                          reference)
                return fail_safe(reference, None, intake)
            version = loaded.version
            return loaded.assess(intake, reference)
        except EngineError:
            # The version may have been swapped out under us: look again, once.
            log.warning("engine error on version %s; retrying", version, exc_info=True)
            ruleset.expire()
        except Exception:
            log.exception("assessment %s failed: it gets the fail-safe", reference)
            return fail_safe(reference, version, intake)
    log.error("assessment %s failed twice: it gets the fail-safe", reference)
    return fail_safe(reference, version, intake)


class Triaged(NamedTuple):
    """An assessed and stored intake: the outcome, and the JSON stored and answered."""

    outcome: Outcome
    json: str


def triage(intake: Intake, access_hash: str | None = None) -> Triaged:
    """Assess `intake` and commit it with its outcome before anyone is answered.

    The outcome is encoded to JSON once: those exact bytes are stored and sent, so the
    record shows what the patient was told. `access_hash` is stored with it when the
    patient is given a result address (service.patient.result_access).
    """
    outcome = assess(intake).model_copy(update={"created_at": utcnow()})
    body = outcome.model_dump_json()
    records().store(
        reference=outcome.id,
        created_at=outcome.created_at,
        intake=EncodedJSON(intake.model_dump_json(exclude={"start_back_risk"})),
        outcome=EncodedJSON(body),
        triage_level=outcome.triage_level,
        ruleset_version=outcome.ruleset_version,
        access_hash=access_hash,
    )
    return Triaged(outcome, body)


def records() -> TriageRecords:
    """This app's writer of triage records."""
    return current_app.extensions["sciatica_records"]
