"""What other apps may use from the practices app (ADR 0006): the bank's services for the
demo generator, the models other apps relate to, and the data elements monitoring reads
(`elements.py`)."""

from __future__ import annotations

from .elements import (
    element_community_members,
    element_community_members_sql,
    element_events_held,
    element_events_held_sql,
    element_practices_in_bank,
    element_practices_in_bank_sql,
    element_replications,
    element_replications_sql,
)
from .macroregion import MacroregionLinks, macroregion_links
from .models import PUBLIC_STATUSES, Competency, Contest, Practice, PracticeLevel, PracticeStatus

# The network part's surface (these lines were added by the network part).
from .network import public as network
from .services import (
    PracticeData,
    contest_create,
    criteria_of,
    evidence_add,
    experts_available,
    practice_create,
    practice_decide,
    practice_effects_update,
    practice_project_link,
    practice_submit,
    replication_report,
    review_submit,
    reviews_assign,
)

__all__ = [
    "network",
    "PUBLIC_STATUSES",
    "Competency",
    "Contest",
    "Practice",
    "PracticeData",
    "PracticeLevel",
    "PracticeStatus",
    "contest_create",
    "criteria_of",
    "element_community_members",
    "element_community_members_sql",
    "element_events_held",
    "element_events_held_sql",
    "element_practices_in_bank",
    "element_practices_in_bank_sql",
    "element_replications",
    "element_replications_sql",
    "evidence_add",
    "experts_available",
    "MacroregionLinks",
    "macroregion_links",
    "practice_create",
    "practice_decide",
    "practice_effects_update",
    "practice_project_link",
    "practice_submit",
    "replication_report",
    "review_submit",
    "reviews_assign",
]
