"""Request payloads for mentors and mentees, valid by default, with unique emails."""

import itertools
from typing import Any

_serial = itertools.count(1)


def mentor_payload(**overrides: Any) -> dict[str, Any]:
    number = next(_serial)
    payload: dict[str, Any] = {
        "name": f"Mentor {number}",
        "email": f"mentor{number}@example.org",
        "organisation": f"Mentor Organisation {number}",
        "job_title": "Chief executive",
        "kind": "peer",
        "led_spin_out": True,
        "years_experience": 15,
        "home_region": "north_west",
        "meeting_mode": "either",
        "capacity": 2,
        "sectors": ["adult_social_care", "home_care"],
        "skills": ["governance_boards", "bid_writing", "tupe"],
        "legal_forms": ["cic_shares"],
        "regions_served": ["yorkshire_humber"],
    }
    payload.update(overrides)
    return payload


def mentee_payload(**overrides: Any) -> dict[str, Any]:
    number = next(_serial)
    payload: dict[str, Any] = {
        "name": f"Mentee {number}",
        "email": f"mentee{number}@example.org",
        "organisation": f"New Mutual {number} CIC",
        "legal_form": "cic_guarantee",
        "stage": "spinning_out",
        "primary_sector": "adult_social_care",
        "other_sectors": ["home_care"],
        "needs": [
            {"skill": "governance_boards", "priority": 3},
            {"skill": "pricing", "priority": 1},
        ],
        "region": "north_west",
        "meeting_mode": "remote",
        "goals": "Agree a governance model with staff before the transfer.",
    }
    payload.update(overrides)
    return payload


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}
