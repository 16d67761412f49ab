from django import template

from efs.money import format_money, format_number

register = template.Library()


@register.filter
def ru_plural(number, forms: str) -> str:
    """`{{ n|ru_plural:"педагог,педагога,педагогов" }}` — Russian plural of a counted noun."""
    one, few, many = forms.split(",")
    n = abs(int(number or 0))
    if n % 10 == 1 and n % 100 != 11:
        return one
    if 2 <= n % 10 <= 4 and not 12 <= n % 100 <= 14:
        return few
    return many


@register.filter
def thousands(number) -> str:
    """12345 -> «12 345» (a narrow no-break space, as Russian typography wants)."""
    if number is None:
        return "—"
    return f"{int(number):,}".replace(",", "\u202f")


@register.simple_tag(takes_context=True)
def query_with(context, **changes) -> str:
    """The current query string with some parameters replaced (pagination, filters)."""
    params = context["request"].GET.copy()
    for key, value in changes.items():
        if value in (None, ""):
            params.pop(key, None)
        else:
            params[key] = value
    encoded = params.urlencode()
    return f"?{encoded}" if encoded else "?"


@register.filter
def rub(kopecks) -> str:
    """Integer kopecks as roubles: 450000 -> «4 500 ₽»; 0 -> «без оплаты»."""
    from django.utils.translation import gettext

    if kopecks is not None and int(kopecks) == 0:
        return gettext("free of charge")
    return money(kopecks)


@register.filter
def money(kopecks) -> str:
    """Integer kopecks as an amount of money: 0 -> «0 ₽», -150 -> «−1,50 ₽» (ledger pages)."""
    if kopecks is None:
        return "—"
    return format_money(kopecks)


@register.filter
def number(value, places: int = 1) -> str:
    """`{{ 1234.5|number }}` -> «1 234,5», `{{ x|number:2 }}`: a decimal comma, thin spaces."""
    if value is None or value == "":
        return "—"
    return format_number(value, int(places))


@register.filter
def percent(value) -> str:
    """0.734 -> «73 %»."""
    if value is None:
        return "—"
    return f"{round(float(value) * 100)}\u00a0%"


@register.filter
def get(mapping, key):
    """A dictionary value by a key held in a variable: {{ counts|get:status }}."""
    return mapping.get(key) if mapping else None
