"""Route planner: pure engine for individual routes and region-wide allocation.

Imports nothing from Django or other ``efs`` apps. See ``docs/planner.md``.
"""

from efs.planner import synth
from efs.planner.model import (
    Allocation,
    ChosenItem,
    Option,
    PlannerError,
    Preferences,
    RegionProblem,
    RoutePlan,
    RouteProblem,
    TeacherDemand,
)
from efs.planner.region import allocate_region, allocate_region_greedy
from efs.planner.route import plan_route, plan_route_greedy

__all__ = [
    "Allocation",
    "ChosenItem",
    "Option",
    "PlannerError",
    "Preferences",
    "RegionProblem",
    "RoutePlan",
    "RouteProblem",
    "TeacherDemand",
    "allocate_region",
    "allocate_region_greedy",
    "plan_route",
    "plan_route_greedy",
    "synth",
]
