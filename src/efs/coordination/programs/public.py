"""What other apps (the demo) may use of the programs part, reached as
`efs.coordination.public.programs` (ADR 0006)."""

from __future__ import annotations

from . import starter
from .content import ActivityData, Content, GoalData, ResourceData, TargetData, TaskData
from .models import RegionalProgram
from .services import (
    current_template,
    experts_assign,
    joint_goal_add,
    macro_project_create,
    program_create,
    review_submit,
    shared_task_add,
    template_publish,
    version_decide,
    version_item_add,
    version_new,
    version_submit,
)

__all__ = [
    "ActivityData",
    "Content",
    "GoalData",
    "RegionalProgram",
    "ResourceData",
    "TargetData",
    "TaskData",
    "current_template",
    "experts_assign",
    "joint_goal_add",
    "macro_project_create",
    "program_create",
    "review_submit",
    "shared_task_add",
    "starter",
    "template_publish",
    "version_decide",
    "version_item_add",
    "version_new",
    "version_submit",
]
