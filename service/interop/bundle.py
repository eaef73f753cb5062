"""The triage outcome as a FHIR Bundle: a translation of the JSON API's answer, nothing more.

GuidanceResponse (what ran, on which ruleset version, with the reference and the level
in its output Parameters), a RiskAssessment per referral rule that fired, and either a
ServiceRequest with a CommunicationRequest carrying the patient's message, or a CarePlan
with Goals for the routine and walking plan, or both (a `consultation` has both).
"""

from __future__ import annotations

import uuid
from datetime import timedelta

from service.interop.questionnaire import CANONICAL_BASE
from service.triage.outcome import Outcome, Reason, Routine

REFERENCE_SYSTEM = f"{CANONICAL_BASE}/NamingSystem/triage-reference"
RULE_SYSTEM = f"{CANONICAL_BASE}/CodeSystem/rule"
LEVEL_SYSTEM = f"{CANONICAL_BASE}/CodeSystem/triage-level"
FAIL_SAFE_RULE = "assessment-incomplete"
# FHIR request priorities (routine | urgent | asap | stat) for our levels.
PRIORITY = {"emergency_ambulance": "stat", "emergency": "stat", "consultation_24": "urgent",
            "consultation": "routine"}


def _urn() -> str:
    return f"urn:uuid:{uuid.uuid4()}"


def _rule(reason: Reason) -> dict:
    return {"coding": [{"system": RULE_SYSTEM, "code": reason.rule}], "text": reason.text}


def _level(level: str, title: str) -> dict:
    return {"coding": [{"system": LEVEL_SYSTEM, "code": level}], "text": title}


def module_uri(version: int | None) -> str:
    """The ruleset version that decided, as a URI (`fail-safe` when none could)."""
    return f"{CANONICAL_BASE}/ruleset/{version if version is not None else 'fail-safe'}"


class _Builder:
    def __init__(self, outcome: Outcome, subject: dict | None, response_ref: dict | None):
        self.outcome = outcome
        self.subject = subject or {"display": "The person who answered the questionnaire"}
        self.basis = [response_ref] if response_ref else []
        self.when = (outcome.created_at or _now()).isoformat()
        self.entries: list[dict] = []

    def add(self, resource: dict) -> dict:
        """Add `resource`; a Reference to it."""
        url = _urn()
        self.entries.append({"fullUrl": url, "resource": resource})
        return {"reference": url, "type": resource["resourceType"]}

    def parameters(self) -> dict:
        o = self.outcome
        params = [{"name": "reference", "valueString": o.id},
                  {"name": "triage_level", "valueCoding": {"system": LEVEL_SYSTEM,
                                                           "code": o.triage_level}}]
        if o.ruleset_version is not None:
            params.append({"name": "ruleset_version", "valueInteger": o.ruleset_version})
        if o.start_back:
            params.append({"name": "start_back_risk", "valueString": o.start_back.risk})
        return self.add({"resourceType": "Parameters", "parameter": params})

    def risk_assessments(self) -> None:
        referral = self.outcome.referral
        for reason in referral.reasons if referral else []:
            if reason.rule == FAIL_SAFE_RULE:
                continue  # not a red flag: the assessment itself could not finish
            self.add({"resourceType": "RiskAssessment", "status": "final",
                      "subject": self.subject, "occurrenceDateTime": self.when,
                      "code": _rule(reason), "basis": self.basis,
                      "prediction": [{"outcome": {"text": reason.text}}]})

    def referral(self) -> dict | None:
        referral = self.outcome.referral
        if referral is None:
            return None
        priority = PRIORITY[referral.level]
        request = self.add({
            "resourceType": "ServiceRequest", "status": "active", "intent": "proposal",
            "priority": priority, "code": _level(referral.level, referral.title),
            "subject": self.subject, "authoredOn": self.when,
            "identifier": [{"system": REFERENCE_SYSTEM, "value": self.outcome.id}],
            "reasonCode": [_rule(r) for r in referral.reasons],
            "supportingInfo": self.basis,
            "note": [{"text": f"Time frame: {referral.time_frame}."}],
        })
        self.add({"resourceType": "CommunicationRequest", "status": "active",
                  "priority": priority, "subject": self.subject, "recipient": [self.subject],
                  "about": [request], "authoredOn": self.when,
                  "payload": [{"contentString": referral.message}]})
        return request

    def care_plan(self, routine: Routine) -> dict:
        target = routine.walking_plan[-1].minutes_per_day if routine.walking_plan else None
        goals = [self.add({
            "resourceType": "Goal", "lifecycleStatus": "active", "subject": self.subject,
            "description": {"text": "Do the exercises and advice of the starter routine"}})]
        if target is not None:
            goals.append(self.add({
                "resourceType": "Goal", "lifecycleStatus": "active", "subject": self.subject,
                "description": {"text": f"Walk briskly for about {target} minutes a day"},
                "target": [{"measure": {"text": "Minutes of walking a day"},
                            "detailQuantity": {"value": target, "unit": "min",
                                               "system": "http://unitsofmeasure.org",
                                               "code": "min"}}]}))
        activities = [_exercise(e, goals[:1]) for e in routine.exercises]
        start = self.outcome.created_at or _now()
        for week in routine.walking_plan:
            begins = start + timedelta(weeks=week.week - 1)
            activities.append({"detail": {
                "kind": "ServiceRequest", "status": "not-started", "goal": goals[-1:],
                "code": {"text": f"Walking, week {week.week}"},
                "description": f"Week {week.week}: walk {week.minutes_per_day} minutes a day",
                "scheduledTiming": {"repeat": {
                    "boundsPeriod": {"start": begins.date().isoformat(),
                                     "end": (begins + timedelta(days=6)).date().isoformat()},
                    "frequency": 1, "period": 1, "periodUnit": "d",
                    "duration": week.minutes_per_day, "durationUnit": "min"}}}})
        return self.add({
            "resourceType": "CarePlan", "status": "active", "intent": "proposal",
            "title": "Starter routine for back pain and sciatica", "subject": self.subject,
            "created": self.when, "goal": goals, "activity": activities,
            "identifier": [{"system": REFERENCE_SYSTEM, "value": self.outcome.id}],
            "note": [{"text": f"{a.title}: {a.text}"} for a in routine.advice]})

    def guidance(self, care_plan: dict | None, output: dict) -> None:
        o = self.outcome
        failed = any(r.rule == FAIL_SAFE_RULE for r in o.reasons)
        resource = {
            "resourceType": "GuidanceResponse",
            "requestIdentifier": {"system": REFERENCE_SYSTEM, "value": o.id},
            "identifier": [{"system": REFERENCE_SYSTEM, "value": o.id}],
            "moduleUri": module_uri(o.ruleset_version),
            "status": "failure" if failed else "success",
            "subject": self.subject, "occurrenceDateTime": self.when,
            "reasonCode": [_rule(r) for r in o.reasons],
            "outputParameters": output,
            "note": [{"text": o.referral.title if o.referral else "Starter routine"}],
        }
        if care_plan:  # R4 allows a CarePlan or RequestGroup here, not a ServiceRequest
            resource["result"] = care_plan
        self.entries.insert(0, {"fullUrl": _urn(), "resource": resource})


def _exercise(exercise, goals: list[dict]) -> dict:
    repeat = {"frequency": exercise.times_per_day or 1, "period": 1, "periodUnit": "d"}
    return {"detail": {"kind": "ServiceRequest", "status": "not-started", "goal": goals,
                       "code": {"coding": [{"system": f"{CANONICAL_BASE}/CodeSystem/exercise",
                                            "code": exercise.slug}], "text": exercise.name},
                       "description": " ".join(exercise.instructions),
                       "scheduledTiming": {"repeat": repeat}}}


def _now():
    from service.store.models import utcnow

    return utcnow()


def outcome_bundle(outcome: Outcome, subject: dict | None = None,
                   response_ref: dict | None = None) -> dict:
    """The outcome as a Bundle of type collection; the GuidanceResponse comes first."""
    builder = _Builder(outcome, subject, response_ref)
    output = builder.parameters()
    builder.risk_assessments()
    builder.referral()
    care_plan = builder.care_plan(outcome.routine) if outcome.routine is not None else None
    builder.guidance(care_plan, output)
    return {"resourceType": "Bundle", "type": "collection",
            "identifier": {"system": REFERENCE_SYSTEM, "value": outcome.id},
            "timestamp": builder.when, "entry": builder.entries}
