"""The operators' page of the background jobs."""

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, HttpResponsePermanentRedirect
from django.shortcuts import render
from django.templatetags.static import static

from efs.http import AuthedRequest
from efs.people import access
from efs.people.public import Role

from . import daily
from .models import StepRun


def favicon(request: HttpRequest) -> HttpResponse:
    """Browsers ask for /favicon.ico whatever the page says; the vendored icon is static."""
    return HttpResponsePermanentRedirect(static("web/favicon.svg"))


@login_required
def jobs(request: AuthedRequest) -> HttpResponse:
    access.require_role(request.user, [Role.FEDERAL_OPERATOR, Role.REGIONAL_OPERATOR])
    recent = list(StepRun.objects.all()[:100])
    labels = {row.step: daily.label_of(row.step) for row in recent}
    return render(
        request, "ops/jobs.html", {"steps": daily.status(), "recent": [(row, labels[row.step]) for row in recent]}
    )
