"""This app's part of the daily job (collected by `efs.ops.daily`): (name, label, step)."""

from django.utils.translation import gettext_lazy as _


def _holds_expire() -> str:
    from .services import holds_expire

    return str(_("Holds released: %(n)s") % {"n": holds_expire()})


DAILY_STEPS = [
    ("holds_expire", _("Release of expired holds on certificates"), _holds_expire),
]
