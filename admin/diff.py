"""What changed between two knowledge bases, or two audited states, field by field."""

from __future__ import annotations

from dataclasses import dataclass, field

from admin.wording import describe_action, describe_condition

KINDS = (("rules", "rule"), ("exercises", "exercise"), ("advice", "advice"))


@dataclass
class FieldChange:
    name: str
    before: str
    after: str


@dataclass
class ItemChange:
    """One rule, exercise or advice item that was added, removed or changed."""

    kind: str
    slug: str
    change: str  # added, removed or changed
    title: str = ""
    fields: list[FieldChange] = field(default_factory=list)


def readable(name: str, value) -> str:
    """A stored value as a clinician would read it."""
    if value is None:
        return "(none)"
    if name == "conditions" and isinstance(value, dict):
        return describe_condition(value)
    if name == "action" and isinstance(value, dict):
        # The referral's words are what the patient reads: a change to them must show.
        message = value.get("message") if value.get("type") == "refer" else None
        return describe_action(value) + (f"\nMessage: {message}" if message else "")
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, list):
        return "\n".join(f"{i}. {readable('', v)}" for i, v in enumerate(value, 1)) or "(none)"
    if isinstance(value, dict):
        return ", ".join(f"{k}: {readable(k, v)}" for k, v in value.items()) or "(none)"
    return str(value)


def field_changes(before: dict | None, after: dict | None) -> list[FieldChange]:
    """Each field whose value differs, as readable before and after."""
    before, after = before or {}, after or {}
    return [FieldChange(name, readable(name, before.get(name)), readable(name, after.get(name)))
            for name in dict.fromkeys([*before, *after])
            if before.get(name) != after.get(name)]


def _title(item: dict) -> str:
    return item.get("name") or item.get("title") or item.get("slug", "")


def diff_knowledge_bases(old: dict, new: dict) -> list[ItemChange]:
    """Every item added, removed or changed from snapshot `old` to snapshot `new`."""
    changes = []
    for key, kind in KINDS:
        before = {item["slug"]: item for item in old.get(key, [])}
        after = {item["slug"]: item for item in new.get(key, [])}
        for slug in dict.fromkeys([*before, *after]):
            a, b = before.get(slug), after.get(slug)
            if a == b:
                continue
            change = "added" if a is None else "removed" if b is None else "changed"
            changes.append(ItemChange(kind, slug, change, _title(b or a), field_changes(a, b)))
    return changes


def _message(action) -> str | None:
    return action.get("message") if isinstance(action, dict) else None


def patient_visible_changes(old: dict, new: dict) -> list[str]:
    """Changes patients will read, in words: exercises, advice, and each rule's words.

    What rules decide (levels, who gets a routine) is shown by the safety probes; this
    lists the text and doses that change.
    """
    lines = []
    for item in diff_knowledge_bases(old, new):
        label = f"{item.kind.capitalize()} “{item.title}”"
        if item.change != "changed":
            lines.append(f"{label} {'is new' if item.change == 'added' else 'is removed'}")
            continue
        for f in item.fields:
            if item.kind == "rule" and f.name == "reason":
                lines.append(f"{label}: the reason patients read changes to “{f.after}”")
            elif item.kind == "rule" and f.name == "action":
                before = _message(_find(old, item.slug).get("action"))
                after = _message(_find(new, item.slug).get("action"))
                if before != after:
                    lines.append(f"{label}: what patients are told to do changes to "
                                 f"“{after}”")
            elif item.kind != "rule" and f.name != "display_order":
                lines.append(f"{label}: {f.name.replace('_', ' ')} {f.before} → {f.after}")
    return lines


def _find(snapshot: dict, slug: str) -> dict:
    return next((r for r in snapshot.get("rules", []) if r["slug"] == slug), {})
