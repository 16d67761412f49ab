"""What other apps may use from the coordination app (ADR 0006): the council's services (the demo
builds its council through them) and the public accountability report."""

from __future__ import annotations

from .models import Council, CouncilMember, Decision, Meeting, Minutes, Participation, StrategicTask
from .programs import public as programs
from .queries import Accountability, public_accountability
from .services import (
    agenda_add,
    attendance_record,
    council_create,
    decision_add,
    decision_close,
    decision_executed,
    discussion_post,
    group_create,
    meeting_schedule,
    member_add,
    milestone_add,
    milestone_reach,
    minutes_approve,
    minutes_correct,
    minutes_save,
    pledge_answer,
    pledge_record,
    pledges_record,
    task_create,
    task_edit,
    task_evidence_publish,
    task_status_set,
    vote_record,
)

__all__ = [
    "Accountability",
    "Council",
    "CouncilMember",
    "Decision",
    "Meeting",
    "Minutes",
    "Participation",
    "StrategicTask",
    "agenda_add",
    "attendance_record",
    "council_create",
    "decision_add",
    "decision_close",
    "decision_executed",
    "discussion_post",
    "group_create",
    "meeting_schedule",
    "member_add",
    "milestone_add",
    "milestone_reach",
    "minutes_approve",
    "minutes_correct",
    "minutes_save",
    "pledge_answer",
    "pledge_record",
    "pledges_record",
    "programs",
    "public_accountability",
    "task_create",
    "task_edit",
    "task_evidence_publish",
    "task_status_set",
    "vote_record",
]
