"""Support as a source of route items (routes.registry): the builder proposes a consultation
with the assigned tutor, work with the mentor of a young specialist and a reflective cycle,
each with its reason; a consultation's outcome is evidence of a «consultation» activity."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from efs.routes import services as route_services
from efs.routes.models import Evidence, ItemKind, RouteItem
from efs.routes.registry import SourceQuery, item_source
from efs.support import services, sources
from efs.support.models import Consultation
from tests.catalog.conftest import depot  # noqa: F401  (fixture)
from tests.routes.conftest import options, ready  # noqa: F401  (fixture)
from tests.support.setup import mentoring_data


def _query(world, educator, deficits):
    today = timezone.localdate()
    return SourceQuery(
        educator_id=educator.pk,
        region_id=educator.region_id,
        organization_id=educator.organization_id,
        subject_codes=frozenset(),
        deficits=deficits,
        period_start=today,
        period_end=today + dt.timedelta(days=365),
    )


def test_the_three_kinds_are_registered():
    for kind in (ItemKind.CONSULTATION, ItemKind.MENTORING, ItemKind.REFLECTION):
        assert item_source(kind) is not None


def test_candidates_name_the_tutor_the_mentor_and_skip_open_cycles(world):
    state = mentoring_data(world, {})
    me = world.self_educator
    found = sources.consultation_candidates(_query(world, me, {"T.RO": 0.98, "T.NP": 0.9}))
    tutor = world.users["tutor"].display_name()
    assert [c.coverage for c in found] == [{"T.RO": 0.1}, {"T.NP": 0.1}]
    assert tutor in found[0].title and tutor in found[0].reason
    # a young specialist with a proposed mentor: work with that mentor
    from efs.people.models import Educator

    young = Educator.objects.get(pk=state["young"])
    mentoring = sources.mentoring_candidates(_query(world, young, {"T.RO": 0.9}))
    assert len(mentoring) == 1 and "предложен" in mentoring[0].reason
    # the teacher has 20+ years? no: the World teacher's experience decides; an experienced one gets none
    me.experience_years = 10
    me.save(update_fields=["experience_years"])
    assert sources.mentoring_candidates(_query(world, me, {"T.RO": 0.9})) == []
    # no tutor: no consultation proposed
    assert sources.consultation_candidates(_query(world, young, {"T.RO": 0.9})) == []
    from efs.support import cycles

    cycles.cycle_open(actor=world.users["teacher"], educator=me, competency_id=state["competency"])
    codes = [c.key for c in sources.reflection_candidates(_query(world, me, {"T.RO": 0.98, "T.NP": 0.9}))]
    assert codes == ["T.NP"]  # T.RO has an open cycle


def test_the_builder_proposes_a_consultation_and_its_outcome_is_evidence(ready):  # noqa: F811
    world = ready["world"]
    teacher, tutor, me = world.users["teacher"], world.users["tutor"], world.self_educator
    # 8 hours: no program fits, the free support activities do
    route = route_services.route_build(actor=teacher, educator=me, options=options(max_hours=8))
    item = route.items.filter(kind=ItemKind.CONSULTATION).first()
    assert item is not None, list(route.items.values_list("kind", "title"))
    assert tutor.display_name() in item.title and "закреплён" in item.reason
    route_services.route_propose(actor=teacher, route=route)
    route_services.route_approve(actor=tutor, route=route)
    code = next(iter(item.coverage))
    competency_id = route.goals.get(competency__code=code).competency_id
    c = services.consultation_request(
        actor=teacher, educator=me, topic="Разбор", format="online", competency_id=competency_id
    )
    start = timezone.now() - dt.timedelta(hours=2)
    services.consultation_schedule(
        actor=tutor,
        consultation=c,
        starts_at=start,
        duration_minutes=45,
        place="",
        online_link="https://x.ru/a",
        now=start - dt.timedelta(days=1),
    )
    services.consultation_record(actor=tutor, consultation=c, notes="n", outcome="Итог", next_steps="")
    evidence = services.consultation_to_evidence(actor=teacher, consultation=Consultation.objects.get(pk=c.pk))
    assert Evidence.objects.get(pk=evidence.pk).item_id == item.pk
    assert RouteItem.objects.get(pk=item.pk).status == "submitted"
