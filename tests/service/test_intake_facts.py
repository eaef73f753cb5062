"""The facts the rules read are exactly the intake's answered fields and its scores.

intake_facts reads the validated fields directly, for speed; this holds it to what
pydantic's own serialiser gives, so a field type that serialises differently (a nested
model, an enum) cannot slip past the rules unnoticed.
"""

from __future__ import annotations

import random

from service.triage.intake import Intake, intake_facts
from service.whatif.synthetic import random_intake


def serialised(intake: Intake) -> dict:
    return intake.model_dump(exclude={"start_back"}, exclude_none=True)


def test_facts_equal_the_serialised_answers_for_random_intakes():
    rng = random.Random(23)
    seen_risks = set()
    for _ in range(3000):
        intake = random_intake(rng)
        facts = intake_facts(intake)
        assert facts == serialised(intake)
        assert list(facts) == list(serialised(intake))  # the same order, too
        seen_risks.add(facts["start_back_risk"])
    assert seen_risks == {"not_answered", "low", "medium", "high"}


def test_unanswered_optional_answers_are_absent_not_none(intake):
    facts = intake_facts(Intake.model_validate(intake))
    assert None not in facts.values()
    assert "start_back" not in facts and facts["start_back_risk"] == "not_answered"
