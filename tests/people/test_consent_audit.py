"""Consent with time and text version; the audit log of reads and changes."""

from __future__ import annotations

import pytest
from django.utils import timezone

from efs.errors import PermissionDenied
from efs.people.models import AuditEvent, Consent, ConsentDocument, ConsentKind
from efs.people.services import consent_active, consent_give, consent_withdraw


def test_consent_records_time_and_version_and_can_be_withdrawn(world):
    me, user = world.self_educator, world.users["teacher"]
    consent = consent_give(actor=user, educator=me, kind=ConsentKind.DIAGNOSTICS, ip="10.0.0.7")
    assert consent.document.version == "2026-1"
    assert consent.given_at is not None and consent.withdrawn_at is None
    assert consent_give(actor=user, educator=me, kind=ConsentKind.DIAGNOSTICS) == consent  # idempotent
    assert consent_withdraw(actor=user, educator=me, kind=ConsentKind.DIAGNOSTICS) == 1
    consent.refresh_from_db()
    assert consent.withdrawn_at >= consent.given_at
    assert consent_active(me, ConsentKind.DIAGNOSTICS) is None
    actions = list(AuditEvent.objects.filter(object_id=str(me.pk)).values_list("action", flat=True).order_by("id"))
    assert actions == ["consent", "withdraw"]


def test_a_new_text_version_needs_a_new_consent(world):
    me, user = world.self_educator, world.users["teacher"]
    consent_give(actor=user, educator=me, kind=ConsentKind.PERSONAL_DATA)
    ConsentDocument.objects.create(
        kind=ConsentKind.PERSONAL_DATA, version="2026-2", title="Новая редакция", text="…", published_at=timezone.now()
    )
    assert consent_active(me, ConsentKind.PERSONAL_DATA) is None
    fresh = consent_give(actor=user, educator=me, kind=ConsentKind.PERSONAL_DATA)
    assert fresh.document.version == "2026-2"
    assert Consent.objects.filter(educator=me, withdrawn_at__isnull=True).count() == 2


def test_nobody_else_gives_consent_for_a_person(world):
    with pytest.raises(PermissionDenied):
        consent_give(actor=world.users["school_head"], educator=world.self_educator, kind=ConsentKind.DIAGNOSTICS)
    assert not Consent.objects.filter(document__kind=ConsentKind.DIAGNOSTICS).exists()


def test_consent_page_gives_and_withdraws(world):
    client = world.client("teacher")
    page = client.get("/people/consents/").content.decode()
    assert "Участие в диагностике добровольное" in page
    client.post("/people/consents/give/", {"kind": "diagnostics"})
    assert consent_active(world.self_educator, "diagnostics") is not None
    client.post("/people/consents/withdraw/", {"kind": "diagnostics"})
    assert consent_active(world.self_educator, "diagnostics") is None
    refused = client.post("/people/consents/give/", {"kind": "astrology"})
    assert refused.status_code == 400 and "alert-danger" in refused.content.decode()
    assert consent_active(world.self_educator, "diagnostics") is None


def test_opening_someone_elses_record_is_audited_but_ones_own_is_not(world):
    world.client("teacher").get(f"/people/educators/{world.self_educator.pk}/")
    assert not AuditEvent.objects.filter(action="view", object_id=str(world.self_educator.pk)).exists()
    world.client("school_head").get(f"/people/educators/{world.same_org.pk}/", REMOTE_ADDR="192.0.2.5")
    event = AuditEvent.objects.get(action="view", object_id=str(world.same_org.pk))
    assert (event.actor, event.region, event.ip, event.object_type) == (
        world.users["school_head"],
        world.r1,
        "192.0.2.5",
        "people.educator",
    )


def test_lists_and_exports_are_audited_with_counts(world):
    world.client("regional").get("/people/educators/")
    world.client("regional").get("/people/educators/export.xlsx")
    listed = AuditEvent.objects.get(action="view", object_id="")
    exported = AuditEvent.objects.get(action="export")
    assert (listed.count, exported.count) == (4, 4)


def test_changing_ones_email_is_audited_with_field_names_only(world):
    client = world.client("teacher")
    client.post(f"/people/educators/{world.self_educator.pk}/", {"email": "ivanova@school1.ru"})
    world.self_educator.refresh_from_db()
    assert world.self_educator.email == "ivanova@school1.ru"
    event = AuditEvent.objects.get(action="update")
    assert event.fields == ["email"]
    response = client.post(f"/people/educators/{world.self_educator.pk}/", {"email": "not an email"}, follow=True)
    assert "Введите правильный адрес электронной почты" in response.content.decode()
    world.self_educator.refresh_from_db()
    assert world.self_educator.email == "ivanova@school1.ru"


def test_others_cannot_change_a_persons_record(world):
    response = world.client("school_head").post(f"/people/educators/{world.same_org.pk}/", {"email": "x@y.ru"})
    assert response.status_code == 403  # the refusal's own status and message, not the redirect of a success
    assert "Вы не можете изменять эти поля." in response.content.decode()
    world.same_org.refresh_from_db()
    assert world.same_org.email == ""
    assert not AuditEvent.objects.filter(action="update").exists()


def test_audit_page_shows_only_the_operators_region(world):
    world.client("school_head").get(f"/people/educators/{world.same_org.pk}/")
    world.client("regional_other").get(f"/people/educators/{world.other_region.pk}/")
    own = world.client("regional").get("/people/audit/").content.decode()
    other = world.client("regional_other").get("/people/audit/").content.decode()
    assert "Петрова" in own and "Смирнова" not in own
    assert "Смирнова" in other and "Петрова" not in other


def test_a_regional_operators_lists_and_exports_are_in_its_own_log_in_russian(world):
    regional = world.client("regional")
    regional.get("/people/educators/")
    regional.get("/people/educators/export.xlsx")
    events = AuditEvent.objects.filter(actor=world.users["regional"])
    assert {e.region_id for e in events} == {world.r1.pk} and events.count() == 2
    log = regional.get("/people/audit/").content.decode()
    assert "Выгрузка педагогов в Excel (со СНИЛС)" in log and "Список педагогов, страница 1" in log
    assert "people.educator" not in log
    assert "Выгрузка педагогов" not in world.client("regional_other").get("/people/audit/").content.decode()
    world.client("federal").get("/people/educators/export.xlsx")  # across regions: one event per region
    exported = AuditEvent.objects.filter(actor=world.users["federal"], action="export")
    assert exported.count() == len({e.region_id for e in exported}) >= 2


def test_consent_events_read_in_russian(world):
    document = ConsentDocument.objects.filter(kind=ConsentKind.DIAGNOSTICS).order_by("-version").first()
    consent_give(actor=world.users["teacher"], educator=world.self_educator, kind=ConsentKind.DIAGNOSTICS)
    event = AuditEvent.objects.get(action="consent")
    assert event.fields_display == [f"участие в диагностике, редакция {document.version}"]
    log = world.client("regional").get("/people/audit/").content.decode()
    assert f"diagnostics:{document.version}" not in log and "участие в диагностике" in log

