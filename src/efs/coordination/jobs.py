"""The coordination council's part of the daily job (collected by `efs.ops.daily`): (name, label, step)."""

from django.utils.translation import gettext_lazy as _


def _overdue() -> str:
    from .services import overdue_tasks_process

    return str(
        _("Council tasks: overdue notices sent: %(n)s; the next meetings' agendas carry them")
        % {"n": overdue_tasks_process()}
    )


DAILY_STEPS = [
    (
        "coordination_overdue",
        _("Coordination council: overdue tasks and open decisions onto the next agenda"),
        _overdue,
    ),
]
