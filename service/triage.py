"""One intake, start to finish: assess against the active version, fail safe, store."""

from __future__ import annotations

import logging
import secrets

from rules import EngineError
from service.extensions import db
from service.intake import Intake
from service.models import TriageRecord, utcnow
from service.outcome import Outcome, fail_safe
from service.ruleset import active_ruleset

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
                log.error("no ruleset is published: referring %s to a doctor", reference)
                return fail_safe(reference, None, intake)
            version = loaded.version
            return loaded.assess(intake, reference)
        except EngineError:
            # The version may have been swapped out under us: look again, once.
            log.warning("engine error on version %s; retrying", version, exc_info=True)
            ruleset.expire()
        except Exception:
            log.exception("assessment %s failed: referring to a doctor", reference)
            return fail_safe(reference, version, intake)
    log.error("assessment %s failed twice: referring to a doctor", reference)
    return fail_safe(reference, version, intake)


def triage(intake: Intake) -> Outcome:
    """Assess `intake` and store it with its outcome in one transaction."""
    outcome = assess(intake)
    created_at = utcnow()  # kept: SQLite would hand the stored value back without a zone
    record = TriageRecord(
        created_at=created_at,
        reference=outcome.id,
        intake=intake.model_dump(mode="json", exclude={"start_back_risk"}),
        outcome=outcome.model_dump(mode="json", exclude={"created_at"}),
        triage_level=outcome.triage_level,
        ruleset_version=outcome.ruleset_version,
    )
    db.session.add(record)
    db.session.commit()
    return outcome.model_copy(update={"created_at": created_at})
