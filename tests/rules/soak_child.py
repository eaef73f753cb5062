"""Run in a child process by test_soak.py: threads evaluate while versions swap.

Exits 0 when every answer matched its version's oracle, 1 on a wrong answer; a crash in
the C core shows as a signal in the exit status.
"""

import sys
import threading
import time

from rules import RulesEngine, compile_ruleset
from tests.rules.generators import random_facts, random_rules
from tests.rules.reference import fired_rules


def main(seconds: float, threads: int, swap_every: float) -> int:
    variants = [random_rules(60, seed=s) for s in (101, 202)]
    facts = random_facts(300, seed=7, checkins=0.5)  # intakes and weekly check-ins
    expected = [[fired_rules(v, f) for f in facts] for v in variants]
    engine = RulesEngine("soak")
    engine.load(compile_ruleset(variants[0], 0))
    stop = time.monotonic() + seconds
    errors: list[str] = []
    counts = [0] * threads

    def evaluate(n: int) -> None:
        i = n
        while time.monotonic() < stop and not errors:
            version, fired = engine.evaluate(facts[i % len(facts)])
            if fired != expected[version % 2][i % len(facts)]:
                errors.append(f"version {version}, intake {i % len(facts)}: {fired}")
            counts[n] += 1
            i += 1

    def publish() -> None:
        version = 0
        while time.monotonic() < stop and not errors:
            time.sleep(swap_every)
            version += 1
            engine.load(compile_ruleset(variants[version % 2], version))

    workers = [threading.Thread(target=evaluate, args=(n,)) for n in range(threads)]
    workers.append(threading.Thread(target=publish))
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    engine.close()
    print(f"evaluations={sum(counts)} errors={len(errors)}")
    for e in errors[:5]:
        print(e)
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main(float(sys.argv[1]), int(sys.argv[2]), float(sys.argv[3])))
