"""This app's part of the daily job (collected by `efs.ops.daily`): (name, label, step)."""

from django.utils.translation import gettext_lazy as _


def _remeasurements() -> str:
    from .services import remeasurements_record_all

    return str(_("Re-diagnoses taken into routes: %(n)s") % {"n": remeasurements_record_all()})


def _reminders() -> str:
    from .services import send_reminders

    return str(_("Reminders sent: %(n)s") % {"n": send_reminders()})


def _program_effects() -> str:
    from .services import program_effects_update

    return str(_("Effects measured: %(n)s") % {"n": program_effects_update()})


DAILY_STEPS = [
    ("remeasurements", _("Re-diagnoses taken into routes"), _remeasurements),
    ("reminders", _("Reminders of due and overdue activities"), _reminders),
    ("program_effects", _("Measured effects of programs"), _program_effects),
]
