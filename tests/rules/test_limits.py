"""Rule sets that would break one durable_rules ruleset still compile and answer right."""

import random

from rules import RulesEngine, compile_ruleset
from rules.compiler import SHARD_LEAF_LIMIT, leaf_count
from rules.schema import Rule
from tests.rules.generators import random_facts, random_rules
from tests.rules.reference import fired_rules


def durable_leaves(expression: dict) -> int:
    """Count the comparison nodes in a durable_rules expression."""
    (key, value), = expression.items()
    if key in ("$and", "$or"):
        return sum(durable_leaves(e) for e in value)
    return 1


def test_no_shard_exceeds_the_leaf_limit():
    compiled = compile_ruleset(random_rules(500, seed=3), 1)
    assert len(compiled.shards) > 5
    for shard in compiled.shards:
        total = sum(durable_leaves(d["all"][0]["m"]) for d in shard.values())
        assert 0 < total <= SHARD_LEAF_LIMIT


def test_a_rule_with_hundreds_of_conditions_answers_correctly():
    rng = random.Random(11)
    # 150 leaves in an `all`, and an `in` with 120 values: both far beyond one shard.
    big_all = Rule.model_validate({
        "slug": "big-all", "name": "big all", "reason": "x",
        "action": {"type": "add_advice", "advice": "stop_signs"},
        "conditions": {"all": [{"field": "age", "op": ">=", "value": rng.randint(0, 30)}
                               for _ in range(150)]},
    })
    big_in = Rule.model_validate({
        "slug": "big-in", "name": "big in", "reason": "x",
        "action": {"type": "add_advice", "advice": "stop_signs"},
        "conditions": {"any": [{"field": "age", "op": "in", "value": list(range(0, 120, 1))},
                               {"field": "fever", "op": "==", "value": True}]},
    })
    rules = [big_all, big_in]
    assert leaf_count(big_all.conditions) > SHARD_LEAF_LIMIT
    engine = RulesEngine("limits")
    try:
        engine.load(compile_ruleset(rules, 1))
        for facts in random_facts(400, seed=5):
            assert engine.evaluate(facts)[1] == fired_rules(rules, facts), facts
    finally:
        engine.close()


def test_hundreds_of_rules_with_many_distinct_first_conditions():
    rules = [Rule.model_validate({
        "slug": f"age-{n}", "name": "x", "reason": "x",
        "action": {"type": "add_advice", "advice": "stop_signs"},
        "conditions": {"all": [{"field": "age", "op": "==", "value": n % 121},
                               {"field": "pain_score", "op": ">=", "value": n % 11}]},
    }) for n in range(800)]
    engine = RulesEngine("limits")
    try:
        engine.load(compile_ruleset(rules, 1))
        for facts in random_facts(300, seed=8):
            assert engine.evaluate(facts)[1] == fired_rules(rules, facts)
    finally:
        engine.close()
