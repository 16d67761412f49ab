"""The practices app's JSON API (mounted at /api/practices/)."""

from ninja import Router

from efs.practices.network.api import router as network_router

router = Router(tags=["practices"])
router.add_router("/network", network_router)
