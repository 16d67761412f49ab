"""The coordination app's JSON API (mounted at /api/coordination/)."""

from ninja import Router

from efs.coordination.programs.api import router as programs_router

router = Router(tags=["coordination"])
router.add_router("/programs", programs_router)
