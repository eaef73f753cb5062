"""Engine speed: durable_rules (rules.RulesEngine) against plain Python, same rules, same intakes.

The baseline is tests/rules/reference.py, the oracle the differential tests trust: a
direct walk of each rule's condition tree over the facts, nothing slowed down on
purpose. A second column compiles the same conditions to Python expressions, to show
what tuned plain Python does. Every evaluation is also checked against the oracle.

    python -m bench.engine            # default knowledge base, 20, 200, 2,000, 10,000 rules
    python -m bench.engine --quick    # fewer intakes, for a smoke run
"""

from __future__ import annotations

import argparse
import time

from bench.machine import describe, print_table
from rules import RulesEngine, compile_ruleset
from rules.defaults import load_default_knowledge_base
from rules.schema import AllOf, Leaf, Rule
from tests.rules.generators import random_facts, random_rules
from tests.rules.reference import fired_rules

# (label, rule count or None for the default knowledge base, intakes, timed rounds)
CASES = [("default", None, 3000, 3), ("20", 20, 3000, 3), ("200", 200, 1500, 3),
         ("2,000", 2000, 400, 3), ("10,000", 10000, 300, 1)]
TARGETS = {"default": 2.0, "20": 2.0, "200": 2.0, "2,000": 3.0}


def python_expression(condition) -> str:
    """A condition tree as one Python expression over `x` (a missing field is false)."""
    if isinstance(condition, Leaf):
        field = repr(condition.field)
        if condition.op == "in":
            return f"({field} in x and x[{field}] in {tuple(condition.value)!r})"
        return f"({field} in x and x[{field}] {condition.op} {condition.value!r})"
    every = isinstance(condition, AllOf)
    children = condition.all if every else condition.any
    if not children:
        return "True" if every else "False"
    return "(" + (" and " if every else " or ").join(map(python_expression, children)) + ")"


def compiled_python(rules: list[Rule]):
    """Every enabled rule as a compiled lambda: facts -> slugs that fired, in rule order."""
    tests = [(r.slug, eval(f"lambda x: {python_expression(r.conditions)}"))  # noqa: S307
             for r in rules if r.enabled]
    return lambda facts: [slug for slug, test in tests if test(facts)]


def rate(evaluate, facts_list: list[dict]) -> tuple[float, list]:
    """Evaluations per second over `facts_list`, and the answers."""
    start = time.perf_counter()
    answers = [evaluate(facts) for facts in facts_list]
    return len(facts_list) / (time.perf_counter() - start), answers


def best_of(n: int, action) -> float:
    """The fastest of `n` timings of `action()`, in seconds."""
    best = float("inf")
    for _ in range(n):
        start = time.perf_counter()
        action()
        best = min(best, time.perf_counter() - start)
    return best


def run_case(label: str, count: int | None, intakes: int, rounds: int) -> list:
    rules = load_default_knowledge_base().rules if count is None else random_rules(count, count)
    facts = random_facts(intakes, seed=(count or 0) + 1)
    compile_s = best_of(3, lambda: compile_ruleset(rules, 1))
    compiled = compile_ruleset(rules, 1)
    engine = RulesEngine("bench")
    try:
        load_s = best_of(3, lambda: engine.load(compiled))
        python = compiled_python(rules)
        best = {"durable": 0.0, "reference": 0.0, "python": 0.0}
        mismatches = 0
        for n in range(rounds):  # interleaved, so drifting load hits all three alike
            durable_rate, durable = rate(lambda f: engine.evaluate(f)[1], facts)
            reference_rate, oracle = rate(lambda f: fired_rules(rules, f), facts)
            python_rate, tuned = rate(python, facts)
            if n == 0:
                mismatches = sum(d != o for d, o in zip(durable, oracle, strict=True))
                mismatches += sum(t != o for t, o in zip(tuned, oracle, strict=True))
            for name, value in (("durable", durable_rate), ("reference", reference_rate),
                                ("python", python_rate)):
                best[name] = max(best[name], value)
    finally:
        engine.close()
    slowdown = best["reference"] / best["durable"]
    target = TARGETS.get(label)
    verdict = f"{slowdown:.2f}x" + (f" (target <= {target:g}x)" if target else "")
    fired = sum(len(f) for f in oracle) / len(oracle)
    return [label, len(compiled.shards), f"{fired:.0f}", f"{compile_s * 1000:.1f}",
            f"{load_s * 1000:.1f}", f"{best['durable']:,.0f}", f"{best['reference']:,.0f}",
            verdict, f"{best['python']:,.0f}", f"{mismatches} / {len(facts):,}"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a tenth of the intakes")
    args = parser.parse_args()
    print(describe())
    rows = []
    for label, count, intakes, rounds in CASES:
        intakes = max(50, intakes // 10) if args.quick else intakes
        rows.append(run_case(label, count, intakes, rounds))
        print(f"  {label}: done", flush=True)
    print_table(["rules", "shards", "fired per intake", "compile ms", "load ms",
                 "durable eval/s", "reference eval/s", "durable time / reference",
                 "compiled Python eval/s", "mismatches / intakes"], rows)
    print(describe().replace("machine:", "after:"))


if __name__ == "__main__":
    main()
