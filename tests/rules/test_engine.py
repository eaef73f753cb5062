"""The compiler and engine: every matching rule fires, trees nest, versions swap cleanly."""

import pytest

import rules.engine as engine_module
from rules import EngineError, RulesEngine, compile_ruleset
from rules.schema import Rule


def rule(slug, conditions, enabled=True):
    return Rule.model_validate({
        "slug": slug, "name": slug, "conditions": conditions, "enabled": enabled,
        "action": {"type": "add_advice", "advice": "stop_signs"}, "reason": slug,
    })


def leaf(field, op, value):
    return {"field": field, "op": op, "value": value}


@pytest.fixture
def engine():
    e = RulesEngine("unit")
    yield e
    e.close()


def test_every_matching_rule_fires_not_just_the_first(engine):
    rules = [rule(f"r{i}", {"all": [leaf("fever", "==", True)]}) for i in range(8)]
    engine.load(compile_ruleset(rules, 1))
    assert engine.evaluate({"fever": True}) == (1, [f"r{i}" for i in range(8)])
    assert engine.evaluate({"fever": False}) == (1, [])


def test_any_and_all_nest(engine):
    rules = [rule("nested", {"all": [
        leaf("age", ">=", 50),
        {"any": [leaf("fever", "==", True),
                 {"all": [leaf("night_pain", "==", True), leaf("pain_score", ">", 6)]}]},
    ]})]
    engine.load(compile_ruleset(rules, 1))
    assert engine.evaluate({"age": 60, "fever": True})[1] == ["nested"]
    assert engine.evaluate({"age": 60, "fever": False, "night_pain": True,
                            "pain_score": 7})[1] == ["nested"]
    assert engine.evaluate({"age": 60, "fever": False, "night_pain": True,
                            "pain_score": 6})[1] == []
    assert engine.evaluate({"age": 49, "fever": True})[1] == []


def test_an_any_rule_true_on_several_branches_is_reported_once(engine):
    rules = [rule("either", {"any": [leaf("fever", "==", True), leaf("age", ">", 10)]})]
    engine.load(compile_ruleset(rules, 1))
    assert engine.evaluate({"fever": True, "age": 50})[1] == ["either"]


@pytest.mark.parametrize("value, fires", [("below_knee", True), ("both_legs", True),
                                          ("above_knee", False), ("none", False)])
def test_in_matches_any_listed_value(engine, value, fires):
    rules = [rule("leg", {"all": [leaf("leg_pain", "in", ["below_knee", "both_legs"])]})]
    engine.load(compile_ruleset(rules, 1))
    assert engine.evaluate({"leg_pain": value})[1] == (["leg"] if fires else [])


@pytest.mark.parametrize("op, value, fires", [
    ("==", 5, True), ("!=", 5, False), ("<", 6, True), ("<=", 5, True),
    (">", 5, False), (">=", 5, True), ("!=", 4, True), ("<", 5, False),
])
def test_each_operator(engine, op, value, fires):
    engine.load(compile_ruleset([rule("op", {"all": [leaf("pain_score", op, value)]})], 1))
    assert engine.evaluate({"pain_score": 5})[1] == (["op"] if fires else [])


def test_a_missing_field_makes_every_test_false(engine):
    rules = [rule("ne", {"all": [leaf("cancer_years_ago", "!=", 3)]}),
             rule("lt", {"all": [leaf("cancer_years_ago", "<", 3)]})]
    engine.load(compile_ruleset(rules, 1))
    assert engine.evaluate({"age": 40})[1] == []
    assert engine.evaluate({"cancer_years_ago": 1})[1] == ["ne", "lt"]


def test_rules_without_conditions_always_fire_and_disabled_rules_never(engine):
    rules = [rule("always", {"all": []}), rule("off", {"all": []}, enabled=False),
             rule("off2", {"all": [leaf("age", ">=", 0)]}, enabled=False)]
    engine.load(compile_ruleset(rules, 1))
    assert engine.evaluate({"age": 30})[1] == ["always"]


def test_the_same_fact_can_be_evaluated_again_and_again(engine):
    engine.load(compile_ruleset([rule("r", {"all": [leaf("age", ">", 1)]})], 1))
    for _ in range(50):
        assert engine.evaluate({"age": 30})[1] == ["r"]


def test_a_new_version_replaces_the_old_and_frees_it(engine, monkeypatch):
    deleted = []
    real_delete = engine_module._dr.delete_ruleset
    monkeypatch.setattr(engine_module._dr, "delete_ruleset",
                        lambda h: (deleted.append(h), real_delete(h))[1])
    engine.load(compile_ruleset([rule("old", {"all": [leaf("age", ">", 1)]})], 1))
    old_handles = list(engine._loaded.handles)
    engine.load(compile_ruleset([rule("new", {"all": [leaf("age", ">", 1)]})], 2))
    assert engine.version == 2
    assert engine.evaluate({"age": 30}) == (2, ["new"])
    assert deleted == old_handles
    engine.load(compile_ruleset([rule("old", {"all": [leaf("age", ">", 1)]})], 1))
    assert engine.evaluate({"age": 30}) == (1, ["old"])  # reloading a version number works


def test_evaluating_with_nothing_loaded_raises(engine):
    with pytest.raises(EngineError):
        engine.evaluate({"age": 30})


def test_facts_carry_only_fields_some_rule_reads():
    compiled = compile_ruleset([rule("r", {"any": [leaf("age", ">", 1),
                                                   leaf("fever", "==", True)]})], 1)
    assert compiled.fields == {"age", "fever"}
