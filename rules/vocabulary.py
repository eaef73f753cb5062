"""The facts a rule may read: declared once, from the intake model, never by hand.

A `Vocabulary` maps field names to `FieldSpec`s. The service builds it from its pydantic
intake model with `vocabulary_from_model`, so the rule editor and the rule validator can
never offer or accept a field the intake does not have.
"""

from __future__ import annotations

import types
import typing
from dataclasses import dataclass
from typing import Literal, Union, get_args, get_origin

from pydantic import BaseModel

FieldKind = Literal["boolean", "integer", "choice"]

OPERATORS_BY_KIND: dict[str, tuple[str, ...]] = {
    "boolean": ("==", "!="),
    "integer": ("==", "!=", "<", "<=", ">", ">=", "in"),
    "choice": ("==", "!=", "in"),
}

RESERVED_NAMES = frozenset({"sid", "id"})  # keys durable_rules keeps for itself


@dataclass(frozen=True)
class FieldSpec:
    """One fact a rule can test: its type and the values it can take."""

    name: str
    kind: FieldKind
    label: str = ""
    choices: tuple[str, ...] = ()
    minimum: int | None = None
    maximum: int | None = None

    @property
    def operators(self) -> tuple[str, ...]:
        return OPERATORS_BY_KIND[self.kind]

    def value_problem(self, value: object) -> str | None:
        """Why `value` can never be a value of this field, or None when it can."""
        if self.kind == "boolean":
            return None if isinstance(value, bool) else "must be true or false"
        if self.kind == "integer":
            if isinstance(value, bool) or not isinstance(value, int):
                return "must be a whole number"
            if self.minimum is not None and value < self.minimum:
                return f"must be at least {self.minimum}"
            if self.maximum is not None and value > self.maximum:
                return f"must be at most {self.maximum}"
            return None
        if value not in self.choices:
            return f"must be one of {', '.join(self.choices)}"
        return None


Vocabulary = dict[str, FieldSpec]


def _unwrap_optional(annotation):
    origin = get_origin(annotation)
    if origin in (Union, types.UnionType):
        args = [a for a in get_args(annotation) if a is not type(None)]
        if len(args) == 1:
            return args[0]
    return annotation


def base_type(annotation, metadata=()) -> tuple[object, list]:
    """A field's type without Optional or Annotated, and all the constraints found."""
    metadata = list(metadata)
    annotation = _unwrap_optional(annotation)
    while get_origin(annotation) is typing.Annotated:
        annotation, *extra = get_args(annotation)
        for item in extra:  # a nested Field(ge=..) carries its constraints in .metadata
            metadata += getattr(item, "metadata", None) or [item]
    return annotation, metadata


def bounds(metadata) -> tuple[int | None, int | None]:
    """The (minimum, maximum) among pydantic/annotated-types constraints."""
    lo = hi = None
    for m in metadata:
        lo = getattr(m, "ge", lo)
        hi = getattr(m, "le", hi)
    return lo, hi


def _spec_for(name: str, annotation, metadata, label: str) -> FieldSpec | None:
    annotation, metadata = base_type(annotation, metadata)
    if annotation is bool:
        return FieldSpec(name, "boolean", label)
    if annotation is int:
        lo, hi = bounds(metadata)
        return FieldSpec(name, "integer", label, minimum=lo, maximum=hi)
    if get_origin(annotation) is Literal:
        return FieldSpec(name, "choice", label, choices=tuple(get_args(annotation)))
    return None  # nested objects and free text are not rule facts


def vocabulary_from_model(model: type[BaseModel]) -> Vocabulary:
    """Every boolean, integer and choice field of `model`, computed fields included."""
    vocabulary: Vocabulary = {}
    for name, info in model.model_fields.items():
        spec = _spec_for(name, info.annotation, info.metadata, info.title or name)
        if spec:
            vocabulary[name] = spec
    for name, info in model.model_computed_fields.items():
        spec = _spec_for(name, info.return_type, (), info.title or name)
        if spec:
            vocabulary[name] = spec
    clash = RESERVED_NAMES & vocabulary.keys()
    if clash:
        raise ValueError(f"field names reserved by the rules engine: {sorted(clash)}")
    return vocabulary
