"""A QuestionnaireResponse for our Questionnaire, translated into an intake.

Only translation and protocol checks live here: each answer must belong to an item of
our Questionnaire, be of its type, be one of its options, and be asked (enableWhen).
Whether the answers make a valid intake is the intake model's call (`validate_intake`),
exactly as for the JSON API.
"""

from __future__ import annotations

from pydantic import ValidationError

from service.interop.questionnaire import (
    FOLLOW_UPS,
    QUESTIONNAIRE_URL,
    SCORE_ITEMS,
    START_BACK,
    code_system,
    fhir_questionnaire,
    index_items,
)
from service.triage.intake import Intake
from service.triage.parsing import IntakeError, validate_intake

VALUE_KEYS = {"boolean": "valueBoolean", "integer": "valueInteger", "choice": "valueCoding"}
ANSWERED_STATUSES = ("completed", "amended")


class ResponseError(Exception):
    """A response we cannot use: `issues` maps each item (linkId or element) to why."""

    def __init__(self, issues: dict[str, str], status: int = 422, code: str = "invalid"):
        super().__init__(issues)
        self.issues = issues
        self.status = status
        self.code = code


def check_structure(resource: object) -> dict:
    """`resource` if it is a structurally valid R4 QuestionnaireResponse."""
    from fhir.resources.R4B.questionnaireresponse import QuestionnaireResponse

    if not isinstance(resource, dict) or resource.get("resourceType") != "QuestionnaireResponse":
        raise ResponseError({"resourceType": "must be QuestionnaireResponse"}, 400, "structure")
    try:
        QuestionnaireResponse.model_validate(resource)
    except ValidationError as error:
        issues = {}
        for e in error.errors()[:20]:
            where = ".".join(str(p) for p in e["loc"]) or "QuestionnaireResponse"
            issues.setdefault(where, e["msg"])
        raise ResponseError(issues, 400, "structure") from None
    except (ValueError, TypeError, RecursionError) as error:  # the library's own refusals
        raise ResponseError({"QuestionnaireResponse": str(error)[:300]}, 400, "structure") from None
    return resource


def _check_header(resource: dict) -> None:
    q = fhir_questionnaire()
    given = resource.get("questionnaire")
    if not given:
        raise ResponseError({"questionnaire": f"required: {QUESTIONNAIRE_URL}|{q['version']}"})
    url, _, version = given.partition("|")
    if url != QUESTIONNAIRE_URL:
        raise ResponseError({"questionnaire": f"must be {QUESTIONNAIRE_URL}"}, 422, "not-supported")
    if version != q["version"]:
        raise ResponseError(
            {"questionnaire": f"answers version {version or '(none)'}; the questions now are "
                              f"version {q['version']}: fetch the Questionnaire again"},
            422, "business-rule")
    if resource.get("status") not in ANSWERED_STATUSES:
        raise ResponseError({"status": "must be completed (or amended)"}, 422, "incomplete")


def _value(item: dict, answer: dict, issues: dict[str, str]):
    link_id, kind = item["linkId"], item["type"]
    key = VALUE_KEYS.get(kind)
    given = [k for k in answer if k.startswith("value")]
    if key is None or given != [key]:
        issues[link_id] = f"must be answered with {key or 'nothing'}, not {', '.join(given)}"
        return None
    value = answer[key]
    if kind != "choice":
        return value
    codes = {o["valueCoding"]["code"] for o in item["answerOption"]}
    if value.get("system") != code_system(link_id) or value.get("code") not in codes:
        issues[link_id] = (f"code {value.get('system')}#{value.get('code')} is not one of the "
                           f"options ({code_system(link_id)}: {', '.join(sorted(codes))})")
        return None
    return value["code"]


def _collect(items: list[dict], parent: str | None, known: dict[str, dict],
             answers: dict[str, object], issues: dict[str, str]) -> None:
    for given in items:
        link_id = given.get("linkId", "")
        item = known.get(link_id)
        if item is None:
            issues[link_id] = "is not an item of this Questionnaire"
            continue
        if item["_parent"] != parent:
            issues[link_id] = f"must be inside {item['_parent'] or 'the top level'}"
            continue
        if link_id in answers:
            issues[link_id] = "answered more than once"
            continue
        if item["type"] in ("group", "display"):
            if given.get("answer"):
                issues[link_id] = f"a {item['type']} item takes no answer"
            _collect(given.get("item", []), link_id, known, answers, issues)
            continue
        if given.get("item") or any(a.get("item") for a in given.get("answer", [])):
            issues[link_id] = "has nested items this question does not have"
            continue
        answer = given.get("answer", [])
        if len(answer) > 1:
            issues[link_id] = "takes one answer"
        elif answer:
            value = _value(item, answer[0], issues)
            if value is not None:
                answers[link_id] = value


def _check_asked(answers: dict[str, object], issues: dict[str, str]) -> None:
    for link_id, (question, expected) in FOLLOW_UPS.items():
        if link_id in answers and answers.get(question) != expected:
            issues[link_id] = f"answered, but it is only asked when {question} is {expected}"


def _split_start_back(answers: dict[str, object]) -> tuple[dict | None, dict[str, object]]:
    """The STarT Back answers as a group (None when unanswered), and the scores given."""
    prefix = f"{START_BACK}."
    scores = {k: answers.pop(k) for k in list(answers) if k in SCORE_ITEMS}
    group = {k[len(prefix):]: answers.pop(k) for k in list(answers) if k.startswith(prefix)}
    return (group or None), scores


def _check_scores(intake: Intake, scores: dict[str, object]) -> None:
    # The renderer's own score must agree with the model's, or the response contradicts
    # itself. Unanswered, the renderer may still send its (empty) scores: nothing to check.
    if intake.start_back is None:
        return
    ours = {f"{START_BACK}.total": intake.start_back.total,
            f"{START_BACK}.psychosocial": intake.start_back.psychosocial}
    issues = {k: f"is {v}, but the answers score {ours[k]}"
              for k, v in scores.items() if v != ours[k]}
    if issues:
        raise ResponseError(issues)


def intake_from_response(resource: object) -> Intake:
    """The intake a QuestionnaireResponse answers, or ResponseError naming each bad item."""
    response = check_structure(resource)
    _check_header(response)
    issues: dict[str, str] = {}
    answers: dict[str, object] = {}
    _collect(response.get("item", []), None, index_items(), answers, issues)
    _check_asked(answers, issues)
    if issues:
        raise ResponseError(issues)
    start_back, scores = _split_start_back(answers)
    if start_back is not None:
        answers[START_BACK] = start_back
    try:
        intake = validate_intake(answers)
    except IntakeError as error:
        raise ResponseError(error.fields, error.status) from None
    _check_scores(intake, scores)
    return intake
