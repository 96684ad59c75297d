"""Lists coordinators take into a spreadsheet for reports: pairings, and the audit log."""

import json

from sqlmodel import Session

from service.crud import audit, pairings
from service.spreadsheets.formats import Cell, SheetFormat, write_table

PAIRING_COLUMNS = (
    "pairing_id",
    "status",
    "mentee_id",
    "mentee_name",
    "mentee_organisation",
    "mentor_id",
    "mentor_name",
    "mentor_organisation",
    "started_on",
    "planned_end_on",
    "ended_on",
    "end_reason",
    "mentee_fit",
    "mentor_fit",
    "proposal_id",
)


def pairings_sheet(
    *, session: Session, where: pairings.PairingFilter, sheet_format: SheetFormat
) -> bytes:
    """The pairings a filter selects, with both people's names."""
    rows: list[list[Cell]] = [
        [
            p.id,
            p.status.value,
            p.mentee.id,
            p.mentee.name,
            p.mentee.organisation,
            p.mentor.id,
            p.mentor.name,
            p.mentor.organisation,
            p.started_on.isoformat(),
            p.planned_end_on.isoformat() if p.planned_end_on else None,
            p.ended_on.isoformat() if p.ended_on else None,
            p.end_reason,
            p.mentee_fit.value if p.mentee_fit else None,
            p.mentor_fit.value if p.mentor_fit else None,
            p.proposal_id,
        ]
        for p in pairings.list_all(session=session, where=where)
    ]
    return write_table(PAIRING_COLUMNS, rows, sheet_format=sheet_format, title="pairings")


AUDIT_COLUMNS = (
    "id",
    "at",
    "actor_role",
    "actor_id",
    "actor_name",
    "action",
    "subject_type",
    "subject_id",
    "details",
)


def audit_sheet(*, session: Session, where: audit.AuditFilter, sheet_format: SheetFormat) -> bytes:
    """The audit events a filter selects, oldest first."""
    rows: list[list[Cell]] = [
        [
            event.id,
            event.at.isoformat(),
            event.actor_role,
            event.actor_id,
            event.actor_name,
            event.action,
            event.subject_type,
            event.subject_id,
            json.dumps(event.details, sort_keys=True),
        ]
        for event in audit.list_all(session=session, where=where)
    ]
    return write_table(AUDIT_COLUMNS, rows, sheet_format=sheet_format, title="audit log")
