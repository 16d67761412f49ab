"""This app's part of the daily job (collected by `efs.ops.daily`): (name, label, step)."""

from django.utils.translation import gettext_lazy as _


def _practice_effects() -> str:
    from .services import practice_effects_update

    return str(_("Practices with a measured effect: %(n)s") % {"n": practice_effects_update()})


DAILY_STEPS = [
    ("practice_effects", _("Measured effects of practices"), _practice_effects),
]
