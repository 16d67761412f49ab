"""`{% load tilemap %}`: the shared tile maps (efs.web.tilemap) for any app's template.

    {% region_tile_map values href="?level=region&unit=" %}
    {% municipality_tile_map values region_id href="?level=municipality&unit=" %}
    {% municipality_tile_map risks region.pk key="municipality.pk" value="index" palette="risk" digits=0 %}

`items` are objects or dicts; `key` names the unit's id (a region's or municipality's pk),
`value` the number that colours the tile, `display` the text shown on hover; `href` a
prefix the unit's id is appended to, or `url_name` a URL name reversed with the unit's id.
"""

from __future__ import annotations

from django import template
from django.urls import reverse

from efs.people.public import Municipality, Region
from efs.web import tilemap

register = template.Library()


def _href(href: str, url_name: str):
    if url_name:
        return lambda key: reverse(url_name, args=[key])
    return href


@register.inclusion_tag("web/_tilemap.html")
def region_tile_map(
    items,
    *,
    key="unit_id",
    value="value",
    display="display",
    href="",
    url_name="",
    palette="value",
    digits=1,
    caption="",
):
    href = _href(href, url_name)
    regions = Region.objects.order_by("code").values_list("pk", "code", "name")
    return {
        "map": tilemap.region_map(
            items or [],
            regions,
            key=key,
            value=value,
            display=display,
            href=href,
            palette=palette,
            digits=int(digits),
            caption=caption,
        )
    }


@register.inclusion_tag("web/_tilemap.html")
def municipality_tile_map(
    items,
    region_id,
    *,
    key="unit_id",
    value="value",
    display="display",
    href="",
    url_name="",
    palette="value",
    digits=1,
    caption="",
):
    href = _href(href, url_name)
    municipalities = Municipality.objects.filter(region_id=region_id).values_list("pk", "name")
    return {
        "map": tilemap.municipality_map(
            items or [],
            municipalities,
            key=key,
            value=value,
            display=display,
            href=href,
            palette=palette,
            digits=int(digits),
            caption=caption,
        )
    }
