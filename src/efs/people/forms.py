"""Forms of the people app."""

from __future__ import annotations

from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from efs.http import client_ip

from . import throttle
from .models import ConsentKind, MailKind


class ThrottledAuthenticationForm(AuthenticationForm):
    """The login form, refusing an account or an address after too many failed passwords."""

    error_messages = {
        **AuthenticationForm.error_messages,
        "throttled": _("Too many failed attempts to log in. Wait %(minutes)s minutes and try again."),
    }

    throttled = False

    # A password longer than this is refused before it is hashed (hashing megabytes is work for nothing).
    password = forms.CharField(
        label=_("Password"),
        strip=False,
        max_length=4096,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )

    def clean(self):
        from django.conf import settings

        username = self.cleaned_data.get("username") or ""
        ip = client_ip(self.request) if self.request is not None else None
        if throttle.blocked(username=username, ip=ip):
            self.throttled = True
            raise ValidationError(
                self.error_messages["throttled"],
                code="throttled",
                params={"minutes": max(1, settings.EFS_LOGIN_WINDOW_SECONDS // 60)},
            )
        try:
            cleaned = super().clean()
        except ValidationError:
            throttle.failed(username=username, ip=ip)
            raise
        throttle.succeeded(username=username)
        return cleaned


class ConfirmForm(forms.Form):
    """A button that changes something: no fields, but the POST still goes through a form."""


class ConsentForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind of consent"), choices=ConsentKind.choices)


class ImportCommitForm(forms.Form):
    only_valid = forms.BooleanField(required=False)


class TokenRevokeForm(forms.Form):
    id = forms.IntegerField(min_value=1, max_value=2**62, widget=forms.HiddenInput)


class EmailSettingsForm(forms.Form):
    """Whether notifications come by e-mail at all, and which kinds (an unticked box mutes one)."""

    enabled = forms.BooleanField(required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for kind in MailKind.values:
            self.fields[f"kind_{kind}"] = forms.BooleanField(required=False)
