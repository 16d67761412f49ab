"""Personal data under 152-ФЗ: where the region's legal basis is consent, nothing beyond
the directory record is processed without it; where it is a law or a contract, a missing
consent does not matter and the pages do not say it does."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile  # noqa: F401

from efs.errors import PermissionDenied
from efs.financing.models import Enrollment
from efs.financing.services import enrollment_request
from efs.people.models import ConsentKind, ProcessingBasis, Role
from efs.people.services import consent_give, consent_withdraw, region_basis_set, support_assign
from efs.routes import services
from efs.routes.models import Route
from tests.routes.conftest import options

CODE = "personal_data_consent_required"


def _withdraw(world):
    consent_withdraw(actor=world.users["teacher"], educator=world.self_educator, kind=ConsentKind.PERSONAL_DATA)


def test_without_consent_no_route_no_enrollment_no_support_and_the_page_and_api_say_what_to_do(ready):
    world = ready["world"]
    _withdraw(world)
    with pytest.raises(PermissionDenied) as error:
        services.route_build(actor=world.users["teacher"], educator=world.self_educator, options=options())
    assert error.value.code == CODE and "«Мои согласия»" in error.value.message
    cohort = ready["programs"]["ro"].cohorts.get()
    with pytest.raises(PermissionDenied) as error:
        enrollment_request(actor=world.users["teacher"], educator=world.self_educator, cohort=cohort, request_id="r-1")
    assert error.value.code == CODE
    with pytest.raises(PermissionDenied) as error:
        support_assign(supporter=world.users["mentor"], educator=world.self_educator, kind=Role.MENTOR)
    assert error.value.code == CODE and world.self_educator.full_name in error.value.message
    assert not Route.objects.exists() and not Enrollment.objects.exists()
    teacher = world.client("teacher")
    api = teacher.post("/api/routes/build", {}, content_type="application/json")
    assert (api.status_code, api.json()["error"]["code"]) == (403, CODE)
    page = teacher.get("/routes/").content.decode()
    assert 'id="consent-needed"' in page
    posted = teacher.post("/routes/", {"max_hours": "100", "budget": "0"}, follow=True).content.decode()
    assert "«Мои согласия»" in posted and not Route.objects.exists()
    home = teacher.get("/").content.decode()
    assert "согласие не дано" in home


def test_withdrawing_consent_stops_further_processing_of_a_running_route(ready):
    world = ready["world"]
    route = services.route_build(actor=world.users["teacher"], educator=world.self_educator, options=options())
    services.route_propose(actor=world.users["teacher"], route=route)
    services.route_approve(actor=world.users["tutor"], route=route)
    item = route.items.first()
    _withdraw(world)
    with pytest.raises(PermissionDenied) as error:
        services.item_start(actor=world.users["teacher"], item=item)
    assert error.value.code == CODE
    with pytest.raises(PermissionDenied):
        services.evidence_submit(actor=world.users["teacher"], item=item, note="Конспект")
    item.refresh_from_db()
    assert item.status == "planned" and not item.evidence.exists()
    assert 'id="consent-needed"' in world.client("tutor").get(f"/routes/{route.pk}/").content.decode()
    # given again, the work goes on
    consent_give(actor=world.users["teacher"], educator=world.self_educator, kind=ConsentKind.PERSONAL_DATA)
    services.item_start(actor=world.users["teacher"], item=item)


def test_under_a_law_or_contract_basis_a_missing_consent_does_not_matter(ready):
    world = ready["world"]
    _withdraw(world)
    region_basis_set(actor=world.users["regional"], region=world.r1, basis=ProcessingBasis.LAW)
    route = services.route_build(actor=world.users["teacher"], educator=world.self_educator, options=options())
    assert route.items.exists()
    teacher = world.client("teacher")
    assert 'id="consent-needed"' not in teacher.get(f"/routes/{route.pk}/").content.decode()
    home = teacher.get("/").content.decode()
    assert "согласие не дано" not in home and "согласие не требуется" in home
    assert "не требуется" in teacher.get("/people/consents/").content.decode()


def test_only_the_regions_operator_sets_the_basis(ready):
    world = ready["world"]
    with pytest.raises(PermissionDenied):
        region_basis_set(actor=world.users["regional_other"], region=world.r1, basis=ProcessingBasis.LAW)
    with pytest.raises(PermissionDenied):
        region_basis_set(actor=world.users["teacher"], region=world.r1, basis=ProcessingBasis.LAW)
    world.r1.refresh_from_db()
    assert world.r1.personal_data_basis == ProcessingBasis.CONSENT
