"""Run in a child process by test_soak.py: RSS before and after many evaluations."""

import sys

from rules import RulesEngine, compile_ruleset
from rules.defaults import load_default_knowledge_base
from tests.rules.generators import random_facts


def rss_kib() -> int:
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    raise RuntimeError("no VmRSS")


def main(total: int) -> None:
    engine = RulesEngine("memory")
    engine.load(compile_ruleset(load_default_knowledge_base().rules, 1))
    facts = random_facts(1000, seed=3)

    def distinct(i: int) -> dict:
        # Every fact differs, as real intakes do: the engine keeps one copy of identical
        # facts, so repeating a few would hide a fact that is never retracted.
        return {**facts[i % 1000], "days_since_onset": i}

    warm_up = total // 10
    for i in range(warm_up):
        engine.evaluate(distinct(i))
    before = rss_kib()
    for i in range(warm_up, total):
        engine.evaluate(distinct(i))
    print(before, rss_kib())


if __name__ == "__main__":
    main(int(sys.argv[1]))
