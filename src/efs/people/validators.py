"""Checksums of Russian identifiers used by the directory."""

from __future__ import annotations

_INN10 = (2, 4, 10, 3, 5, 9, 4, 6, 8)
_INN12_A = (7, 2, 4, 10, 3, 5, 9, 4, 6, 8)
_INN12_B = (3, 7, 2, 4, 10, 3, 5, 9, 4, 6, 8)


def _inn_digit(digits: str, weights: tuple[int, ...]) -> int:
    return sum(int(d) * w for d, w in zip(digits, weights, strict=False)) % 11 % 10


def inn_is_valid(inn: str) -> bool:
    if not inn.isdigit():
        return False
    if len(inn) == 10:
        return _inn_digit(inn, _INN10) == int(inn[9])
    if len(inn) == 12:
        return _inn_digit(inn, _INN12_A) == int(inn[10]) and _inn_digit(inn, _INN12_B) == int(inn[11])
    return False


def inn_with_checksum(first9: str) -> str:
    """A 10-digit organization INN from its first nine digits."""
    return first9 + str(_inn_digit(first9, _INN10))


def snils_checksum(first9: str) -> int:
    total = sum(int(d) * (9 - i) for i, d in enumerate(first9))
    if total < 100:
        return total
    if total in (100, 101):
        return 0
    rest = total % 101
    return 0 if rest == 100 else rest


def snils_is_valid(snils: str) -> bool:
    if len(snils) != 11 or not snils.isdigit():
        return False
    # Numbers up to 001-001-998 were issued before checksums existed.
    if int(snils[:9]) <= 1001998:
        return True
    return snils_checksum(snils[:9]) == int(snils[9:])


def snils_normalize(raw: str) -> str:
    return "".join(ch for ch in raw if ch.isdigit())


def snils_with_checksum(first9: str) -> str:
    return f"{first9}{snils_checksum(first9):02d}"


def snils_format(snils: str) -> str:
    if len(snils) != 11:
        return snils
    return f"{snils[0:3]}-{snils[3:6]}-{snils[6:9]} {snils[9:11]}"
