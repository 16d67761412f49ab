"""The ranges every number, date and text of the platform lives in (docs/api.md, «Limits»).

One place, so that the API schema (the Annotated types below, shown in the OpenAPI
document), the services (which check the same constants for HTML forms, imports and the
CLI) and the database columns agree. A value outside its range is a 4xx with a code,
never a database error.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from pydantic import Field, StrictInt

# The 64-bit integer columns (ids, ledger sums): anything beyond cannot even be compared.
INT_MAX = 2**63 - 1
# Page offsets: far beyond any list, far below the column range.
OFFSET_MAX = 1_000_000_000
PAGE_MAX = 500

# Years of budgets, rules, certificates, reports.
YEAR_MIN = 2000
YEAR_MAX = 2100
# Dates written into contracts and payments.
DATE_MIN = dt.date(YEAR_MIN, 1, 1)
DATE_MAX = dt.date(YEAR_MAX, 12, 31)
CONTRACT_MAX_YEARS = 10

# Money, in kopecks. One movement of the ledger (a top-up of a regional fund, a payment):
# up to 100 billion roubles — above any regional budget line, and a sum of a million of
# them still fits the 64-bit columns.
KOPECKS_MAX = 10**13
# A certificate's nominal and a program's or cohort's price: up to 10 million roubles
# (the price columns are 32-bit).
PRICE_KOPECKS_MAX = 10**9

# Free text written by people.
NOTE_MAX_CHARS = 5_000
COMMENT_MAX_CHARS = 2_000
FILE_NAME_MAX_CHARS = 200


# Types for API schemas: the same ranges, visible in the OpenAPI document.
Id = Annotated[int, Field(ge=1, le=INT_MAX)]
Offset = Annotated[int, Field(ge=0, le=OFFSET_MAX)]
Limit = Annotated[int, Field(ge=1, le=PAGE_MAX)]
Year = Annotated[int, Field(ge=YEAR_MIN, le=YEAR_MAX)]
Kopecks = Annotated[StrictInt, Field(ge=1, le=KOPECKS_MAX)]
PriceKopecks = Annotated[StrictInt, Field(ge=0, le=PRICE_KOPECKS_MAX)]
NominalKopecks = Annotated[StrictInt, Field(ge=1, le=PRICE_KOPECKS_MAX)]
Day = Annotated[dt.date, Field(ge=DATE_MIN, le=DATE_MAX)]


RegionCode = Annotated[str, Field(max_length=2)]
RequestId = Annotated[str, Field(min_length=1, max_length=64)]  # transfer and request ids
ShortText = Annotated[str, Field(max_length=300)]
Comment = Annotated[str, Field(max_length=COMMENT_MAX_CHARS)]
Note = Annotated[str, Field(max_length=NOTE_MAX_CHARS)]
Search = Annotated[str, Field(max_length=200)]
# A code, kind, status or verdict word chosen from a list: the list decides, this only bounds it.
Word = Annotated[str, Field(max_length=40)]


def checked_text(value: str | None, *, field: str, limit: int, required: bool = False) -> str:
    """`value` stripped, or a ValidationFailed (`field_required`, `field_too_long`) naming the field in Russian.

    The one check of free text for services whose callers are forms, the API and the CLI alike.
    """
    from django.utils.translation import gettext as _

    from efs.errors import ValidationFailed

    value = (value or "").strip()
    if required and not value:
        raise ValidationFailed(
            _("Fill in the field «%(field)s».") % {"field": field}, code="field_required", details={"field": field}
        )
    if len(value) > limit:
        raise ValidationFailed(
            _("The field «%(field)s» is longer than %(limit)s characters.") % {"field": field, "limit": limit},
            code="field_too_long",
            details={"field": field},
        )
    return value
