"""What other apps may use of `support` (ADR 0006): the writes that the demo generator and,
later, the coordination app call, and the data elements monitoring reads (`elements.py`).
Nothing here returns contents of private records."""

from __future__ import annotations

from .caseloads import capacity_set, caseload_move
from .cycles import cycle_act, cycle_close, cycle_observe, cycle_open, cycle_plan, cycle_reflect
from .effects import effects_compute, supported_pairs
from .elements import (
    element_consultations_held,
    element_consultations_held_sql,
    element_cycles_closed,
    element_cycles_closed_sql,
    element_educators_with_tutor,
    element_educators_with_tutor_sql,
    element_mentoring_pairs,
    element_mentoring_pairs_sql,
)
from .mentoring import meeting_log, mentors_propose, mentorship_create, mentorship_decide, plan_add
from .services import (
    consultation_cancel,
    consultation_record,
    consultation_request,
    consultation_schedule,
    record_create,
    record_share,
)

__all__ = [
    "capacity_set",
    "caseload_move",
    "effects_compute",
    "element_consultations_held",
    "element_consultations_held_sql",
    "element_cycles_closed",
    "element_cycles_closed_sql",
    "element_educators_with_tutor",
    "element_educators_with_tutor_sql",
    "element_mentoring_pairs",
    "element_mentoring_pairs_sql",
    "consultation_cancel",
    "consultation_record",
    "consultation_request",
    "consultation_schedule",
    "cycle_act",
    "cycle_close",
    "cycle_observe",
    "cycle_open",
    "cycle_plan",
    "cycle_reflect",
    "meeting_log",
    "mentors_propose",
    "mentorship_create",
    "mentorship_decide",
    "plan_add",
    "record_create",
    "record_share",
    "supported_pairs",
]
