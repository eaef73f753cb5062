"""Evaluate intakes with durable_rules, safely.

The C extension has crash modes under concurrency and ruleset swaps (ENGINE_NOTES.md),
so every call into it, in every `RulesEngine` of the process, holds `ENGINE_LOCK`. The
extension never releases the GIL, so the lock costs no throughput.

Each intake is asserted as a FACT (every matching rule fires, unlike an event), the
resulting actions are drained, and the same fact is retracted, all under one fixed
session id per shard: nothing is left behind, so memory stays flat.
"""

from __future__ import annotations

import itertools
import json
import logging
import threading

import durable_rules_engine as _dr

from rules.compiler import CompiledRuleset

log = logging.getLogger(__name__)

ENGINE_LOCK = threading.Lock()
_names = itertools.count(1)  # no two shards ever share a name in this process
_SID = "0"
_NOT_HANDLED = 1
# json.dumps with arguments builds a new encoder on every call: build the one we use once.
_ENCODE = json.JSONEncoder(separators=(",", ":")).encode


class EngineError(RuntimeError):
    """The rules engine could not evaluate; callers must fail safe."""


class _Loaded:
    """The engine handles of one compiled ruleset."""

    def __init__(self, compiled: CompiledRuleset, prefix: str):
        self.compiled = compiled
        self.handles: list[int] = []
        generation = next(_names)
        try:
            for i, shard in enumerate(compiled.shards):
                name = f"{prefix}_v{compiled.version}_g{generation}_{i}"
                self.handles.append(_dr.create_ruleset(name, json.dumps(shard)))
        except BaseException:
            self.free()
            raise

    def free(self) -> None:
        while self.handles:
            _dr.delete_ruleset(self.handles.pop())


def _drain(handle: int, fact_json: str, fired: set[str]) -> None:
    """Assert the fact in one shard, add every part that fired to `fired`, retract it."""
    code, state = _dr.assert_fact(handle, fact_json)
    try:
        if code == _NOT_HANDLED:
            return
        result = _dr.start_action_for_state(handle, state)
        message = result[1] if result else None
        add, complete = fired.add, _dr.complete_and_start_action
        while message:
            # A message is '{"<part name>":{"m":{...}}}'; part names never hold a quote,
            # so the name is read without parsing the fact echoed back.
            add(message[2 : message.index('"', 2)])
            message = complete(handle, state)
    finally:
        _dr.retract_fact(handle, fact_json)


class RulesEngine:
    """One active compiled ruleset, swapped atomically when a new version is loaded."""

    def __init__(self, prefix: str = "triage"):
        self._prefix = prefix
        self._loaded: _Loaded | None = None

    @property
    def version(self) -> int | None:
        loaded = self._loaded
        return loaded.compiled.version if loaded else None

    def load(self, compiled: CompiledRuleset) -> None:
        """Make `compiled` the active ruleset and free the one it replaces."""
        with ENGINE_LOCK:
            fresh = _Loaded(compiled, self._prefix)
            old, self._loaded = self._loaded, fresh
            if old:
                old.free()

    def close(self) -> None:
        """Free the engine's rulesets; the engine can be loaded again later."""
        with ENGINE_LOCK:
            old, self._loaded = self._loaded, None
            if old:
                old.free()

    def evaluate(self, facts: dict) -> tuple[int, list[str]]:
        """Return (version, slugs of every rule that fired, in rule order)."""
        with ENGINE_LOCK:
            loaded = self._loaded
            if loaded is None:
                raise EngineError("no ruleset is loaded")
            compiled = loaded.compiled
            keys = compiled.keys
            # Only the fields some rule reads, under their short keys: less to parse.
            fact = {keys[k]: v for k, v in facts.items() if k in keys}
            fact["sid"] = _SID
            fact_json = _ENCODE(fact)
            fired_parts: set[str] = set()
            try:
                for handle in loaded.handles:
                    _drain(handle, fact_json, fired_parts)
            except Exception as error:
                raise EngineError(f"durable_rules failed: {error}") from error
        return compiled.version, compiled.fired(fired_parts)
