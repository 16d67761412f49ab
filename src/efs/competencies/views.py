"""Pages of competency frameworks: the list, the tree, import and export."""

from __future__ import annotations

import json

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from efs import xlsx
from efs.errors import NotFound, ValidationFailed
from efs.http import AuthedRequest, upload_name
from efs.people import access
from efs.people.models import Region

from . import queries, services
from .models import Framework


def _editor_regions(user) -> list[Region | None] | None:
    """Where the user may import frameworks: None (federal) and/or their regions."""
    reach = access.region_reach(user, roles=services.EDITORS)
    if not reach:
        return None
    places: list[Region | None] = [None] if reach.everywhere else []
    places.extend(reach.regions())
    return places


@login_required
def frameworks(request: AuthedRequest) -> HttpResponse:
    places = _editor_regions(request.user)
    if request.method == "POST":  # a refusal is its own status and Russian page (DomainErrorMiddleware)
        if places is None:
            access.require_role(request.user, services.EDITORS)
        upload = request.FILES.get("file")
        region_id = request.POST.get("region", "")
        region = (
            Region.objects.filter(pk=int(region_id)).first() if region_id.isdigit() and len(region_id) <= 9 else None
        )
        if upload is None:
            raise ValidationFailed(_("Choose a file to upload."), code="file_missing")
        data = services.framework_from_upload(upload_name(upload), upload.read())
        framework = services.framework_import(
            actor=request.user, data=data, region=region, publish=bool(request.POST.get("publish"))
        )
        messages.success(request, _("Framework «%(title)s» imported.") % {"title": framework.title})
        return redirect("competencies:framework", pk=framework.pk)
    items = queries.frameworks_listed()
    return render(request, "competencies/frameworks.html", {"items": items, "places": places})


def _framework(pk: int) -> Framework:
    obj = Framework.objects.select_related("region").filter(pk=pk).first()
    if obj is None:
        raise NotFound(_("Not found, or you have no access to it."))
    return obj


@login_required
@require_safe
def framework(request: AuthedRequest, pk: int) -> HttpResponse:
    obj = _framework(pk)
    export = request.GET.get("export")
    if export == "json":
        response = HttpResponse(
            json.dumps(services.framework_to_dict(obj), ensure_ascii=False, indent=1),
            content_type="application/json; charset=utf-8",
        )
        response["Content-Disposition"] = f'attachment; filename="{obj.code}-{obj.version}.json"'
        return response
    if export == "xlsx":
        response = xlsx.response(services.framework_to_xlsx(obj), f"{obj.code}-{obj.version}.xlsx")
        return response
    can_edit = _editor_regions(request.user) is not None
    return render(
        request,
        "competencies/framework.html",
        {"framework": obj, "tree": queries.framework_tree(obj), "can_edit": can_edit},
    )


@login_required
@require_POST
def framework_publish(request: AuthedRequest, pk: int) -> HttpResponse:
    """Publish a draft framework; a refusal is raised to the error page with its status and message."""
    obj = _framework(pk)
    services.framework_publish(actor=request.user, framework=obj)
    messages.success(request, _("Published; the previous version is archived."))
    return redirect("competencies:framework", pk=obj.pk)
