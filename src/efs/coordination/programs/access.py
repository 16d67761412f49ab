"""Who drafts, reviews, decides and reads regional programs; which macroregions a user acts in.
Region access goes through the people app's one funnel (`region_reach`); programs hold no
personal data, but their policies are registered so that `scoped` answers for them too."""

from __future__ import annotations

from django.utils.translation import gettext as _

from efs.errors import NotFound, PermissionDenied
from efs.people import access
from efs.people.public import Macroregion, Role

from .models import RegionalProgram, RegionalProgramVersion

DRAFTERS = frozenset({Role.REGIONAL_OPERATOR, Role.FEDERAL_OPERATOR})
FEDERAL = frozenset({Role.FEDERAL_OPERATOR})

access.register(RegionalProgram, access.ScopePolicy(region="region", roles=DRAFTERS, personal=False))
access.register(RegionalProgramVersion, access.ScopePolicy(region="region", roles=DRAFTERS, personal=False))


def require_federal(user) -> None:
    access.require_role(user, FEDERAL)
    if not access.region_reach(user, roles=FEDERAL).everywhere:
        raise PermissionDenied(_("Only the federal operator does this."))


def is_federal(user) -> bool:
    return access.region_reach(user, roles=FEDERAL).everywhere


def macroregions_of(user):
    """Macroregions the user's region-wide grants reach a member of (federal: all)."""
    reach = access.region_reach(user, roles=DRAFTERS)
    if reach.everywhere:
        return Macroregion.objects.all()
    return Macroregion.objects.filter(regions__in=sorted(reach.region_ids)).distinct()


def require_macroregion_member(user, macroregion: Macroregion) -> None:
    """The federal operator, or an operator of one of the macroregion's regions; others: not found."""
    access.require_role(user, DRAFTERS)
    if not macroregions_of(user).filter(pk=macroregion.pk).exists():
        raise NotFound(_("Not found, or you have no access to it."))
