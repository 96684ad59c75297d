"""The data model: every table and API schema, importable from one place.

Importing this package registers every table on ``SQLModel.metadata``, which
Alembic compares against the migrations.
"""

from service.models.auth import ApiToken, Role
from service.models.base import UTCDateTime, utcnow
from service.models.common import MeetingMode
from service.models.mentee import (
    Mentee,
    MenteeCreate,
    MenteePublic,
    MenteeRegistered,
    MenteeSelfUpdate,
    MenteesPublic,
    MenteeStatus,
    MenteeTerm,
    MenteeUpdate,
    Need,
)
from service.models.mentor import (
    Mentor,
    MentorCreate,
    MentorPublic,
    MentorRegistered,
    MentorSelfUpdate,
    MentorsPublic,
    MentorStatus,
    MentorTerm,
    MentorUpdate,
)
from service.models.taxonomy import (
    GROUP_VOCABULARY,
    TaxonomyPublic,
    TaxonomyTerm,
    TermCreate,
    TermPublic,
    TermUpdate,
    Vocabulary,
)

__all__ = [
    "GROUP_VOCABULARY",
    "ApiToken",
    "MeetingMode",
    "Mentee",
    "MenteeCreate",
    "MenteePublic",
    "MenteeRegistered",
    "MenteeSelfUpdate",
    "MenteeStatus",
    "MenteeTerm",
    "MenteeUpdate",
    "MenteesPublic",
    "Mentor",
    "MentorCreate",
    "MentorPublic",
    "MentorRegistered",
    "MentorSelfUpdate",
    "MentorStatus",
    "MentorTerm",
    "MentorUpdate",
    "MentorsPublic",
    "Need",
    "Role",
    "TaxonomyPublic",
    "TaxonomyTerm",
    "TermCreate",
    "TermPublic",
    "TermUpdate",
    "UTCDateTime",
    "Vocabulary",
    "utcnow",
]
