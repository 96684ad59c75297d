"""Request examples for the OpenAPI document: realistic, and using the default taxonomy's codes.

Keyed by operation id, each becomes a named example of the operation's JSON body, which
the interactive documentation offers under "Try it out". The ids in them (``mentee_id``,
``mentor_id``, ``proposal_ids``) stand for people and proposals of the caller's own
programme. ``tests/service/test_examples.py`` sends every one and expects it to work.
"""

from typing import Any

Examples = dict[str, dict[str, Any]]

MENTOR = {
    "name": "Sam Okafor",
    "email": "sam.okafor@example.org",
    "organisation": "Northern Care Mutual",
    "job_title": "Chief executive",
    "kind": "peer",
    "led_spin_out": True,
    "years_experience": 18,
    "home_region": "north_west",
    "regions_served": ["yorkshire_humber", "north_east"],
    "meeting_mode": "either",
    "capacity": 2,
    "sectors": ["adult_social_care", "home_care"],
    "skills": ["governance_boards", "staff_engagement", "bid_writing", "tupe"],
    "legal_forms": ["cic_shares", "cic_guarantee"],
}
MENTEE = {
    "name": "Alex Reid",
    "email": "alex.reid@example.org",
    "organisation": "Riverside Home Care CIC",
    "legal_form": "cic_guarantee",
    "stage": "spinning_out",
    "primary_sector": "home_care",
    "other_sectors": ["adult_social_care"],
    "needs": [
        {"skill": "governance_boards", "priority": 3},
        {"skill": "tupe", "priority": 2},
        {"skill": "pricing", "priority": 1},
    ],
    "region": "north_west",
    "meeting_mode": "remote",
    "goals": "Set up a staff-led board and agree prices with the council before the transfer.",
}


def _one(summary: str, value: Any) -> dict[str, Any]:
    return {"summary": summary, "value": value}


REQUEST_EXAMPLES: dict[str, Examples] = {
    "taxonomy-create-term": {
        "sector": _one(
            "A sector (POST /taxonomy/sector): sectors and skills need a group",
            {"code": "social_prescribing", "label": "Social prescribing", "group": "health"},
        ),
    },
    "taxonomy-update-term": {
        "relabel": _one("Relabel a term", {"label": "Home care and domiciliary support"}),
        "retire": _one(
            "Retire a term: profiles keep it, new ones cannot choose it", {"retired": True}
        ),
    },
    "mentors-create": {"peer": _one("A peer mentor who led a spin-out", MENTOR)},
    "mentors-update": {
        "capacity": _one(
            "Take one more mentee and serve one more region",
            {"capacity": 3, "regions_served": ["yorkshire_humber", "north_east", "east_midlands"]},
        ),
        "pause": _one("Pause a mentor: no new proposals", {"status": "paused"}),
    },
    "mentees-create": {"spinning-out": _one("The leader of a mutual spinning out", MENTEE)},
    "mentees-update": {
        "needs": _one(
            "Change the needs",
            {
                "needs": [
                    {"skill": "governance_boards", "priority": 3},
                    {"skill": "financial_planning", "priority": 2},
                ]
            },
        ),
        "withdraw": _one("Withdraw a mentee from the programme", {"status": "withdrawn"}),
    },
    "me-update": {
        "mentee": _one(
            "A mentee changes their goals",
            {"goals": "Agree a staff-led governance model before the transfer in April."},
        ),
        "mentor": _one(
            "A mentor takes one more mentee",
            {"capacity": 3, "meeting_mode": "remote"},
        ),
    },
    "me-record-fit": {"good-fit": _one("The pairing works", {"fit": "good_fit"})},
    "me-declare-conflict": {
        "colleague": _one(
            "Never be paired with a former colleague",
            {"email": "jordan.lee@example.org", "note": "We sat on the same board until 2024."},
        ),
    },
    "match-runs-create": {
        "defaults": _one("Every waiting mentee and every mentor with places, default weights", {}),
        "north-west-care": _one(
            "Care mutuals in the North West, skills weighted most, mentees spread out",
            {
                "weights": {"skills": 0.5, "sector": 0.25, "region": 0.15, "experience": 0.1},
                "min_score": 0.3,
                "objective": "max_matched",
                "balance": 0.1,
                "cohort": {
                    "sectors": ["adult_social_care", "home_care"],
                    "regions": ["north_west"],
                },
            },
        ),
    },
    "match-runs-accept-proposals": {
        "all": _one("Accept every open proposal of the run", {}),
        "some": _one("Accept the listed proposals", {"proposal_ids": [101, 102]}),
    },
    "match-runs-reject-proposal": {
        "met-before": _one(
            "Reject with a reason; the pair is never proposed again",
            {"reason": "They worked together at the council until last year."},
        ),
    },
    "pairings-create": {
        "by-hand": _one(
            "Pair a mentee with a mentor by hand, for six months",
            {
                "mentee_id": 12,
                "mentor_id": 4,
                "started_on": "2027-01-11",
                "planned_end_on": "2027-07-09",
            },
        ),
    },
    "pairings-update": {
        "extend": _one("Plan a later end", {"planned_end_on": "2027-09-30"}),
    },
    "pairings-end": {
        "completed": _one(
            "Completed as planned",
            {"status": "completed", "ended_on": "2027-07-09", "reason": "Goals met."},
        ),
        "ended-early": _one(
            "Ended early: the mentee goes back to waiting, the pair is not proposed again",
            {
                "status": "ended_early",
                "ended_on": "2027-03-01",
                "reason": "The mentee's organisation merged.",
            },
        ),
    },
    "exclusions-create": {
        "conflict": _one(
            "A conflict of interest",
            {
                "mentee_id": 12,
                "mentor_id": 4,
                "reason": "conflict_of_interest",
                "note": "The mentor advises the mentee's commissioner.",
            },
        ),
    },
}


def add_request_examples(document: dict[str, Any]) -> None:
    """Attach ``REQUEST_EXAMPLES`` to the JSON bodies of their operations in ``document``."""
    found = set()
    for path_item in document.get("paths", {}).values():
        for operation in path_item.values():
            examples = REQUEST_EXAMPLES.get(operation.get("operationId", ""))
            if examples is None:
                continue
            content = operation["requestBody"]["content"]["application/json"]
            content["examples"] = examples
            found.add(operation["operationId"])
    # An example whose operation was renamed or removed would silently vanish.
    missing = set(REQUEST_EXAMPLES) - found
    if missing:
        raise ValueError(f"request examples for unknown operations: {sorted(missing)}")
