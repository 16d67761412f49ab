"""Show times in the user's region time zone (stored UTC, DESIGN.md §4)."""

from __future__ import annotations

import zoneinfo

from django.utils import timezone

SESSION_KEY = "efs_timezone"


class RegionTimezoneMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        name = None
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            name = request.session.get(SESSION_KEY)
            if name is None:
                from .queries import home_region

                region = home_region(user)
                name = region.timezone if region else ""
                request.session[SESSION_KEY] = name
        if name:
            timezone.activate(zoneinfo.ZoneInfo(name))
        else:
            timezone.deactivate()
        return self.get_response(request)
