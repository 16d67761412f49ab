"""«Does support work?»: for each form of support, tutor and mentor of a region, the share
of supported deficits closed at the re-diagnosis against comparable deficits without any
support — the way `routes` measures the effects of programs (a comparison group of the
same competency, re-measured). Method and limits: docs/support.md.

An episode is a measured deficit (P ≥ 0.5) and the next finished measurement of the same
competency (`efs.diagnostics.public.deficit_remeasurements`); it is closed when P < 0.5 at
that measurement. It was supported by
- a consultation: a held consultation on that competency between the two measurements
  (and by the tutor who held it);
- mentoring: a meeting of an active mentorship of the educator between the two
  measurements (and by that mentor);
- a reflective cycle: a cycle on that competency opened between the two measurements.
The comparison group: episodes of the region with no support of any form, in the same
stratum — the competency and the band of the probability at the start (0.5–0.7, 0.7–0.9,
≥ 0.9). The expected share of a supported group is the mean, over its episodes, of the
share closed in their stratum without support; the effect is the observed share minus
that. Episodes whose stratum has no unsupported episode are counted but not compared.
"""

from __future__ import annotations

import datetime as dt
from bisect import bisect_right
from collections import defaultdict
from dataclasses import dataclass, field

from django.db import transaction
from django.utils import timezone

from efs.diagnostics.public import Remeasurement, deficit_remeasurements
from efs.people.public import Region, User

from .models import (
    Consultation,
    ConsultationStatus,
    EffectGroup,
    MentoringMeeting,
    ReflectionCycle,
    SupportEffect,
    SupportForm,
)

MIN_EPISODES = 5  # fewer supported deficits than this: the page says «too few to say»
BANDS = (0.7, 0.9)


def _band(p: float) -> int:
    return bisect_right(BANDS, p)


@dataclass
class _Tally:
    episodes: int = 0
    closed: int = 0
    compared: int = 0
    compared_closed: int = 0
    expected_sum: float = 0.0


@dataclass
class _Support:
    consultations: dict = field(
        default_factory=lambda: defaultdict(list)
    )  # (educator, competency) -> [(at, tutor)]
    meetings: dict = field(
        default_factory=lambda: defaultdict(list)
    )  # educator -> [(date, mentor)]
    cycles: dict = field(
        default_factory=lambda: defaultdict(list)
    )  # (educator, competency) -> [opened]


def _support(region_id: int) -> _Support:
    s = _Support()
    for educator_id, competency_id, at, tutor_id in Consultation.objects.filter(
        region_id=region_id, status=ConsultationStatus.HELD, competency__isnull=False
    ).values_list("educator_id", "competency_id", "starts_at", "tutor_id"):
        s.consultations[(educator_id, competency_id)].append((at, tutor_id))
    for educator_id, held_on, mentor_id in MentoringMeeting.objects.filter(
        mentorship__region_id=region_id
    ).values_list("mentorship__mentee_id", "held_on", "mentorship__mentor_id"):
        s.meetings[educator_id].append((held_on, mentor_id))
    for educator_id, competency_id, opened in ReflectionCycle.objects.filter(
        region_id=region_id
    ).values_list("educator_id", "competency_id", "opened_at"):
        s.cycles[(educator_id, competency_id)].append(opened)
    return s


def supported_pairs(region_id: int) -> tuple[set[tuple[int, int]], set[int]]:
    """(educator, competency) pairs worked on in a consultation or a cycle, and the educators
    with a logged mentoring meeting: for the demo's second wave (no contents, ids only)."""
    s = _support(region_id)
    return set(s.consultations) | set(s.cycles), set(s.meetings)


def _who_supported(e: Remeasurement, s: _Support) -> dict[tuple[str, str, int | None], bool]:
    """The (group, form, person) keys this episode counts for."""
    keys: dict[tuple[str, str, int | None], bool] = {}
    key = (e.educator_id, e.competency_id)
    for at, tutor_id in s.consultations.get(key, ()):
        if e.before_at < at < e.after_at:
            keys[(EffectGroup.FORM, SupportForm.CONSULTATION, None)] = True
            keys[(EffectGroup.TUTOR, "", tutor_id)] = True
    start, end = timezone.localdate(e.before_at), timezone.localdate(e.after_at)
    for held_on, mentor_id in s.meetings.get(e.educator_id, ()):
        if start <= held_on <= end:
            keys[(EffectGroup.FORM, SupportForm.MENTORING, None)] = True
            keys[(EffectGroup.MENTOR, "", mentor_id)] = True
    if any(e.before_at < opened < e.after_at for opened in s.cycles.get(key, ())):
        keys[(EffectGroup.FORM, SupportForm.CYCLE, None)] = True
    return keys


@transaction.atomic
def effects_compute(*, region_id: int, now: dt.datetime | None = None) -> list[SupportEffect]:
    """Recompute the region's rows (the previous ones are replaced)."""
    now = now or timezone.now()
    support = _support(region_id)
    supported: list[tuple[Remeasurement, dict]] = []
    control: dict[tuple[int, int], list[int]] = defaultdict(
        lambda: [0, 0]
    )  # stratum -> [n, closed]
    for episode in deficit_remeasurements(region_id=region_id):
        keys = _who_supported(episode, support)
        if keys:
            supported.append((episode, keys))
        else:
            stratum = control[(episode.competency_id, _band(episode.before_p))]
            stratum[0] += 1
            stratum[1] += episode.closed
    tallies: dict[tuple[str, str, int | None], _Tally] = defaultdict(_Tally)
    for episode, keys in supported:
        n, closed = control.get((episode.competency_id, _band(episode.before_p)), (0, 0))
        for key in keys:
            t = tallies[key]
            t.episodes += 1
            t.closed += episode.closed
            if n:
                t.compared += 1
                t.compared_closed += episode.closed
                t.expected_sum += closed / n
    SupportEffect.objects.filter(region_id=region_id).delete()
    control_n = sum(n for n, _c in control.values())
    rows = [
        SupportEffect(
            region_id=region_id,
            group=group,
            form=form,
            person_id=person,
            episodes=t.episodes,
            closed=t.closed,
            compared=t.compared,
            compared_closed=t.compared_closed,
            expected=(t.expected_sum / t.compared) if t.compared else None,
            control=control_n,
            computed_at=now,
        )
        for (group, form, person), t in tallies.items()
    ]
    return SupportEffect.objects.bulk_create(rows)


def effects_update() -> int:
    """The daily step: every region where support happened."""
    regions = set(Consultation.objects.values_list("region_id", flat=True).distinct()) | set(
        ReflectionCycle.objects.values_list("region_id", flat=True).distinct()
    )
    regions |= set(
        MentoringMeeting.objects.values_list("mentorship__region_id", flat=True).distinct()
    )
    return sum(
        len(effects_compute(region_id=r))
        for r in Region.objects.filter(pk__in=regions).values_list("pk", flat=True)
    )


@dataclass(frozen=True)
class EffectRow:
    label: str
    group: str
    episodes: int
    closed: int
    share: float | None
    compared: int
    expected: float | None
    effect: float | None
    enough: bool


def _person(row: SupportEffect) -> User:
    """The tutor or mentor of a tutor's or mentor's row (effects_compute always names them)."""
    assert row.person is not None
    return row.person


def effects(region_id: int) -> tuple[list[EffectRow], int | None, dt.datetime | None]:
    """The stored rows for the page: forms first, then tutors and mentors by name (never by
    effect: this is about the forms of support, not a ranking of people)."""
    rows = list(SupportEffect.objects.filter(region_id=region_id).select_related("person"))
    forms = dict(SupportForm.choices)
    out = []
    form_order = {f: i for i, f in enumerate(SupportForm.values)}

    def key(r: SupportEffect):
        order = [EffectGroup.FORM.value, EffectGroup.TUTOR.value, EffectGroup.MENTOR.value].index(r.group)
        name = (
            str(form_order.get(r.form, 9))
            if r.group == EffectGroup.FORM
            else f"{_person(r).last_name} {_person(r).first_name} {r.person_id:09d}"
        )
        return (order, name)

    for r in sorted(rows, key=key):
        label = str(forms[r.form]) if r.group == EffectGroup.FORM else _person(r).display_name()
        enough = r.compared >= MIN_EPISODES
        out.append(
            EffectRow(
                label,
                r.group,
                r.episodes,
                r.closed,
                r.share,
                r.compared,
                r.expected,
                r.effect if enough else None,
                enough,
            )
        )
    control = rows[0].control if rows else None
    computed = rows[0].computed_at if rows else None
    return out, control, computed
