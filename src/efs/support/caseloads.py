"""Caseloads of a region's ЦНППМ tutors: capacities set by the ЦНППМ head, the loads, the
educators without a tutor, a proposed rebalancing the head confirms, and the history of
every change. Who supports whom now is `people.SupportAssignment` (the scoping mechanism
reads it); this module changes it only through `efs.people.public` and writes each change
into `CaseloadChange`.

The ЦНППМ head acts with the regional operator's role on their region (the platform has
no separate role for the head of the centre; see docs/support.md).
"""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from dataclasses import dataclass, field

from django.db import transaction
from django.db.models import Count, Exists, Max, OuterRef, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from efs.errors import Conflict, NotFound, ValidationFailed
from efs.people import access
from efs.people.public import (
    AssignmentKind,
    Educator,
    MailKind,
    Municipality,
    Role,
    SupportAssignment,
    User,
    notify,
    role_holders,
    support_assign,
    support_end,
)

from .models import (
    CaseloadChange,
    ChangeReason,
    Mentorship,
    MentorshipStatus,
    PlanItem,
    TutorCapacity,
)

HEADS = frozenset({Role.REGIONAL_OPERATOR})
CAPACITY_MAX = 500
UNASSIGNED_SHOWN = 50
# One proposal is a batch (the head confirms it, then the page proposes the next):
PROPOSAL_UNASSIGNED = 150  # educators without a tutor
PROPOSAL_EXCESS = 50  # assignments beyond the capacity of the tutors over it
HISTORY_SHOWN = 20
MENTORS_SHOWN = 100
MEETING_GAP_DAYS = 30  # a mentorship without a meeting for longer needs attention
MOVES_MAX = 500


def head_region(user, region_id: int | None = None) -> int:
    """The region the user heads the caseloads of: the one asked for, or the first reached."""
    reach = access.region_reach(user, roles=HEADS)
    access.require_role(user, HEADS)
    if region_id is None:
        if reach.everywhere or not reach.region_ids:
            raise NotFound(_("Choose a region."), code="region_required")
        region_id = min(reach.region_ids)
    access.require_region(user, region_id, roles=HEADS)
    return region_id


def _active_tutor(educator_ref) -> Exists:
    return Exists(SupportAssignment.objects.filter(educator=educator_ref, kind=AssignmentKind.TUTOR, active=True))


# ---------------------------------------------------------------- the head's page


@dataclass
class TutorLoad:
    id: int
    name: str
    capacity: int | None
    load: int
    municipalities: list[tuple[str, int]]  # served, most first

    @property
    def spare(self) -> int | None:
        return None if self.capacity is None else self.capacity - self.load

    @property
    def overloaded(self) -> bool:
        return self.capacity is not None and self.load > self.capacity

    @property
    def percent(self) -> int | None:
        return None if not self.capacity else round(100 * self.load / self.capacity)


@dataclass(frozen=True)
class Proposal:
    educator_id: int
    educator_name: str
    organization: str
    municipality: str
    from_id: int | None
    from_name: str
    to_id: int
    to_name: str
    reason: str

    @property
    def value(self) -> str:
        return f"{self.educator_id}:{self.to_id}"


@dataclass(frozen=True)
class Unassigned:
    id: int
    name: str
    organization: str
    municipality: str


@dataclass(frozen=True)
class MentorHealth:
    id: int
    name: str
    mentees: int
    last_meeting: dt.date | None
    days_since: int | None
    overdue: int


@dataclass
class Caseloads:
    region_id: int
    educators: int
    tutors: list[TutorLoad]
    unassigned: int
    unassigned_by_municipality: list[tuple[str, int]]
    unassigned_shown: list[Unassigned]
    proposals: list[Proposal]
    no_place: int  # candidates no tutor with spare capacity could take
    proposed: bool  # False: the proposal is computed on demand (the head asks for it)
    to_rebalance: int  # educators without a tutor and assignments beyond a capacity
    history: list[CaseloadChange]
    mentors: list[MentorHealth] = field(default_factory=list)
    mentors_total: int = 0
    mentorships_stale: int = 0
    plans_overdue: int = 0

    @property
    def capacity(self) -> int:
        return sum(t.capacity or 0 for t in self.tutors)

    @property
    def load(self) -> int:
        return sum(t.load for t in self.tutors)

    @property
    def overloaded(self) -> int:
        return sum(1 for t in self.tutors if t.overloaded)

    @property
    def without_capacity(self) -> int:
        return sum(1 for t in self.tutors if t.capacity is None)


def _tutor_loads(region_id: int) -> tuple[list[TutorLoad], dict[int, Counter], dict[int, str]]:
    tutors = list(role_holders(role=Role.TUTOR, region_id=region_id).only("pk", "first_name", "last_name", "username"))
    capacities = dict(TutorCapacity.objects.filter(region_id=region_id).values_list("tutor_id", "capacity"))
    served: dict[int, Counter] = defaultdict(Counter)
    rows = (
        SupportAssignment.objects.filter(
            region_id=region_id, kind=AssignmentKind.TUTOR, active=True, educator__is_active=True
        )
        .values_list("supporter_id", "educator__organization__municipality_id")
        .annotate(n=Count("pk"))
        .order_by()
    )
    for tutor_id, municipality_id, n in rows:
        served[tutor_id][municipality_id] += n
    names = dict(Municipality.objects.filter(region_id=region_id).values_list("pk", "name"))
    loads = [
        TutorLoad(
            t.pk,
            t.display_name(),
            capacities.get(t.pk),
            sum(served[t.pk].values()),
            [(names.get(m, _("no municipality")), n) for m, n in served[t.pk].most_common(3)],
        )
        for t in tutors
    ]
    return loads, served, names


def _subjects(educator_ids) -> dict[int, set[int]]:
    subjects: dict[int, set[int]] = defaultdict(set)
    for educator_id, subject_id in Educator.subjects.through.objects.filter(
        educator_id__in=list(educator_ids)
    ).values_list("educator_id", "subject_id"):
        subjects[educator_id].add(subject_id)
    return subjects


def _educator_counts(region_id: int) -> list[tuple[int | None, int, int]]:
    """(municipality, active educators, those without an active tutor) per municipality: two
    grouped scans instead of a subquery per educator."""
    totals = (
        Educator.objects.filter(region_id=region_id, is_active=True)
        .values_list("organization__municipality_id")
        .annotate(n=Count("pk"))
        .order_by()
    )
    tutored = dict(
        SupportAssignment.objects.filter(
            educator__region_id=region_id, educator__is_active=True, kind=AssignmentKind.TUTOR, active=True
        )
        .values_list("educator__organization__municipality_id")
        .annotate(n=Count("educator_id", distinct=True))
        .order_by()
    )
    return [(m, n, n - tutored.get(m, 0)) for m, n in totals]


def _unassigned_first(
    region_id: int, limit: int, without: dict[int | None, int], names: dict[int, str]
) -> list[Educator]:
    """The first educators without a tutor, by municipality and name (shown and proposed).
    Only the municipalities that come first by name and hold `limit` of them are read (and the
    educators without one, wherever the database sorts them)."""
    first: list[int] = []
    taken = 0
    # in the database's own order of names (its collation, not Python's)
    ordered = Municipality.objects.filter(pk__in=[m for m in without if m is not None]).order_by("name", "pk")
    for pk in ordered.values_list("pk", flat=True):
        if taken >= limit and names.get(pk, "") != names.get(first[-1], ""):
            break
        first.append(pk)
        taken += without[pk]
    base = Educator.objects.filter(region_id=region_id, is_active=True).select_related("organization__municipality")
    where = Q(organization__municipality_id__in=first) | Q(organization__municipality__isnull=True)
    return list(
        base.filter(where)
        .filter(~_active_tutor(OuterRef("pk")))
        .order_by("organization__municipality__name", "last_name", "first_name", "pk")[:limit]
    )


def _candidates(
    region_id: int, tutors: list[TutorLoad], unassigned: list[Educator]
) -> list[tuple[Educator, int | None]]:
    """Who a rebalancing moves: the educators without a tutor (a batch), then the newest
    assignments of the tutors over capacity beyond it (a batch too)."""
    base = Educator.objects.filter(region_id=region_id, is_active=True).select_related("organization__municipality")
    candidates: list[tuple[Educator, int | None]] = [(e, None) for e in unassigned]
    excess = {t.id: t.load - t.capacity for t in tutors if t.capacity is not None and t.overloaded}
    if excess:
        newest: dict[int, list[int]] = defaultdict(list)
        for tutor_id, educator_id in (
            SupportAssignment.objects.filter(
                supporter_id__in=list(excess),
                region_id=region_id,
                kind=AssignmentKind.TUTOR,
                active=True,
                educator__is_active=True,
            )
            .order_by("supporter_id", "-assigned_at", "-pk")
            .values_list("supporter_id", "educator_id")
        ):
            if len(newest[tutor_id]) < excess[tutor_id]:
                newest[tutor_id].append(educator_id)
        moving = dict(list({e: t for t, ids in newest.items() for e in ids}.items())[:PROPOSAL_EXCESS])
        candidates += [
            (e, moving[e.pk]) for e in base.filter(pk__in=list(moving)).order_by("last_name", "first_name", "pk")
        ]
    return candidates


def _reason(same_municipality: bool, shared_subject: bool, load: int, capacity: int) -> str:
    parts = [_("same municipality") if same_municipality else _("another municipality")]
    if shared_subject:
        parts.append(_("shared subject"))
    parts.append(_("load %(load)s of %(capacity)s") % {"load": load, "capacity": capacity})
    return ", ".join(parts)


def propose(
    region_id: int, tutors: list[TutorLoad], served: dict[int, Counter], unassigned: list[Educator]
) -> tuple[list[Proposal], int]:
    """A tutor for each candidate: one with spare capacity, who already serves the
    educator's municipality first, then one who teaches a subject of the educator, then the
    lighter relative load, then the lower id (so the proposal is reproducible)."""
    candidates = _candidates(region_id, tutors, unassigned)
    open_tutors = {t.id: t for t in tutors if t.capacity}
    if not candidates:
        return [], 0
    tutor_subjects: dict[int, set[int]] = {user_id: set() for user_id in open_tutors}
    for user_id, subject_id in Educator.subjects.through.objects.filter(
        educator__user_id__in=list(open_tutors)
    ).values_list("educator__user_id", "subject_id"):
        tutor_subjects[user_id].add(subject_id)
    educator_subjects = _subjects(e.pk for e, _from in candidates)
    planned = {t.id: t.load for t in open_tutors.values()}
    names: dict[int | None, str] = {t.id: t.name for t in tutors}
    proposals, no_place = [], 0
    for educator, from_id in candidates:
        municipality_id = educator.organization.municipality_id if educator.organization else None
        best, best_key = None, None
        for tutor in open_tutors.values():
            assert tutor.capacity  # open_tutors are the tutors with a capacity
            if tutor.id in (from_id, educator.user_id) or planned[tutor.id] >= tutor.capacity:
                continue
            same = served[tutor.id][municipality_id] > 0
            shared = bool(tutor_subjects[tutor.id] & educator_subjects[educator.pk])
            key = (not same, not shared, planned[tutor.id] / tutor.capacity, tutor.id)
            if best_key is None or key < best_key:
                best, best_key = tutor, key
        if best is None or best_key is None:  # set together
            no_place += 1
            continue
        planned[best.id] += 1
        if from_id is not None:
            planned[from_id] -= 1
        organization = educator.organization
        assert best.capacity  # an open tutor
        proposals.append(
            Proposal(
                educator.pk,
                educator.full_name,
                organization.display_name if organization else "",
                organization.municipality.name if organization and organization.municipality else "",
                from_id,
                names.get(from_id, ""),
                best.id,
                best.name,
                _reason(not best_key[0], not best_key[1], planned[best.id], best.capacity),
            )
        )
    return proposals, no_place


def _mentoring_health(region_id: int, today: dt.date) -> tuple[list[MentorHealth], int, int, int]:
    active = Mentorship.objects.filter(region_id=region_id, status=MentorshipStatus.ACTIVE)
    rows = list(
        active.values("mentor_id", "mentor__last_name", "mentor__first_name", "mentor__username")
        .annotate(mentees=Count("pk", distinct=True), last=Max("meetings__held_on"))
        .order_by("mentor__last_name", "mentor__first_name", "mentor_id")
    )
    last_by_pair = active.annotate(last=Max("meetings__held_on")).values_list("last", flat=True)
    stale_before = today - dt.timedelta(days=MEETING_GAP_DAYS)
    stale = sum(1 for last in last_by_pair if last is None or last < stale_before)
    overdue = dict(
        PlanItem.objects.filter(mentorship__in=active, done_at__isnull=True, due_on__lt=today)
        .values_list("mentorship__mentor_id")
        .annotate(n=Count("pk"))
        .order_by()
    )
    mentors = [
        MentorHealth(
            r["mentor_id"],
            f"{r['mentor__last_name']} {r['mentor__first_name']}".strip() or r["mentor__username"],
            r["mentees"],
            r["last"],
            (today - r["last"]).days if r["last"] else None,
            overdue.get(r["mentor_id"], 0),
        )
        for r in rows
    ]
    return mentors[:MENTORS_SHOWN], len(mentors), stale, sum(overdue.values())


def caseloads(
    user, *, region_id: int | None = None, today: dt.date | None = None, propose_now: bool = True
) -> Caseloads:
    """The ЦНППМ head's page: loads against capacities, who has no tutor, a proposed
    rebalancing, the latest changes and the health of mentoring. A fixed number of queries
    whatever the size of the region (tests/support/test_caseloads.py).

    ``propose_now=False`` leaves the proposal for when the head asks for it (the page): the
    proposal is most of the cost and is not needed to read the loads."""
    region_id = head_region(user, region_id)
    today = today or timezone.localdate()
    tutors, served, municipality_names = _tutor_loads(region_id)
    counts = _educator_counts(region_id)
    by_municipality = sorted(((m, w) for m, _t, w in counts if w), key=lambda row: -row[1])
    unassigned = sum(n for _m, n in by_municipality)
    limit = PROPOSAL_UNASSIGNED if propose_now else UNASSIGNED_SHOWN
    first = _unassigned_first(region_id, limit, dict(by_municipality), municipality_names) if unassigned else []
    shown = [
        Unassigned(
            e.pk,
            e.full_name,
            e.organization.display_name if e.organization else "",
            e.organization.municipality.name if e.organization and e.organization.municipality else "",
        )
        for e in first[:UNASSIGNED_SHOWN]
    ]
    proposals, no_place = propose(region_id, tutors, served, first) if propose_now else ([], 0)
    history = list(
        access.scoped(CaseloadChange.objects.filter(region_id=region_id), user, roles=HEADS).select_related(
            "educator", "from_supporter", "to_supporter", "changed_by"
        )[:HISTORY_SHOWN]
    )
    mentors, mentors_total, stale, plans_overdue = _mentoring_health(region_id, today)
    return Caseloads(
        region_id=region_id,
        educators=sum(t for _m, t, _w in counts),
        tutors=tutors,
        unassigned=unassigned,
        unassigned_by_municipality=[
            (municipality_names.get(m or 0, _("no municipality")), n) for m, n in by_municipality
        ],
        unassigned_shown=shown,
        proposals=proposals,
        no_place=no_place,
        proposed=propose_now,
        to_rebalance=unassigned + sum(t.load - (t.capacity or 0) for t in tutors if t.overloaded),
        history=history,
        mentors=mentors,
        mentors_total=mentors_total,
        mentorships_stale=stale,
        plans_overdue=plans_overdue,
    )


# ---------------------------------------------------------------- writes


def _tutor_of_region(region_id: int, tutor_id: int) -> User:
    tutor = role_holders(role=Role.TUTOR, region_id=region_id).filter(pk=tutor_id).first()
    if tutor is None:
        raise NotFound(_("No tutor of this region has this id."), code="tutor_not_found")
    return tutor


@transaction.atomic
def capacity_set(*, actor: User, region_id: int | None, tutor_id: int, capacity: int) -> TutorCapacity:
    """The number of educators a tutor of the region can support (0 takes them out of
    rebalancing; the current caseload stays until the head moves it)."""
    region_id = head_region(actor, region_id)
    if not 0 <= capacity <= CAPACITY_MAX:
        raise ValidationFailed(
            _("The capacity is from 0 to %(max)s educators.") % {"max": CAPACITY_MAX},
            code="capacity_range",
        )
    tutor = _tutor_of_region(region_id, tutor_id)
    row, _created = TutorCapacity.objects.update_or_create(
        tutor=tutor, region_id=region_id, defaults={"capacity": capacity, "set_by": actor}
    )
    return row


def record_change(
    *,
    educator: Educator,
    kind: str,
    from_user: User | None,
    to_user: User | None,
    reason: str,
    actor: User | None,
    note: str = "",
) -> CaseloadChange:
    return CaseloadChange.objects.create(
        educator=educator,
        region_id=educator.region_id,
        kind=kind,
        from_supporter=from_user,
        to_supporter=to_user,
        reason=reason,
        note=note[:300],
        changed_by=actor,
    )


def _notify_move(educator: Educator, old: User | None, new: User) -> None:
    url = reverse("support:index")
    notify(
        kind=MailKind.CASELOAD,
        user=new,
        title=_("%(name)s is now in your caseload") % {"name": educator.full_name},
        url=url,
    )
    if old is not None:
        notify(
            kind=MailKind.CASELOAD,
            user=old,
            title=_("%(name)s has been handed over to another tutor: %(tutor)s")
            % {"name": educator.full_name, "tutor": new.display_name()},
        )
    if educator.user is not None:
        notify(
            kind=MailKind.CASELOAD,
            user=educator.user,
            title=_("Your tutor is now %(tutor)s") % {"tutor": new.display_name()},
            url=url,
        )


def _parse_moves(moves) -> list[tuple[int, int]]:
    parsed = []
    for move in moves:
        if isinstance(move, str):
            educator_id, _sep, tutor_id = move.partition(":")
            if not (educator_id.isdigit() and tutor_id.isdigit()):
                raise ValidationFailed(_("A move names an educator and a tutor."), code="move_invalid")
            move = (int(educator_id), int(tutor_id))
        parsed.append((int(move[0]), int(move[1])))
    if not parsed:
        raise ValidationFailed(_("Choose at least one move."), code="moves_empty")
    if len(parsed) > MOVES_MAX:
        raise ValidationFailed(_("At most %(max)s moves at once.") % {"max": MOVES_MAX}, code="moves_too_many")
    if len({e for e, _t in parsed}) != len(parsed):
        raise ValidationFailed(_("An educator appears in two moves."), code="move_duplicate")
    return parsed


@transaction.atomic
def caseload_move(
    *, actor: User, region_id: int | None, moves, note: str = "", proposed: bool = False
) -> list[CaseloadChange]:
    """Give each educator the named tutor (the head's confirmation of a rebalancing or a
    single reassignment): the previous tutor's assignment ends, the new one starts, the
    change is recorded and the educator and both tutors are notified. All or nothing."""
    region_id = head_region(actor, region_id)
    parsed = _parse_moves(moves)
    educators = {
        e.pk: e
        for e in access.scoped(Educator.objects.filter(region_id=region_id, is_active=True), actor, roles=HEADS)
        .filter(pk__in=[e for e, _t in parsed])
        .select_related("user")
        .select_for_update(of=("self",))
    }
    tutors = {
        t.pk: t for t in role_holders(role=Role.TUTOR, region_id=region_id).filter(pk__in=[t for _e, t in parsed])
    }
    capacities = dict(
        TutorCapacity.objects.filter(region_id=region_id, tutor_id__in=list(tutors)).values_list("tutor_id", "capacity")
    )
    loads = Counter(
        dict(
            SupportAssignment.objects.filter(
                supporter_id__in=list(tutors),
                region_id=region_id,
                kind=AssignmentKind.TUTOR,
                active=True,
                educator__is_active=True,
            )
            .values_list("supporter_id")
            .annotate(n=Count("pk"))
            .order_by()
        )
    )
    current: dict[int, list[int]] = defaultdict(list)
    for educator_id, supporter_id in SupportAssignment.objects.filter(
        educator_id__in=list(educators), kind=AssignmentKind.TUTOR, active=True
    ).values_list("educator_id", "supporter_id"):
        current[educator_id].append(supporter_id)
    old_users = {u.pk: u for u in User.objects.filter(pk__in={s for ids in current.values() for s in ids})}
    changes = []
    for educator_id, tutor_id in parsed:
        educator = educators.get(educator_id)
        if educator is None:
            raise NotFound(_("No educator of this region has this id."), code="educator_not_found")
        tutor = tutors.get(tutor_id)
        if tutor is None:
            raise NotFound(_("No tutor of this region has this id."), code="tutor_not_found")
        if tutor_id in current[educator_id]:
            raise Conflict(
                _("%(name)s already has this tutor.") % {"name": educator.full_name},
                code="caseload_same_tutor",
            )
        capacity = capacities.get(tutor_id)
        if capacity is not None and loads[tutor_id] >= capacity:
            raise Conflict(
                _("%(tutor)s has no free place in the caseload.") % {"tutor": tutor.display_name()},
                code="tutor_full",
            )
        old = old_users.get(current[educator_id][0]) if current[educator_id] else None
        for supporter_id in current[educator_id]:
            support_end(supporter=old_users[supporter_id], educator=educator, kind=Role.TUTOR)
            loads[supporter_id] -= 1
        support_assign(supporter=tutor, educator=educator, kind=Role.TUTOR)
        loads[tutor_id] += 1
        reason = (ChangeReason.REBALANCED if proposed else ChangeReason.REASSIGNED) if old else ChangeReason.ASSIGNED
        changes.append(
            record_change(
                educator=educator,
                kind=AssignmentKind.TUTOR,
                from_user=old,
                to_user=tutor,
                reason=reason,
                actor=actor,
                note=note,
            )
        )
        _notify_move(educator, old, tutor)
    return changes
