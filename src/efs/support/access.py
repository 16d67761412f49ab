"""Scope policies of the support app (see efs.people.access): the privacy wall.

- A `PrivateRecord` (consultation notes, mentoring notes, journal entries, observation
  protocols) is read by the educator it belongs to, by its author, and by each person the
  educator shared it with while the share is not revoked. No role's scope reaches it:
  not the school head's organization, not an operator's region, not the federal scope,
  not even the educator's tutor unless the tutor wrote it or it was shared with them.
- A `Consultation`'s appointment (topic, time, place) is seen by the educator and the
  tutor; heads and operators see only counts and dates through `queries.overview`.
"""

from django.db.models import Q

from efs.people.access import EDUCATOR_READERS, ScopePolicy, register
from efs.people.public import Role

from .models import (
    CaseloadChange,
    Consultation,
    MentoringMeeting,
    Mentorship,
    PlanItem,
    PrivateRecord,
    RecordShare,
    ReflectionCycle,
    SupportEffect,
    TutorCapacity,
)

PARTIES = frozenset({Role.TEACHER, Role.TUTOR})
OVERSEERS = frozenset({Role.SCHOOL_HEAD, Role.MUNICIPAL_OPERATOR, Role.REGIONAL_OPERATOR, Role.FEDERAL_OPERATOR})


def record_readers(user) -> Q:
    shared = RecordShare.objects.filter(user=user, revoked_at__isnull=True).values("record_id")
    return Q(educator__user=user) | Q(author=user) | Q(pk__in=shared)


register(
    PrivateRecord,
    ScopePolicy(
        region="region",
        municipality="organization__municipality",
        organization="organization",
        educator="educator",
        roles=EDUCATOR_READERS,
        readers=record_readers,
    ),
)
register(
    Consultation,
    ScopePolicy(
        region="region",
        municipality="organization__municipality",
        organization="organization",
        educator="educator",
        roles=PARTIES,
    ),
)

MENTORING_PARTIES = frozenset({Role.TEACHER, Role.MENTOR})
register(
    Mentorship,
    # The school head reads rows of the school to confirm proposals; the views show the head
    # status and dates only (`queries.school_mentoring`), the plan and log to the two parties.
    ScopePolicy(
        region="region",
        municipality="organization__municipality",
        organization="organization",
        educator="mentee",
        roles=MENTORING_PARTIES | {Role.SCHOOL_HEAD},
    ),
)
register(PlanItem, ScopePolicy(region="mentorship__region", educator="mentorship__mentee", roles=MENTORING_PARTIES))
register(
    MentoringMeeting, ScopePolicy(region="mentorship__region", educator="mentorship__mentee", roles=MENTORING_PARTIES)
)

# The cycle itself (competency, stage, before/after) is seen by the educator and the people
# who support them; what was written at each stage is a private record behind the wall.
SUPPORTED = frozenset({Role.TEACHER, Role.TUTOR, Role.MENTOR})
register(
    ReflectionCycle,
    ScopePolicy(
        region="region",
        municipality="organization__municipality",
        organization="organization",
        educator="educator",
        roles=SUPPORTED,
    ),
)

# Caseloads and the measures of support are read by the ЦНППМ head (the regional operator
# of the region, see caseloads.py) and the federal operator; they carry names and counts,
# never contents.
CASELOAD_READERS = frozenset({Role.REGIONAL_OPERATOR, Role.FEDERAL_OPERATOR})
register(
    CaseloadChange,
    ScopePolicy(
        region="region",
        municipality="educator__organization__municipality",
        organization="educator__organization",
        educator="educator",
        roles=CASELOAD_READERS,
    ),
)
register(TutorCapacity, ScopePolicy(region="region", roles=CASELOAD_READERS))
register(SupportEffect, ScopePolicy(region="region", roles=CASELOAD_READERS))
