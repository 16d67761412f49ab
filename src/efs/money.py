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
