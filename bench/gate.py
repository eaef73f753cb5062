"""The publish gate's time: vignettes, static checks, safety probes and protected rules.

The gate runs inside a clinician's request (publish, check, confirm, approve), so it must
answer quickly: under 3 s for the default knowledge base and under 10 s for 200 referral
rules with 200 vignettes. The draft in each case is the live version with one referral
rule switched off, so the probes find downgrades and group them, as in real use; the
large case also with every A&E rule lowered to GP today, so thousands of probes are
downgraded and grouped.
Each case is run three times; the table shows the fastest and the slowest.

    python -m bench.gate
"""

from __future__ import annotations

import argparse
import random
import time

from bench.machine import describe, print_table
from rules.defaults import load_default_knowledge_base
from rules.schema import KnowledgeBase, Refer, Rule
from service.triage.gate import evaluate_gate
from service.triage.intake import VOCABULARY
from service.triage.knowledge import public_vignettes
from service.triage.vignettes import check_vignettes

TARGETS = {"default": 3.0, "200 rules, 200 vignettes": 10.0}


def flag_rule(i: int, rng: random.Random) -> Rule:
    """A referral shaped like a clinician's: one to three warning signs together."""
    leaves = []
    for spec in rng.sample(list(VOCABULARY.values()), rng.randint(1, 3)):
        if spec.kind == "boolean":
            leaves.append({"field": spec.name, "op": "==", "value": True})
        elif spec.kind == "choice":
            leaves.append({"field": spec.name, "op": "==", "value": rng.choice(spec.choices[1:])})
        else:
            hi = min(spec.maximum if spec.maximum is not None else 100, 100)
            leaves.append({"field": spec.name, "op": rng.choice(("<", ">=")),
                           "value": rng.randint((spec.minimum or 0) + 1, hi)})
    level = rng.choice(("emergency_ambulance", "emergency", "consultation_24",
                        "consultation", "consultation"))
    return Rule.model_validate({
        "slug": f"flag-{i}", "name": f"generated warning sign {i}",
        "conditions": {"all": leaves}, "reason": "Generated.",
        "action": {"type": "refer", "level": level, "message": "See a doctor."}})


def large_case(rules: int, vignettes: int, seed: int = 12) -> tuple[KnowledgeBase, list]:
    """The default knowledge base grown to `rules` referral rules, with `vignettes`
    random vignettes that pass (each expects the level the rules give it)."""
    from tests.rules.generators import random_answers

    rng = random.Random(seed)
    kb = load_default_knowledge_base()
    have = sum(isinstance(r.action, Refer) for r in kb.rules)
    extra = [flag_rule(i, rng) for i in range(rules - have)]
    kb = kb.model_copy(update={"rules": [*kb.rules, *extra]})
    cases = [{"id": f"generated-{i}", "intake": random_answers(rng), "expect": {}}
             for i in range(vignettes)]
    for case, result in zip(cases, check_vignettes(kb, cases), strict=True):
        case["expect"] = {"levels": [result.level]}
    return kb, cases


def one_off(kb: KnowledgeBase, slug: str) -> KnowledgeBase:
    """`kb` with referral rule `slug` switched off: a draft the probes must catch."""
    return kb.model_copy(update={"rules": [
        r.model_copy(update={"enabled": False}) if r.slug == slug else r for r in kb.rules]})


def lowered(kb: KnowledgeBase) -> KnowledgeBase:
    """`kb` with every A&E referral lowered to GP today: a draft with many downgrades."""
    return kb.model_copy(update={"rules": [
        r.model_copy(update={"action": r.action.model_copy(update={"level": "consultation_24"})})
        if isinstance(r.action, Refer) and r.action.level == "emergency" else r
        for r in kb.rules]})


def measure(name: str, live: KnowledgeBase, draft: KnowledgeBase, vignettes: list,
            runs: int) -> list:
    times, report = [], None
    for _ in range(runs):
        start = time.perf_counter()
        report = evaluate_gate(draft, vignettes, live, live=1)
        times.append(time.perf_counter() - start)
    referrals = sum(r.enabled and isinstance(r.action, Refer) for r in draft.rules)
    target = TARGETS[name.split(":")[0]]
    return [name, referrals, len(vignettes), report.probes.count,
            len(report.probes.downgrades), f"{min(times):.2f}", f"{max(times):.2f}",
            f"{target:.0f}", f"{max(times) / target:.0%}"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    print(describe())
    default = load_default_knowledge_base()
    rows = [measure("default: saddle rule off", default, one_off(default, "ces_saddle_numbness"),
                    public_vignettes(), args.runs)]
    kb, vignettes = large_case(200, 200)
    rows.append(measure("200 rules, 200 vignettes: saddle rule off", kb,
                        one_off(kb, "ces_saddle_numbness"), vignettes, args.runs))
    rows.append(measure("200 rules, 200 vignettes: A&E rules lowered", kb, lowered(kb),
                        vignettes, args.runs))
    print_table(["case", "referral rules", "vignettes", "probes", "downgraded probes",
                 "fastest s", "slowest s", "target s", "slowest / target"], rows)
    print(describe())


if __name__ == "__main__":
    main()
