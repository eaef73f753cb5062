"""The sciatica-triage rules engine: pure Python data in, fired rules out.

No Flask and no database here: `service/` and `admin/` call this package, never the
other way round.
"""

from rules.compiler import CompiledRuleset, compile_ruleset
from rules.engine import EngineError, RulesEngine
from rules.levels import TRIAGE_LEVELS, most_urgent
from rules.schema import Advice, Exercise, KnowledgeBase, Rule

__all__ = [
    "Advice",
    "CompiledRuleset",
    "EngineError",
    "Exercise",
    "KnowledgeBase",
    "Rule",
    "RulesEngine",
    "TRIAGE_LEVELS",
    "compile_ruleset",
    "most_urgent",
]
