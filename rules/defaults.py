"""The default knowledge base that ships with the service, as YAML data files."""

from __future__ import annotations

from pathlib import Path

import yaml

from rules.schema import KnowledgeBase

KNOWLEDGE_DIR = Path(__file__).parent / "knowledge"


def load_default_knowledge_base(directory: Path = KNOWLEDGE_DIR) -> KnowledgeBase:
    """Read rules.yaml, exercises.yaml and advice.yaml into a validated KnowledgeBase."""

    def read(name: str) -> list:
        with open(directory / f"{name}.yaml", encoding="utf-8") as f:
            return yaml.safe_load(f) or []

    return KnowledgeBase.model_validate(
        {"rules": read("rules"), "exercises": read("exercises"), "advice": read("advice")}
    )
