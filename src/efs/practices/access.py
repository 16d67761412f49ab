"""Scope policies of the models of this app that hold people's data (see efs.people.access)."""

# ---------------------------------------------------------------- the bank of practices
# Practice cards are publications, like the depository's program cards, not people's
# records: the public ones (included, recommended) are read by every login; drafts and
# cards under review by their authors and submitter, by the operators who moderate them
# (the region's operator, the federal operator) and by the experts assigned to them (who
# never see the authors or the organization: the review is blind).

from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from efs.errors import NotFound, PermissionDenied
from efs.people import access
from efs.people.public import Role

from .models import PUBLIC_STATUSES, Contest, Practice

MODERATORS = frozenset({Role.REGIONAL_OPERATOR, Role.FEDERAL_OPERATOR})
# Roles whose organization can submit a practice or report a replication: the educators'
# own school (through their record) and the heads and staff of organizations.
ORGANIZATION_ROLES = frozenset({Role.SCHOOL_HEAD, Role.PROVIDER})


def affiliations(user) -> set[int]:
    """Organizations the user acts for: their organization grants and their educator record."""
    orgs = {g.organization_id for g in access.grants(user) if g.role in ORGANIZATION_ROLES and g.organization_id}
    educator = access.own_educator(user)
    if educator is not None and educator.organization_id:
        orgs.add(educator.organization_id)
    return orgs


def moderated_condition(user) -> Q | None:
    reach = access.region_reach(user, roles=MODERATORS)
    return reach.condition("region") if reach else None


def practices_visible(user) -> QuerySet[Practice]:
    condition = Q(status__in=PUBLIC_STATUSES) | Q(submitted_by=user) | Q(authors__user=user)
    moderated = moderated_condition(user)
    if moderated is not None:
        condition |= moderated if moderated else Q(pk__isnull=False)
    if access.has_role(user, Role.EXPERT):
        condition |= Q(reviews__expert=user)
    return Practice.objects.filter(condition).distinct()


def practice_visible(user, pk: int) -> Practice:
    practice = (
        practices_visible(user)
        .select_related("region", "organization", "municipality", "contest", "project")
        .filter(pk=pk)
        .first()
    )
    if practice is None:
        raise NotFound(_("Not found, or you have no access to it."))
    return practice


def is_author(user, practice: Practice) -> bool:
    return practice.submitted_by_id == user.pk or practice.authors.filter(user=user).exists()


def may_moderate(user, practice: Practice) -> bool:
    return access.may_act_on_region(user, practice.region_id, roles=MODERATORS)


def require_author(user, practice: Practice) -> None:
    if not is_author(user, practice):
        raise PermissionDenied(_("Only the practice's authors change its card."))


def require_moderator(user, practice: Practice) -> None:
    if not may_moderate(user, practice):
        raise PermissionDenied(
            _("Only the operator of the practice's region or the federal operator moderates this practice.")
        )


def contests_visible(user) -> QuerySet[Contest]:
    return Contest.objects.all()


def require_contest_organizer(user, region_id: int) -> None:
    access.require_region(
        user, region_id, roles=MODERATORS, message=_("A contest is announced by the operator of its region.")
    )
