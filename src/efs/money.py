"""Money is integer kopecks everywhere; this is how it reads in Russian."""


def format_money(kopecks: int) -> str:
    """150000 -> «1 500 ₽», 150050 -> «1 500,50 ₽», -150 -> «−1,50 ₽»."""
    kopecks = int(kopecks)
    sign = "−" if kopecks < 0 else ""
    roubles, rest = divmod(abs(kopecks), 100)
    text = f"{roubles:,}".replace(",", "\u202f")
    if rest:
        text += f",{rest:02d}"
    return f"{sign}{text}\u00a0₽"


def format_number(value: float | int | None, places: int = 1) -> str:
    """A number as Russian writes it: 1.5 -> «1,5», 12345.67 -> «12 345,7», -0.25 (2) -> «−0,25»:
    a decimal comma and a narrow no-break space between thousands. The one owner of
    user-visible numbers formatted in Python (templates use Django's localized filters).
    None (no value) reads «—»."""
    if value is None:
        return "—"
    text = f"{abs(float(value)):,.{places}f}".replace(",", "\u202f").replace(".", ",")
    return ("−" if float(value) < 0 and text.strip("0,\u202f") else "") + text
