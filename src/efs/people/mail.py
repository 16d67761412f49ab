"""E-mail copies of notifications, for every app at once (people.notify is the one owner).

A notification created in the inbox is also mailed when the user has an address and has not
opted out of its kind (``EmailPreference``). The message is rendered in Russian from
``people/email/notification_subject.txt`` and ``notification_body.txt`` and sent only after
the transaction commits (a rolled-back change mails nothing); a failure of the mail server is
logged and never breaks the action that notified. The backend is Django's (settings:
``EMAIL_BACKEND`` from ``EFS_EMAIL_BACKEND``; files under the data dir by default).
"""

from __future__ import annotations

import logging

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import translation

from .models import EmailPreference, MailKind, User

logger = logging.getLogger("efs.mail")


def address_of(user: User) -> str:
    """The login's address, else the address in the educator's directory record."""
    if user.email:
        return user.email
    educator = getattr(user, "educator", None)
    return educator.email if educator is not None and educator.email else ""


def wants(user: User, kind: str) -> bool:
    preference = EmailPreference.objects.filter(user=user).first()
    return preference is None or preference.wants(kind)


def preference_of(user: User) -> EmailPreference:
    return EmailPreference.objects.filter(user=user).first() or EmailPreference(user=user)


def preference_set(*, user: User, enabled: bool, muted: list[str]) -> EmailPreference:
    kinds = [kind for kind in MailKind.values if kind in set(muted)]
    preference, _created = EmailPreference.objects.update_or_create(
        user=user, defaults={"enabled": enabled, "muted": kinds}
    )
    return preference


def link(url: str) -> str:
    if not url:
        return ""
    return url if url.startswith(("http://", "https://")) else f"{settings.EFS_SITE_URL}{url}"


def message(*, user: User, address: str, title: str, body: str, url: str) -> EmailMessage:
    context = {
        "name": user.display_name(),
        "title": title,
        "body": body,
        "url": link(url),
        "site": settings.EFS_SITE_URL,
    }
    with translation.override("ru"):
        subject = " ".join(render_to_string("people/email/notification_subject.txt", context).split())
        text = render_to_string("people/email/notification_body.txt", context)
    return EmailMessage(subject=subject[:250], body=text, to=[address])


def _send(email: EmailMessage, user_id: int) -> None:
    try:
        email.send()
    except Exception:  # the mail server's failure must not undo or break the action
        logger.exception("e-mail to user %s not sent", user_id)


def mail_later(*, user: User, title: str, body: str, url: str, kind: str) -> bool:
    """Queue the e-mail copy of a notification for after the commit. True when queued."""
    address = address_of(user)
    if not address or not user.is_active or not wants(user, kind):
        return False
    email = message(user=user, address=address, title=title, body=body, url=url)
    transaction.on_commit(lambda: _send(email, user.pk))
    return True
