"""The default knowledge base that ships with the service, as YAML data files."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import yaml

from rules.schema import KnowledgeBase

KNOWLEDGE_DIR = Path(__file__).parent / "knowledge"
FILES = ("rules", "exercises", "advice")


def load_default_knowledge_base(directory: Path = KNOWLEDGE_DIR) -> KnowledgeBase:
    """Read rules.yaml, exercises.yaml and advice.yaml into a validated KnowledgeBase."""
    stamps = tuple(_stamp(directory / f"{name}.yaml") for name in FILES)
    # Validation builds new objects and containers throughout (nothing of the cached data
    # is shared with what a caller gets: tests/rules/test_default_knowledge.py).
    return KnowledgeBase.model_validate(_parsed(directory, stamps))


def _stamp(path: Path) -> tuple[int, int]:
    # The size as well as the time: a file system with coarse times could give an edit
    # within the same tick the same modification time.
    status = path.stat()
    return status.st_mtime_ns, status.st_size


@lru_cache(maxsize=8)
def _parsed(directory: Path, _stamps: tuple[tuple[int, int], ...]) -> dict:
    """The three files as parsed YAML, read again whenever one of them changes (their
    modification times and sizes are part of the key). Parsing is most of the cost of a
    load."""
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml where PyYAML has it

    def read(name: str) -> list:
        with open(directory / f"{name}.yaml", encoding="utf-8") as f:
            return yaml.load(f, Loader=loader) or []  # noqa: S506 (a safe loader)

    return {name: read(name) for name in FILES}
