"""A run's review as spreadsheets: its proposals, and the mentees it left unmatched."""

import csv
import io

from sqlmodel import Session, col, select

import matching
from service.matchmaking.runs import get, proposals_public, unmatched_page
from service.models import Proposal

PROPOSAL_COLUMNS = (
    "proposal_id",
    "mentee_id",
    "mentee_name",
    "mentee_organisation",
    "mentor_id",
    "mentor_name",
    "mentor_organisation",
    "score",
    "sector",
    "skills",
    "region",
    "experience",
    "reason",
    "runner_up_id",
    "runner_up_name",
    "runner_up_score",
    "status",
    "decision_note",
)


def proposals_csv(*, session: Session, run_id: int) -> str:
    """All of a run's proposals as CSV, for review in a spreadsheet."""
    get(session=session, run_id=run_id)
    rows = session.exec(
        select(Proposal).where(col(Proposal.match_run_id) == run_id).order_by(col(Proposal.id))
    ).all()
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(PROPOSAL_COLUMNS)
    for proposal in proposals_public(session=session, rows=rows):
        runner_up = proposal.runner_up
        writer.writerow(
            [
                proposal.id,
                proposal.mentee.id,
                proposal.mentee.name,
                proposal.mentee.organisation,
                proposal.mentor.id,
                proposal.mentor.name,
                proposal.mentor.organisation,
                f"{proposal.score:.4f}",
                *(f"{proposal.components.get(k, 0.0):.4f}" for k in matching.COMPONENTS),
                proposal.reason,
                runner_up.id if runner_up else "",
                runner_up.name if runner_up else "",
                f"{proposal.runner_up_score:.4f}" if proposal.runner_up_score is not None else "",
                proposal.status.value,
                proposal.decision_note,
            ]
        )
    return buffer.getvalue()


def unmatched_csv(*, session: Session, run_id: int) -> str:
    """The mentees a run left unmatched, with reasons, as CSV."""
    data, _ = unmatched_page(session=session, run_id=run_id, limit=10**9, offset=0)
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(("mentee_id", "mentee_name", "mentee_organisation", "reason_code", "reason"))
    for item in data:
        writer.writerow(
            (
                item.mentee.id,
                item.mentee.name,
                item.mentee.organisation,
                item.reason_code,
                item.reason,
            )
        )
    return buffer.getvalue()
