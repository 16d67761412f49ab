"""E-mail copies of notifications (people.notify → people.mail): sent after the commit, in
Russian, only to an address the user has, never for a kind the user opted out of; a failing
mail server is logged, not raised."""

from __future__ import annotations

import pytest
from django.core import mail
from django.db import transaction

from efs.people import services
from efs.people.models import EmailPreference, MailKind, Notification
from tests.conftest import make_user


@pytest.fixture
def user(db):
    user = make_user("mailuser")
    user.email = "mailuser@school.example.ru"
    user.last_name = "Орлова"
    user.first_name = "Анна"
    user.save()
    return user


def test_a_notification_is_mailed_in_russian_after_the_commit(user, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        assert services.notify(user=user, title="Консультация назначена", body="Тема", url="/support/")
        assert mail.outbox == []  # not before the commit
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["mailuser@school.example.ru"]
    assert message.subject == "ЕФС НМС: Консультация назначена"
    assert "Здравствуйте, Орлова Анна!" in message.body
    assert "Тема" in message.body and "http://localhost:8000/support/" in message.body
    assert "странице уведомлений" in message.body


def test_a_rolled_back_notification_mails_nothing(user, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        try:
            with transaction.atomic():
                services.notify(user=user, title="Не будет")
                raise RuntimeError
        except RuntimeError:
            pass
    assert mail.outbox == [] and not Notification.objects.filter(title="Не будет").exists()


def test_a_repeated_key_and_a_user_without_address_get_no_mail(user, django_capture_on_commit_callbacks):
    silent = make_user("noaddress")
    with django_capture_on_commit_callbacks(execute=True):
        services.notify(user=user, title="Напоминание", key="k-1", kind=MailKind.REMINDER)
        services.notify(user=user, title="Напоминание", key="k-1", kind=MailKind.REMINDER)
        services.notify(user=silent, title="Без адреса")
    assert len(mail.outbox) == 1
    assert Notification.objects.filter(user=silent).count() == 1  # the inbox still gets it


def test_opting_out_of_a_kind_or_of_all_mail(user, django_capture_on_commit_callbacks):
    services.email_preference_set(user=user, enabled=True, muted=[MailKind.REMINDER, "unknown"])
    assert EmailPreference.objects.get(user=user).muted == [MailKind.REMINDER]
    with django_capture_on_commit_callbacks(execute=True):
        services.notify(user=user, title="Напоминание", kind=MailKind.REMINDER)
        services.notify(user=user, title="Консультация", kind=MailKind.CONSULTATION)
    assert [m.subject for m in mail.outbox] == ["ЕФС НМС: Консультация"]
    services.email_preference_set(user=user, enabled=False, muted=[])
    with django_capture_on_commit_callbacks(execute=True):
        services.notify(user=user, title="Ещё одна", kind=MailKind.CONSULTATION)
    assert len(mail.outbox) == 1
    assert Notification.objects.filter(user=user).count() == 3


def test_a_failing_mail_server_is_logged_not_raised(user, django_capture_on_commit_callbacks, monkeypatch, caplog):
    def broken(self, *args, **kwargs):
        raise OSError("connection refused")

    monkeypatch.setattr("django.core.mail.EmailMessage.send", broken)
    with django_capture_on_commit_callbacks(execute=True):
        assert services.notify(user=user, title="Сервер недоступен")
    assert "not sent" in caplog.text
    assert Notification.objects.filter(title="Сервер недоступен").exists()


def test_the_notifications_page_keeps_the_choice(user, client):
    client.force_login(user)
    page = client.get("/people/notifications/").content.decode()
    assert "mailuser@school.example.ru" in page and 'name="kind_reminder"' in page
    response = client.post("/people/notifications/email/", {"enabled": "1", "kind_consultation": "1"})
    assert response.status_code == 302
    preference = EmailPreference.objects.get(user=user)
    assert preference.enabled and MailKind.CONSULTATION not in preference.muted
    assert MailKind.REMINDER in preference.muted
