"""`{% practices_menu as menu %}`: which of the bank's sections the user may open.

The bank's section links are on every page of the app; each is offered only to the roles its
view admits (the link test in tests/web/test_links.py follows them all)."""

from __future__ import annotations

from django import template

from efs.people import access as people_access
from efs.people.public import Role

from ..access import MODERATORS

register = template.Library()


@register.simple_tag(takes_context=True)
def practices_menu(context) -> dict[str, bool]:
    user = context["request"].user
    return {
        "mine": people_access.own_educator(user) is not None,
        "reviews": people_access.has_role(user, Role.EXPERT),
        "moderation": people_access.has_role(user, *MODERATORS),
    }
