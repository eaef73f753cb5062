"""Random valid rules and intakes over the real vocabulary, for differential tests and bench."""

from __future__ import annotations

import random

from rules.schema import Rule
from rules.vocabulary import FieldSpec, Vocabulary
from service.followup.facts import CheckinFacts
from service.triage.intake import VOCABULARY, intake_facts
from service.whatif.synthetic import random_answers, random_intake  # noqa: F401 (re-exported)


def random_value(spec: FieldSpec, rng: random.Random):
    if spec.kind == "boolean":
        return rng.random() < 0.5
    if spec.kind == "choice":
        return rng.choice(spec.choices)
    # Integers: mostly near the low end, where clinical thresholds live.
    hi = min(spec.maximum if spec.maximum is not None else 100, 120)
    return rng.randint(spec.minimum or 0, hi)


def random_leaf(vocabulary: Vocabulary, rng: random.Random) -> dict:
    spec = rng.choice(list(vocabulary.values()))
    op = rng.choice(spec.operators)
    if op == "in":
        values = list({random_value(spec, rng) for _ in range(rng.randint(1, 4))})
        return {"field": spec.name, "op": op, "value": values}
    return {"field": spec.name, "op": op, "value": random_value(spec, rng)}


def random_condition(vocabulary: Vocabulary, rng: random.Random, depth: int = 0) -> dict:
    if depth >= 2 or rng.random() < 0.45:
        return random_leaf(vocabulary, rng)
    kind = rng.choice(("all", "any"))
    return {kind: [random_condition(vocabulary, rng, depth + 1)
                   for _ in range(rng.randint(1, 3))]}


def random_rules(count: int, seed: int, vocabulary: Vocabulary = VOCABULARY) -> list[Rule]:
    """`count` valid rules with nested all/any trees over real intake fields."""
    rng = random.Random(seed)
    rules = []
    for i in range(count):
        root = rng.choice(("all", "any"))
        conditions = {root: [random_condition(vocabulary, rng, 1)
                             for _ in range(rng.randint(1, 3))]}
        rules.append(Rule.model_validate({
            "slug": f"gen-{i}", "name": f"generated {i}", "conditions": conditions,
            "action": {"type": "add_advice", "advice": "stop_signs"},
            "reason": "generated", "enabled": rng.random() > 0.05,
        }))
    return rules


def random_checkin_facts(rng: random.Random) -> dict:
    """A weekly check-in's course facts, valid for service.followup.facts.CheckinFacts."""
    week = rng.randint(1, 12)
    return CheckinFacts(
        checkin_week=week, pain_change_from_start=rng.randint(-6, 6),
        worse_by_2_streak=rng.randint(0, week), peripheralised=rng.random() < 0.2,
        exercises_skipped_for_pain=rng.random() < 0.2, exercise_days=rng.randint(0, 7),
        walking_managed=rng.random() < 0.6).model_dump()


def random_facts(count: int, seed: int, checkins: float = 0.0) -> list[dict]:
    """Facts of `count` random intakes; a share `checkins` of them are check-ins."""
    rng = random.Random(seed)
    facts = []
    for _ in range(count):
        fact = intake_facts(random_intake(rng))
        if rng.random() < checkins:
            fact |= random_checkin_facts(rng)
        facts.append(fact)
    return facts
