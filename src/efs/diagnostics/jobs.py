"""This app's part of the daily job (collected by `efs.ops.daily`): (name, label, step)."""

from django.utils.translation import gettext_lazy as _


def _expire_overdue() -> str:
    from .services import expire_overdue

    return str(_("Attempts finished because their time was up: %(n)s") % {"n": expire_overdue()})


DAILY_STEPS = [
    ("attempts_time_up", _("Attempts whose time is up are finished and scored"), _expire_overdue),
]
