"""A proposal's pair page: the mentee and the mentor side by side, with what they share.

What the two have in common is shown for a coordinator to judge, code against
code; how much it counts is the engine's, given by the score and its reason.
"""

from dataclasses import dataclass

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from service.api.deps import ResourceId, SessionDep
from service.console.auth import SignedInDep
from service.console.pages.match_runs import COMPONENTS, STATUSES
from service.console.pages.people import MEETING_MODES, PRIORITIES, term_labels
from service.console.render import page
from service.crud import mentees, mentors
from service.crud.taxonomy import load_index
from service.errors import NotFound
from service.matchmaking import runs
from service.models import MeetingMode, MenteePublic, MentorPublic, Proposal

router = APIRouter(prefix="/match-runs")


@dataclass(frozen=True)
class Shared:
    """What the mentee asks for and whether the mentor has it, code by code."""

    needs: dict[str, bool]
    sectors: dict[str, bool]
    region: bool
    legal_form: bool
    meeting: bool


def shared(mentee: MenteePublic, mentor: MentorPublic) -> Shared:
    regions = {mentor.home_region, *mentor.regions_served}
    modes = {mentee.meeting_mode, mentor.meeting_mode}
    return Shared(
        needs={need.skill: need.skill in mentor.skills for need in mentee.needs},
        sectors={
            code: code in mentor.sectors for code in (mentee.primary_sector, *mentee.other_sectors)
        },
        region=mentee.region in regions,
        legal_form=mentee.legal_form in mentor.legal_forms,
        # Either one open to both ways of meeting, or both the same way.
        meeting=MeetingMode.either in modes or len(modes) == 1,
    )


@router.get("/{run_id}/proposals/{proposal_id}", response_class=HTMLResponse)
def pair_page(
    request: Request,
    run_id: ResourceId,
    proposal_id: ResourceId,
    session: SessionDep,
    signed_in: SignedInDep,
) -> HTMLResponse:
    """The proposed mentee and mentor side by side, what they share, and the decision."""
    runs.get(session=session, run_id=run_id)
    proposal = session.get(Proposal, proposal_id)
    if proposal is None or proposal.match_run_id != run_id:
        raise NotFound(f"run {run_id} has no proposal {proposal_id}")
    assert proposal.mentee_id is not None
    assert proposal.mentor_id is not None
    (public,) = runs.proposals_public(session=session, rows=[proposal])
    mentee = mentees.to_public(mentees.get(session=session, mentee_id=proposal.mentee_id))
    mentor = mentors.to_public(mentors.get(session=session, mentor_id=proposal.mentor_id))
    return page(
        request,
        "pair.html",
        signed_in=signed_in,
        page_title=f"{mentee.name} with {mentor.name}",
        nav="match-runs",
        proposal=public,
        mentee=mentee,
        mentor=mentor,
        shared=shared(mentee, mentor),
        label=term_labels(load_index(session=session)),
        components=COMPONENTS,
        statuses=STATUSES,
        meeting_modes=MEETING_MODES,
        priorities=PRIORITIES,
    )
