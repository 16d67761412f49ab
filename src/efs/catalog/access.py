"""Who manages which programs. Program cards are not people's data: published ones are
public; drafts are seen by their provider, the operators who moderate them and the
experts assigned to them."""

from __future__ import annotations

from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from efs.errors import NotFound, PermissionDenied
from efs.people import access
from efs.people.models import Organization, Role

from .models import Program, ProgramStatus

MODERATORS = frozenset({Role.REGIONAL_OPERATOR, Role.FEDERAL_OPERATOR})


def provider_organizations(user) -> list[int]:
    return [g.organization_id for g in access.grants(user) if g.role == Role.PROVIDER and g.organization_id]


def moderated_filter(user) -> Q | None:
    """Programs the user moderates: a regional operator those of the region's providers;
    the federal operator all."""
    reach = access.region_reach(user, roles=MODERATORS)
    return reach.condition("region") if reach else None


def programs_visible(user) -> QuerySet[Program]:
    condition = Q(status=ProgramStatus.PUBLISHED)
    own = provider_organizations(user)
    if own:
        condition |= Q(provider_id__in=own)
    moderated = moderated_filter(user)
    if moderated is not None:
        condition |= moderated if moderated else Q(pk__isnull=False)
    if access.has_role(user, Role.EXPERT):
        condition |= Q(reviews__expert=user)
    return Program.objects.filter(condition).distinct()


def program_visible(user, pk: int) -> Program:
    program = programs_visible(user).select_related("provider", "region").filter(pk=pk).first()
    if program is None:
        raise NotFound(_("Not found, or you have no access to it."))
    return program


def require_provider(user, program: Program | None = None, organization: Organization | None = None) -> None:
    own = provider_organizations(user)
    target = program.provider_id if program else (organization.pk if organization else None)
    if not own or (target is not None and target not in own):
        raise PermissionDenied(_("Only the provider's staff manage its programs."))


def require_moderator(user, program: Program) -> None:
    moderated = moderated_filter(user)
    if moderated is None or not Program.objects.filter(moderated, pk=program.pk).exists():
        raise PermissionDenied(
            _("Only the operator of the provider's region or the federal operator moderates this program.")
        )


def program_actions(user, program: Program) -> dict[str, bool]:
    """What the user may do with the program card (the buttons the page offers); the services
    check the same rules again when an action is taken."""
    from . import services

    own = program.provider_id in provider_organizations(user)
    moderated = moderated_filter(user)
    moderates = moderated is not None and Program.objects.filter(moderated, pk=program.pk).exists()
    return {
        "can_edit": own and program.status in services.EDITABLE,
        "can_submit": own and program.status in services.EDITABLE,
        "can_schedule": own and program.status not in (ProgramStatus.REJECTED, ProgramStatus.ARCHIVED),
        "can_assign": moderates and program.status in (ProgramStatus.SUBMITTED, ProgramStatus.IN_REVIEW),
        "can_decide": moderates and program.status == ProgramStatus.IN_REVIEW,
        "can_publish": moderates and program.status == ProgramStatus.APPROVED,
        "can_archive": (own or moderates) and program.status == ProgramStatus.PUBLISHED,
        "sees_reviews": own or moderates,
        "can_enroll": program.status == ProgramStatus.PUBLISHED and access.has_role(user, Role.TEACHER),
        "own": own,
        "moderates": moderates,
    }
