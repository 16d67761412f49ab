"""Reading the engine's files (the command-line contract) with Russian errors.

Every rejected input raises ``InputError`` naming the file, the line (1 = the header of
a CSV file; the line of the offending key in JSON) and the field. The happy path is
vectorised (``csv`` + numpy), and the slow per-value scan runs only to find the line of a
value that numpy refused, so a country-sized file reads in seconds.
"""

from __future__ import annotations

import bisect
import csv
import io
import itertools
import json
import json.decoder
import json.scanner
import math
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, cast

import numpy as np

from efs.workforce.engine.model import (
    MAX_AGE,
    MIN_AGE,
    FloatArray,
    IntArray,
    LeaveBand,
    Problem,
    WorkforceError,
    build_problem,
)

MIN_YEAR = 1900
MAX_YEAR = 2200
MAX_YEARS = 100

STAFF_COLUMNS = ("unit", "subject", "age", "fte")
DEMAND_COLUMNS = ("unit", "subject", "year", "fte")
FLOWS_FIELDS = {"base_year", "leave_rate", "entrants"}
BAND_FIELDS = ("from_age", "to_age", "rate")
ENTRANT_FIELDS = ("unit", "subject", "year", "age", "fte")


class InputError(WorkforceError):
    """A rejected input file; the message is Russian and names file, line and field."""

    def __init__(self, file: str, line: int | None, field: str | None, reason: str) -> None:
        self.file, self.line, self.field, self.reason = file, line, field, reason
        where = [file]
        if line is not None:
            where.append(f"строка {line}")
        if field is not None:
            where.append(f"поле «{field}»")
        super().__init__(f"{', '.join(where)}: {reason}")


@dataclass(frozen=True)
class Table:
    """A parsed CSV file: text columns and numeric columns, with each row's line number."""

    units: list[str]
    subjects: list[str]
    numbers: dict[str, IntArray | FloatArray]
    lines: Sequence[int]


# --- CSV ---------------------------------------------------------------------------------


def _read_csv(path: Path, columns: Sequence[str], integer: set[str]) -> Table:
    name = str(path)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except OSError as error:
        raise InputError(name, None, None, f"файл не читается ({error.strerror})") from None
    except UnicodeDecodeError as error:
        raise InputError(name, None, None, f"файл не в кодировке UTF-8 ({error.reason})") from None
    text = text.replace("\r\n", "\n")
    if '"' in text or "\r" in text:
        header, rows, lines = _split_quoted(name, text)
    else:
        header, rows, lines = _split_plain(name, text)
    _check_header(name, header, columns)
    width = len(header)
    texts = {}
    numbers: dict[str, IntArray | FloatArray] = {}
    for column in columns:
        values = rows[header.index(column) :: width]
        if column in ("unit", "subject"):
            texts[column] = _check_text(name, column, values, lines)
        else:
            numbers[column] = _numbers(name, column, values, lines, column in integer)
    return Table(texts["unit"], texts["subject"], numbers, lines)


def _split_plain(name: str, text: str) -> tuple[list[str], list[str], Sequence[int]]:
    """Fast path for files without quotes: the values of all rows in one flat list.

    Every row must have as many commas as the header: counted for all rows at once with
    numpy (the line of each comma by a binary search over the line ends), so a country-
    sized file is checked without a Python loop over its lines.
    """
    end_of_header = text.find("\n")
    header_text = text if end_of_header < 0 else text[:end_of_header]
    if not header_text:
        raise InputError(name, 1, None, "файл пуст, нет строки заголовка")
    header = header_text.split(",")
    body = "" if end_of_header < 0 else text[end_of_header + 1 :]
    if body.endswith("\n"):
        body = body[:-1]  # the newline that ends the last row
    if not body:
        return header, [], range(2, 2)
    lines: Sequence[int]
    if body.startswith("\n") or "\n\n" in body:  # blank lines: skipped, numbering kept
        physical = body.split("\n")
        lines = [number + 2 for number, line in enumerate(physical) if line]
        body = "\n".join(line for line in physical if line)
    else:
        lines = range(2, body.count("\n") + 3)
    raw = np.frombuffer(body.encode("utf-8"), dtype=np.uint8)
    ends = np.flatnonzero(raw == 10)
    per_line = np.bincount(np.searchsorted(ends, np.flatnonzero(raw == 44)), minlength=len(ends) + 1)
    wrong = np.flatnonzero(per_line != len(header) - 1)
    if len(wrong):
        _wrong_width(name, lines[wrong[0]], int(per_line[wrong[0]]) + 1, header)
    return header, body.replace("\n", ",").split(","), lines


def _split_quoted(name: str, text: str) -> tuple[list[str], list[str], Sequence[int]]:
    """The csv module for files with quoted values (slower, exact)."""
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = next(reader)
    except StopIteration:
        raise InputError(name, 1, None, "файл пуст, нет строки заголовка") from None
    except csv.Error as error:
        raise InputError(name, 1, None, f"не читается как CSV ({error})") from None
    if not header:
        raise InputError(name, 1, None, "файл пуст, нет строки заголовка")
    rows: list[str] = []
    lines: list[int] = []
    try:
        for row in reader:
            if not row:
                continue
            if len(row) != len(header):
                _wrong_width(name, reader.line_num, len(row), header)
            rows.extend(row)
            lines.append(reader.line_num)
    except csv.Error as error:
        raise InputError(name, reader.line_num, None, f"не читается как CSV ({error})") from None
    return header, rows, lines


def _wrong_width(name: str, line: int, count: int, header: list[str]) -> None:
    field = header[count] if count < len(header) else None
    raise InputError(name, line, field, f"в строке {count} значений, а в заголовке {len(header)}")


def _check_header(name: str, header: list[str], columns: Sequence[str]) -> None:
    for column in header:
        if column not in columns:
            raise InputError(name, 1, column, f"неизвестный столбец; нужны ровно: {', '.join(columns)}")
        if header.count(column) > 1:
            raise InputError(name, 1, column, "столбец повторяется")
    for column in columns:
        if column not in header:
            raise InputError(name, 1, column, "нет обязательного столбца")


def _check_text(name: str, column: str, values: list[str], lines: Sequence[int]) -> list[str]:
    if "" in values:
        raise InputError(name, lines[values.index("")], column, "пустое значение")
    return values


def _numbers(name: str, column: str, values: list[str], lines: Sequence[int], integer: bool) -> IntArray | FloatArray:
    dtype = np.int64 if integer else np.float64
    try:
        array = np.array(values, dtype=dtype) if values else np.zeros(0, dtype=dtype)
    except (ValueError, OverflowError):
        parse: Callable[[str], object] = int if integer else float
        for index, value in enumerate(values):
            try:
                parse(value)
            except (ValueError, OverflowError):
                kind = "целое число" if integer else "число (десятичная точка)"
                raise InputError(name, lines[index], column, f"нужно {kind}, а записано «{value}»") from None
        raise  # pragma: no cover - numpy and Python disagree on a value
    if not integer:
        bad = np.flatnonzero(~np.isfinite(array))
        if len(bad):
            raise InputError(name, lines[bad[0]], column, f"число не конечно ({values[bad[0]]})")
    return cast("IntArray | FloatArray", array)


def _first(name: str, table: Table, column: str, bad: np.ndarray, reason: str) -> None:
    index = np.flatnonzero(bad)
    if len(index):
        value = table.numbers[column][index[0]]
        raise InputError(name, table.lines[index[0]], column, f"{reason} ({value})")


def read_staff(path: Path) -> Table:
    """``unit,subject,age,fte``: one row per post holding at the base year."""
    table = _read_csv(path, STAFF_COLUMNS, {"age"})
    name = str(path)
    age, fte = table.numbers["age"], table.numbers["fte"]
    _first(name, table, "age", (age < MIN_AGE) | (age > MAX_AGE), f"возраст вне {MIN_AGE}–{MAX_AGE}")
    _first(name, table, "fte", fte < 0, "отрицательная ставка")
    return table


def read_demand(path: Path) -> Table:
    """``unit,subject,year,fte``: demand in ставки; (unit, subject, year) is unique."""
    table = _read_csv(path, DEMAND_COLUMNS, {"year"})
    name = str(path)
    year, fte = table.numbers["year"], table.numbers["fte"]
    _first(name, table, "year", (year < MIN_YEAR) | (year > MAX_YEAR), f"год вне {MIN_YEAR}–{MAX_YEAR}")
    _first(name, table, "fte", fte < 0, "отрицательная потребность в ставках")
    return table


# --- JSON --------------------------------------------------------------------------------


class _Issue(Exception):
    """A problem in flows.json at a JSON path; the line is found afterwards."""

    def __init__(self, path: tuple[str | int, ...], field: str | None, reason: str) -> None:
        super().__init__(reason)
        self.path, self.field, self.reason = path, field, reason


class _Spanned(dict[str, Any]):
    start = 0
    end = 0


class _SpannedList(list[Any]):
    start = 0
    end = 0


def _spanned_decoder() -> json.JSONDecoder:
    """A decoder (pure-Python scanner) whose objects and arrays remember their text span."""
    decoder = json.JSONDecoder()

    def parse_object(s_and_end: tuple[str, int], *args: Any) -> tuple[Any, int]:
        value, end = json.decoder.JSONObject(s_and_end, *args)  # type: ignore[attr-defined]  # not in typeshed
        spanned = _Spanned(value)
        spanned.start, spanned.end = s_and_end[1] - 1, end
        return spanned, end

    def parse_array(s_and_end: tuple[str, int], scan_once: Any) -> tuple[Any, int]:
        value, end = json.decoder.JSONArray(s_and_end, scan_once)  # type: ignore[attr-defined]  # not in typeshed
        spanned = _SpannedList(value)
        spanned.start, spanned.end = s_and_end[1] - 1, end
        return spanned, end

    decoder.parse_object = parse_object  # type: ignore[attr-defined]
    decoder.parse_array = parse_array  # type: ignore[attr-defined]
    decoder.scan_once = json.scanner.py_make_scanner(decoder)  # type: ignore[attr-defined]
    return decoder


def _line_of(text: str, issue: _Issue) -> int:
    """The line of the key ``issue.field`` in the object at ``issue.path`` (or of the node)."""
    newlines = [index for index, char in enumerate(text) if char == "\n"]

    def line(offset: int) -> int:
        return bisect.bisect_right(newlines, offset) + 1

    node: Any = _spanned_decoder().decode(text)
    for step in issue.path:
        try:
            child = node[step]
        except (KeyError, IndexError, TypeError):
            break
        if not isinstance(child, _Spanned | _SpannedList):
            break
        node = child
    start, end = getattr(node, "start", 0), getattr(node, "end", len(text))
    if issue.field is not None and isinstance(node, _Spanned):
        found = text.find(json.dumps(issue.field, ensure_ascii=False), start, end)
        if found >= 0:
            return line(found)
    return line(start)


def _integer(value: object, path: tuple[str | int, ...], field: str, low: int, high: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise _Issue(path, field, f"нужно целое число, а записано {json.dumps(value, ensure_ascii=False)}")
    if isinstance(value, float) and not (math.isfinite(value) and value.is_integer()):
        raise _Issue(path, field, f"нужно целое число, а записано {value}")
    if not (low <= value <= high):
        raise _Issue(path, field, f"значение {value} вне {low}–{high}")
    return int(value)


def _number(value: object, path: tuple[str | int, ...], field: str, what: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise _Issue(path, field, f"нужно число, а записано {json.dumps(value, ensure_ascii=False)}")
    if not math.isfinite(value):
        raise _Issue(path, field, f"число не конечно ({value})")
    if value < 0:
        raise _Issue(path, field, f"{what} отрицательна ({value})")
    return float(value)


def _text(value: object, path: tuple[str | int, ...], field: str) -> str:
    if not isinstance(value, str) or value == "":
        raise _Issue(path, field, "нужна непустая строка")
    return value


def _fields(value: object, path: tuple[str | int, ...], fields: Sequence[str]) -> Mapping[str, Any]:
    if not isinstance(value, dict):
        raise _Issue(path, None, "нужен объект JSON")
    for key in value:
        if key not in fields:
            raise _Issue(path, key, f"неизвестное поле; допустимы: {', '.join(fields)}")
    for key in fields:
        if key not in value:
            raise _Issue(path, key, "нет обязательного поля")
    return value


@dataclass(frozen=True)
class Flows:
    base_year: int
    bands: tuple[LeaveBand, ...]
    entrant_units: list[str]
    entrant_subjects: list[str]
    entrant_year: IntArray
    entrant_age: IntArray
    entrant_fte: FloatArray


def _flows(document: object) -> Flows:
    top = _fields(document, (), ("base_year", "leave_rate", "entrants"))
    base_year = _integer(top["base_year"], (), "base_year", MIN_YEAR, MAX_YEAR)
    raw_bands = top["leave_rate"]
    if not isinstance(raw_bands, list):
        raise _Issue((), "leave_rate", "нужен список полос возраста")
    bands: list[tuple[LeaveBand, int]] = []
    for index, raw in enumerate(raw_bands):
        path: tuple[str | int, ...] = ("leave_rate", index)
        band = _fields(raw, path, BAND_FIELDS)
        low = _integer(band["from_age"], path, "from_age", MIN_AGE, MAX_AGE)
        high = _integer(band["to_age"], path, "to_age", MIN_AGE, MAX_AGE)
        if high < low:
            raise _Issue(path, "to_age", f"конец полосы {high} меньше начала {low}")
        rate = _number(band["rate"], path, "rate", "доля уходящих")
        if rate > 1:
            raise _Issue(path, "rate", f"доля уходящих больше 1 ({rate})")
        for other, other_index in bands:
            if low <= other.to_age and other.from_age <= high:
                raise _Issue(
                    path,
                    "from_age",
                    f"полоса {low}–{high} пересекается с полосой {other.from_age}–{other.to_age} "
                    f"(элемент {other_index + 1} списка leave_rate)",
                )
        bands.append((LeaveBand(low, high, rate), index))
    raw_entrants = top["entrants"]
    if not isinstance(raw_entrants, list):
        raise _Issue((), "entrants", "нужен список приходящих")
    columns = _entrant_columns(raw_entrants)
    if columns is not None:
        return Flows(base_year, tuple(band for band, _ in bands), *columns)
    units, subjects, years, ages, ftes = [], [], [], [], []
    for index, raw in enumerate(raw_entrants):
        path = ("entrants", index)
        entrant = _fields(raw, path, ENTRANT_FIELDS)
        units.append(_text(entrant["unit"], path, "unit"))
        subjects.append(_text(entrant["subject"], path, "subject"))
        years.append(_integer(entrant["year"], path, "year", MIN_YEAR, MAX_YEAR))
        ages.append(_integer(entrant["age"], path, "age", MIN_AGE, MAX_AGE))
        ftes.append(_number(entrant["fte"], path, "fte", "ставка"))
    return Flows(
        base_year=base_year,
        bands=tuple(band for band, _ in bands),
        entrant_units=units,
        entrant_subjects=subjects,
        entrant_year=np.array(years, dtype=np.int64),
        entrant_age=np.array(ages, dtype=np.int64),
        entrant_fte=np.array(ftes, dtype=np.float64),
    )


def _entrant_columns(
    raw: list[Any],
) -> tuple[list[str], list[str], IntArray, IntArray, FloatArray] | None:
    """The entrants as columns when every one is valid (checked column by column), else
    ``None``: the item-by-item check then finds the first bad one and its line."""
    try:
        if not all(type(item) is dict and len(item) == len(ENTRANT_FIELDS) for item in raw):
            return None
        units = [item["unit"] for item in raw]
        subjects = [item["subject"] for item in raw]
        years = [item["year"] for item in raw]
        ages = [item["age"] for item in raw]
        ftes = [item["fte"] for item in raw]
    except KeyError:
        return None
    if (
        not set(map(type, units)) <= {str}
        or not set(map(type, subjects)) <= {str}
        or "" in units
        or "" in subjects
        or not set(map(type, years)) <= {int}
        or not set(map(type, ages)) <= {int}
        or not set(map(type, ftes)) <= {int, float}
    ):
        return None
    try:
        year = np.array(years, dtype=np.int64)
        age = np.array(ages, dtype=np.int64)
    except OverflowError:
        return None
    fte = np.array(ftes, dtype=np.float64)
    if len(raw) and (
        year.min() < MIN_YEAR
        or year.max() > MAX_YEAR
        or age.min() < MIN_AGE
        or age.max() > MAX_AGE
        or not np.all(np.isfinite(fte))
        or fte.min() < 0
    ):
        return None
    return units, subjects, year, age, fte


def _reject_constant(name: str) -> float:
    raise ValueError(f"{name} is not JSON")


def read_flows(path: Path) -> Flows:
    """``flows.json``: base year, leave-rate bands and entrants."""
    name = str(path)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except OSError as error:
        raise InputError(name, None, None, f"файл не читается ({error.strerror})") from None
    except UnicodeDecodeError as error:
        raise InputError(name, None, None, f"файл не в кодировке UTF-8 ({error.reason})") from None
    try:
        document = json.loads(text, parse_constant=_reject_constant)
    except json.JSONDecodeError as error:
        raise InputError(name, error.lineno, None, f"неверный JSON: {error.msg}") from None
    except ValueError as error:
        raise InputError(name, None, None, f"неверный JSON: {error}") from None
    try:
        return _flows(document)
    except _Issue as issue:
        raise InputError(name, _line_of(text, issue), issue.field, issue.reason) from None


# --- the whole problem -------------------------------------------------------------------


def load_problem(staff_path: Path, demand_path: Path, flows_path: Path, years: int) -> Problem:
    """The problem the three files describe, over ``years`` years after the base year."""
    if not (1 <= years <= MAX_YEARS):
        raise InputError("--years", None, None, f"горизонт {years} лет вне 1–{MAX_YEARS}")
    staff = read_staff(staff_path)
    demand = read_demand(demand_path)
    flows = read_flows(flows_path)

    # Number the cells in (unit, subject) order: each text column is coded through a dict
    # of its few distinct values (hashing a million fresh strings once is the cost), and
    # the pairs of codes are numbered with np.unique.
    sizes = [len(staff.units), len(demand.units), len(flows.entrant_units)]
    unit_names, unit_code = _codes([staff.units, demand.units, flows.entrant_units])
    subject_names, subject_code = _codes([staff.subjects, demand.subjects, flows.entrant_subjects])
    pair = unit_code * len(subject_names) + subject_code
    pairs, cell = _key_positions(pair, len(unit_names) * len(subject_names))
    cells = [(unit_names[key // len(subject_names)], subject_names[key % len(subject_names)]) for key in pairs.tolist()]
    staff_cell, demand_cell, entrant_cell = np.split(cell.reshape(-1), np.cumsum(sizes)[:2])
    _check_unique_demand(str(demand_path), demand, demand_cell, cells)
    return build_problem(
        base_year=flows.base_year,
        years=years,
        bands=flows.bands,
        staff=(staff_cell, staff.numbers["age"], staff.numbers["fte"]),
        entrants=(entrant_cell, flows.entrant_year, flows.entrant_age, flows.entrant_fte),
        demand=(demand_cell, demand.numbers["year"], demand.numbers["fte"]),
        cells=cells,
    )


DENSE_KEYS_MAX = 50_000_000  # up to this many possible keys, number them without sorting


def _key_positions(keys: IntArray, possible: int) -> tuple[IntArray, IntArray]:
    """``np.unique(keys, return_inverse=True)`` for keys in ``0 … possible−1``: a mark per
    possible key and a running count (linear) when that table is small, else a sort."""
    if possible > DENSE_KEYS_MAX:
        distinct, inverse = np.unique(keys, return_inverse=True)
        return distinct, inverse.reshape(-1)
    present = np.zeros(possible, dtype=bool)
    present[keys] = True
    position = np.cumsum(present) - 1
    return np.flatnonzero(present), position[keys]


def _codes(columns: list[list[str]]) -> tuple[list[str], IntArray]:
    """Sorted distinct values of the concatenated columns, and each value's position."""
    distinct: dict[str, None] = {}
    for column in columns:
        distinct.update(dict.fromkeys(column))
    names = sorted(distinct)
    position = {name: number for number, name in enumerate(names)}
    total = sum(len(column) for column in columns)
    codes = np.fromiter(
        map(position.__getitem__, itertools.chain.from_iterable(columns)),
        dtype=np.int64,
        count=total,
    )
    return names, codes


def _check_unique_demand(name: str, demand: Table, cell: IntArray, cells: Sequence[tuple[str, str]]) -> None:
    year = demand.numbers["year"]
    key = cell * (MAX_YEAR + 1) + year
    order = np.argsort(key, kind="stable")
    repeated = np.flatnonzero(key[order][1:] == key[order][:-1])
    if len(repeated):
        # The first row (in file order) that repeats an earlier one.
        second = order[repeated + 1]
        first = order[repeated]
        pick = int(np.argmin(second))
        unit, subject = cells[cell[second[pick]]]
        raise InputError(
            name,
            demand.lines[second[pick]],
            "year",
            f"строка для «{unit}», «{subject}», {year[second[pick]]} уже была в строке {demand.lines[first[pick]]}",
        )


def forecast_document(forecast: Any) -> dict[str, list[dict[str, object]]]:
    """``{"cells": [...]}``: one entry per cell and year, cells in (unit, subject) order."""
    supply = forecast.supply.tolist()
    demand = forecast.demand.tolist()
    leavers = forecast.leavers.tolist()
    entrants = forecast.entrants.tolist()
    years = forecast.years
    cells: list[dict[str, object]] = []
    for position, (unit, subject) in enumerate(forecast.cells):
        s, d, out, into = supply[position], demand[position], leavers[position], entrants[position]
        for step, year in enumerate(years):
            cells.append(
                {
                    "unit": unit,
                    "subject": subject,
                    "year": year,
                    "supply_fte": s[step],
                    "demand_fte": d[step],
                    "gap_fte": d[step] - s[step],
                    "leavers_fte": out[step],
                    "entrants_fte": into[step],
                }
            )
    return {"cells": cells}


def forecast_json(forecast: Any) -> str:
    """The same document as ``json.dumps(forecast_document(forecast), ensure_ascii=False)``
    (the same keys in the same order, every float by ``repr`` as ``json`` writes it), one
    entry per line."""
    return "".join(forecast_json_chunks(forecast))


def forecast_json_chunks(forecast: Any, cells_per_chunk: int = 4096) -> Iterator[str]:
    """``forecast_json`` in pieces of ``cells_per_chunk`` cells, built column by column
    (no dict per entry, no whole-document string), for writing a country-sized forecast."""
    years = forecast.years
    n_years, n_cells = len(years), len(forecast.cells)
    year_text = [str(year) for year in years]
    yield '{"cells": ['
    for first in range(0, n_cells, cells_per_chunk):
        block = slice(first, min(n_cells, first + cells_per_chunk))
        supply, demand = forecast.supply[block], forecast.demand[block]
        # float.__repr__ is what json writes for a finite float.
        columns = [
            list(map(float.__repr__, column.ravel().tolist()))
            for column in (
                supply,
                demand,
                demand - supply,
                forecast.leavers[block],
                forecast.entrants[block],
            )
        ]
        heads = [
            f'{{"unit": {json.dumps(unit, ensure_ascii=False)}, '
            f'"subject": {json.dumps(subject, ensure_ascii=False)}, "year": '
            for unit, subject in forecast.cells[block]
        ]
        entries = [
            f'{heads[index // n_years]}{year_text[index % n_years]}, "supply_fte": {s}, '
            f'"demand_fte": {d}, "gap_fte": {g}, "leavers_fte": {lv}, "entrants_fte": {en}}}'
            for index, (s, d, g, lv, en) in enumerate(zip(*columns, strict=True))
        ]
        yield ("" if first == 0 else ",\n") + ",\n".join(entries)
    yield "]}"
