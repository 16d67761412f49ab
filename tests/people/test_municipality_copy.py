"""An educator carries the organization's municipality (the municipal operator's people list
pages its index): whichever way the educator or the school comes to be where it is, the copy
is the organization's, and the municipal operator's list follows it."""

from __future__ import annotations

from efs.people.imports import import_commit
from efs.people.models import Educator, Organization
from efs.people.services import educator_update
from efs.people.validators import snils_with_checksum
from tests.people.test_imports import EDU_HEADER, person, preview, xlsx


def _municipalities(*educators: Educator) -> list[int | None]:
    return [Educator.objects.values_list("municipality_id", flat=True).get(pk=e.pk) for e in educators]


def _listed(world, who: str) -> set[str]:
    page = world.client(who).get("/people/educators/")
    assert page.status_code == 200
    return {name for name in ("Петрова", "Сидорова", "Кузнецова", "Смирнова") if name in page.content.decode()}


def test_the_test_world_s_educators_carry_their_schools_municipalities(world):
    assert _municipalities(world.same_org, world.other_org, world.other_muni, world.other_region) == [
        world.m1.pk,
        world.m1.pk,
        world.m2.pk,
        world.org_d.municipality_id,
    ]
    assert _listed(world, "municipal") == {"Петрова", "Сидорова"}


def test_an_imported_educator_takes_the_organization_s_municipality(world):
    content = xlsx([EDU_HEADER, person("Орлова", snils_with_checksum("200300401"), world.org_c.inn)])
    import_commit(actor=world.users["regional"], batch=preview(world, content), only_valid=False)
    assert _municipalities(Educator.objects.get(last_name="Орлова")) == [world.m2.pk]


def test_moving_an_educator_to_a_school_elsewhere_moves_the_copy(world):
    educator_update(actor=world.users["regional"], educator=world.other_org, changes={"organization": world.org_c})
    assert _municipalities(world.other_org) == [world.m2.pk]
    assert _listed(world, "municipal") == {"Петрова"}
    educator_update(actor=world.users["regional"], educator=world.other_org, changes={"organization": None})
    assert _municipalities(world.other_org) == [None]


def test_moving_a_school_to_another_municipality_moves_its_educators(world):
    school = Organization.objects.get(pk=world.org_c.pk)  # loaded as an edit form would load it
    school.municipality = world.m1
    school.save()
    assert _municipalities(world.other_muni) == [world.m1.pk]
    assert _listed(world, "municipal") == {"Петрова", "Сидорова", "Кузнецова"}
    # Saved again unchanged: nothing to move, no statement on the educators.
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as ctx:
        school.save()
    assert not any("people_educator" in q["sql"] for q in ctx.captured_queries)
