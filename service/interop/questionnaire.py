"""The intake as a FHIR R4 Questionnaire, generated from the same question definitions.

`service.triage.questionnaire.questionnaire()` describes the intake model for the JSON API and
the web form; this module only translates that description into FHIR, so a question
added to the model appears here without a change. Link ids are the intake's field
names (`start_back.q1` inside the STarT Back group), so an error names the same field
whichever door the answers came in by.
"""

from __future__ import annotations

import functools
import hashlib
import json

from service.triage.questionnaire import questionnaire

CANONICAL_BASE = "http://sciatica-triage.example.org/fhir"
QUESTIONNAIRE_ID = "sciatica-intake"
QUESTIONNAIRE_URL = f"{CANONICAL_BASE}/Questionnaire/{QUESTIONNAIRE_ID}"
EXT = "http://hl7.org/fhir/StructureDefinition"
SDC = "http://hl7.org/fhir/uv/sdc/StructureDefinition"
ITEM_CONTROL = "http://hl7.org/fhir/questionnaire-item-control"

# Questions asked only after a given answer: (the question, the answer that opens it).
FOLLOW_UPS: dict[str, tuple[str, bool]] = {"cancer_years_ago": ("cancer_history", True)}

# Standard codes for questions that have one.
QUESTION_CODES: dict[str, dict] = {
    "pain_score": {"system": "http://loinc.org", "code": "72514-3",
                   "display": "Pain severity - 0-10 verbal numeric rating [Score] - Reported"},
}

# Keele STarT Back scoring: agreeing with an item scores 1; q9 scores 1 for these answers.
# The subscale is q5-q9. The same scores as service.triage.intake.StartBack, for the renderer.
START_BACK = "start_back"
PSYCHOSOCIAL_ITEMS = ("q5", "q6", "q7", "q8")
PHYSICAL_ITEMS = ("q1", "q2", "q3", "q4")
Q9_SCORING = ("very_much", "extremely")
SCORE_ITEMS = {f"{START_BACK}.total": "STarT Back total score (0-9)",
               f"{START_BACK}.psychosocial": "STarT Back psychosocial subscale (0-5)"}


def code_system(question_id: str) -> str:
    """The CodeSystem of ours holding the answers to one choice question."""
    return f"{CANONICAL_BASE}/CodeSystem/{question_id.replace('.', '-')}"


def _count_true(link_ids: tuple[str, ...]) -> str:
    ids = " | ".join(f"'{START_BACK}.{q}'" for q in link_ids)
    return f"%resource.repeat(item).where(linkId in ({ids})).answer.where(value = true).count()"


def _q9_score() -> str:
    codes = " | ".join(f"'{c}'" for c in Q9_SCORING)
    return (f"%resource.repeat(item).where(linkId = '{START_BACK}.q9')"
            f".answer.value.where(code in ({codes})).count()")


def _score_item(link_id: str, text: str, items: tuple[str, ...]) -> dict:
    expression = f"{_count_true(items)} + {_q9_score()}"
    return {
        "linkId": link_id, "text": text, "type": "integer", "readOnly": True,
        "extension": [{"url": f"{SDC}/sdc-questionnaire-calculatedExpression",
                       "valueExpression": {"language": "text/fhirpath",
                                           "expression": expression}}],
    }


def _control(code: str, display: str) -> dict:
    """An itemControl extension: how a renderer should draw the item."""
    return {"url": f"{EXT}/questionnaire-itemControl",
            "valueCodeableConcept": {"coding": [
                {"system": ITEM_CONTROL, "code": code, "display": display}]}}


def _help(link_id: str, text: str) -> dict:
    return {"linkId": f"{link_id}-help", "text": text, "type": "display",
            "extension": [_control("help", "Help-Button")]}


def _item(question: dict, prefix: str = "") -> dict:
    link_id = prefix + question["id"]
    kind = question["type"]
    item: dict = {"linkId": link_id, "text": question["label"],
                  "type": {"choice": "choice", "group": "group"}.get(kind, kind),
                  "required": question["required"]}
    if link_id in QUESTION_CODES:
        item["code"] = [QUESTION_CODES[link_id]]
    if kind == "integer":
        item["extension"] = [
            {"url": f"{EXT}/{name}Value", "valueInteger": question[bound]}
            for name, bound in (("min", "minimum"), ("max", "maximum")) if bound in question]
    elif kind == "choice":
        # A handful of options, all visible at once, as on the web form.
        item["extension"] = [_control("radio-button", "Radio Button")]
        item["answerOption"] = [
            {"valueCoding": {"system": code_system(link_id), "code": c["value"],
                             "display": c["label"]}} for c in question["choices"]]
        if link_id == f"{START_BACK}.q9":
            for option in item["answerOption"]:
                option["extension"] = [{"url": f"{EXT}/ordinalValue", "valueDecimal":
                                        int(option["valueCoding"]["code"] in Q9_SCORING)}]
    if link_id in FOLLOW_UPS:
        asked_after, answer = FOLLOW_UPS[link_id]
        item["enableWhen"] = [{"question": asked_after, "operator": "=", "answerBoolean": answer}]
    children = [_item(q, f"{link_id}.") for q in question.get("questions", [])]
    if link_id == START_BACK:
        children.append(_score_item(f"{START_BACK}.total", SCORE_ITEMS[f"{START_BACK}.total"],
                                    PHYSICAL_ITEMS + PSYCHOSOCIAL_ITEMS))
        children.append(_score_item(f"{START_BACK}.psychosocial",
                                    SCORE_ITEMS[f"{START_BACK}.psychosocial"],
                                    PSYCHOSOCIAL_ITEMS))
    if question.get("help"):
        children.insert(0, _help(link_id, question["help"]))
    if children:
        item["item"] = children
    return item


def _sections() -> list[dict]:
    described = questionnaire()
    groups = []
    for section in described["sections"]:
        asked = [_item(q) for q in described["questions"] if q["section"] == section["id"]]
        if asked:
            groups.append({"linkId": section["id"], "text": section["title"],
                           "type": "group", "item": asked})
    return groups


@functools.cache
def fhir_questionnaire() -> dict:
    """The R4 Questionnaire; `version` is a hash of its items, so it changes with them."""
    items = _sections()
    digest = hashlib.sha256(json.dumps(items, sort_keys=True).encode()).hexdigest()[:12]
    return {
        "resourceType": "Questionnaire",
        "id": QUESTIONNAIRE_ID,
        "url": QUESTIONNAIRE_URL,
        "version": digest,
        "name": "SciaticaTriageIntake",
        "title": "Back pain and sciatica: triage questions",
        "status": "active",
        "subjectType": ["Patient"],
        "publisher": "sciatica-triage",
        "description": "The sciatica-triage intake: answers are checked for red flags and "
                       "sorted by urgency. Not a diagnosis.",
        "item": items,
    }


def versioned_url() -> str:
    """The canonical reference a response must give: url|version."""
    q = fhir_questionnaire()
    return f"{q['url']}|{q['version']}"


def index_items(items: list[dict] | None = None, parent: str | None = None) -> dict[str, dict]:
    """Every item by linkId, each with `_parent` (the linkId it sits under, or None)."""
    found: dict[str, dict] = {}
    for item in fhir_questionnaire()["item"] if items is None else items:
        found[item["linkId"]] = {**item, "_parent": parent}
        found.update(index_items(item.get("item", []), item["linkId"]))
    return found
