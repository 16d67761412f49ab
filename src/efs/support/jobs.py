"""Support's part of the daily job (collected by `efs.ops.daily`): (name, label, step)."""

from django.utils.translation import gettext_lazy as _


def _reminders() -> str:
    from .reminders import send_reminders

    return str(_("Support reminders sent: %(n)s") % {"n": send_reminders()})


def _effects() -> str:
    from .effects import effects_update

    return str(_("Measures of support computed: %(n)s") % {"n": effects_update()})


DAILY_STEPS = [
    ("support_reminders", _("Support: consultations of the next day and overdue reflections"), _reminders),
    ("support_effects", _("Support: does it work (supported deficits closed at the re-diagnosis)"), _effects),
]
