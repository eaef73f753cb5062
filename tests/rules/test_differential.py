"""The durable_rules path agrees with the plain-Python oracle on every intake tried."""

import pytest

from rules import RulesEngine, compile_ruleset
from rules.defaults import load_default_knowledge_base
from tests.rules.generators import random_facts, random_rules
from tests.rules.reference import fired_rules


def mismatches(rules, facts_list):
    engine = RulesEngine("diff")
    try:
        engine.load(compile_ruleset(rules, 1))
        return [(facts, got, want) for facts in facts_list
                if (got := engine.evaluate(facts)[1]) != (want := fired_rules(rules, facts))]
    finally:
        engine.close()


def test_default_knowledge_base_agrees_with_the_oracle():
    rules = load_default_knowledge_base().rules
    assert mismatches(rules, random_facts(5000, seed=1)) == []


def test_check_in_facts_agree_with_the_oracle_and_course_rules_fire_only_on_check_ins():
    rules = load_default_knowledge_base().rules
    facts = random_facts(4000, seed=7, checkins=0.5)
    assert mismatches(rules, facts) == []
    course = {r.slug for r in rules if r.slug.startswith("course_")}
    fired_on = {"intake": set(), "checkin": set()}
    for f in facts:
        fired_on["checkin" if "checkin_week" in f else "intake"] |= (
            set(fired_rules(rules, f)) & course)
    assert fired_on["intake"] == set()  # an intake has no check-in facts
    assert fired_on["checkin"] == course  # each course rule was exercised


@pytest.mark.parametrize("count, intakes", [(20, 5000), (200, 3000), (2000, 1000)])
def test_generated_rulesets_agree_with_the_oracle(count, intakes):
    rules = random_rules(count, seed=count)  # over intake and check-in fields
    facts = random_facts(intakes, seed=count + 1, checkins=0.5)
    found = mismatches(rules, facts)
    assert found == [], found[:3]
    # The comparison means something only if rules fire, and not all of them.
    fired = {slug for f in facts[:200] for slug in fired_rules(rules, f)}
    assert 0 < len(fired) < count
