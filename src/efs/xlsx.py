"""The one owner of spreadsheets: every XLSX the platform writes and every XLSX/CSV it reads.

Writing: every text cell goes through :func:`safe_cell`, so a value that a spreadsheet
program would take for a formula (``=``, ``+``, ``-``, ``@``, tab, carriage return at the
start: OWASP's «CSV injection») is written as text with a leading apostrophe, and
characters that XML cannot hold are dropped instead of failing the export.

Reading: a file from outside is checked before it is parsed. An XLSX is a zip of XML; a
small file can unpack to gigabytes (a «decompression bomb»), so the members' declared
sizes and compression ratios are capped first, and every member is read through a cap
that does not trust the declared size. Broken XML, a workbook without sheets, a CSV field
over the csv module's limit and cells longer than :data:`MAX_CELL_CHARS` are reported as
:class:`~efs.errors.ValidationFailed` with the caller's code, never as a server error.
"""

from __future__ import annotations

import csv
import io
import re
import zipfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from django.http import HttpResponse
from django.utils.translation import gettext as _

from efs.errors import ValidationFailed

CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

# Excel's own limit for one cell.
MAX_CELL_CHARS = 32_767
# The whole unpacked workbook, and how much a member may expand: ordinary XLSX XML
# compresses 5-20 times; the bombs seen in the wild, thousands of times.
MAX_UNCOMPRESSED_BYTES = 200 * 1024 * 1024
MAX_COMPRESSION_RATIO = 100
_RATIO_CHECK_FROM_BYTES = 1024 * 1024
# A character is at most 4 bytes of UTF-8, an escaped one («&amp;») 5: the bound in bytes.
_MAX_CELL_BYTES = MAX_CELL_CHARS * 5

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
# Characters XML 1.0 cannot hold (openpyxl refuses them with IllegalCharacterError).
_ILLEGAL_XML = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")


def safe_cell(value: Any) -> Any:
    """A cell value that a spreadsheet program shows as written and never evaluates."""
    if not isinstance(value, str):
        return value
    value = _ILLEGAL_XML.sub("", value)
    if value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


@dataclass
class Sheet:
    title: str
    header: list[str]
    rows: Iterable[Iterable[Any]]
    widths: dict[str, float] = field(default_factory=dict)
    bold_columns: Iterable[int] | None = None  # header cells to make bold; None: all


def workbook_bytes(*sheets: Sheet) -> bytes:
    """A workbook streamed row by row (write-only mode: constant memory), every cell made safe."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font

    workbook = Workbook(write_only=True)
    for spec in sheets:
        sheet = workbook.create_sheet(spec.title[:31])
        for letter, width in spec.widths.items():
            sheet.column_dimensions[letter].width = width
        bold = set(range(len(spec.header))) if spec.bold_columns is None else set(spec.bold_columns)
        header = []
        for index, title in enumerate(spec.header):
            cell = WriteOnlyCell(sheet, value=safe_cell(str(title)))
            if index in bold:
                cell.font = Font(bold=True)
            header.append(cell)
        if header:
            sheet.append(header)
        for row in spec.rows:
            sheet.append([safe_cell(v) for v in row])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def table_bytes(title: str, header: list[str], rows: Iterable[Iterable[Any]]) -> bytes:
    """A one-sheet workbook."""
    return workbook_bytes(Sheet(title, header, rows))


def response(content: bytes, filename: str) -> HttpResponse:
    """A spreadsheet download."""
    reply = HttpResponse(content, content_type=CONTENT_TYPE)
    reply["Content-Disposition"] = f'attachment; filename="{filename}"'
    return reply


# ---------------------------------------------------------------- reading


def _broken(code: str) -> ValidationFailed:
    return ValidationFailed(
        _("The file could not be read as an XLSX workbook. Save it from Excel or LibreOffice as .xlsx and try again."),
        code=code,
    )


def _too_big(code: str) -> ValidationFailed:
    return ValidationFailed(
        _("The workbook unpacks to more than %(mb)s MB or is packed suspiciously tightly; split it into parts.")
        % {"mb": MAX_UNCOMPRESSED_BYTES // (1024 * 1024)},
        code=code,
    )


def _check_zip(content: bytes, *, broken_code: str, too_big_code: str) -> None:
    try:
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            members = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError, EOFError):
        raise _broken(broken_code) from None
    total = 0
    for member in members:
        total += member.file_size
        ratio = member.file_size / max(member.compress_size, 1)
        if member.file_size > _RATIO_CHECK_FROM_BYTES and ratio > MAX_COMPRESSION_RATIO:
            raise _too_big(too_big_code)
    if total > MAX_UNCOMPRESSED_BYTES:
        raise _too_big(too_big_code)
    # Text in XML never holds a «<», so the longest stretch without one bounds the
    # longest cell; read in chunks, so a huge cell is refused before anything is parsed.
    # (A member never unpacks past its declared size: zipfile stops there.)
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        for member in members:
            if member.filename.endswith(".xml"):
                _check_text_runs(archive, member, broken_code=broken_code, too_long_code=too_big_code)


def _check_text_runs(
    archive: zipfile.ZipFile, member: zipfile.ZipInfo, *, broken_code: str, too_long_code: str
) -> None:
    run = 0
    try:
        with archive.open(member) as stream:
            while chunk := stream.read(1024 * 1024):
                parts = chunk.split(b"<")
                if len(parts) == 1:
                    run += len(chunk)
                else:
                    run = max(run + len(parts[0]), max(len(p) for p in parts[1:-1]) if len(parts) > 2 else 0)
                    if run > _MAX_CELL_BYTES:
                        break
                    run = len(parts[-1])
                if run > _MAX_CELL_BYTES:
                    break
    # zipfile raises NotImplementedError for a compression method it cannot read: a broken upload, not a stub
    except (zipfile.BadZipFile, OSError, ValueError, EOFError, NotImplementedError):
        raise _broken(broken_code) from None
    if run > _MAX_CELL_BYTES:
        raise ValidationFailed(
            _("A cell of the file is longer than %(max)s characters.") % {"max": MAX_CELL_CHARS}, code=too_long_code
        )


def _checked_cell(value: Any, *, too_long_code: str) -> Any:
    if not isinstance(value, str):
        return value
    if len(value) > MAX_CELL_CHARS:
        raise ValidationFailed(
            _("A cell of the file is longer than %(max)s characters.") % {"max": MAX_CELL_CHARS}, code=too_long_code
        )
    if value.startswith("'") and value[1:].startswith(FORMULA_PREFIXES):
        return value[1:]  # our own exports protect such cells with an apostrophe: they import back as written
    return value


def _guarded(rows: Iterator[Iterable[Any]], *, broken_code: str, too_long_code: str) -> Iterator[list[Any]]:
    """Rows of a lazily parsed sheet; a parse error in the middle is the file's fault, not ours."""
    while True:
        try:
            row = next(rows)
        except StopIteration:
            return
        except ValidationFailed:
            raise
        except Exception:
            raise _broken(broken_code) from None
        yield [_checked_cell(v, too_long_code=too_long_code) for v in row]


def _open(content: bytes, *, broken_code: str, too_big_code: str):
    from openpyxl import load_workbook

    _check_zip(content, broken_code=broken_code, too_big_code=too_big_code)
    try:
        return load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except Exception:
        raise _broken(broken_code) from None


def _sheet_rows(sheet, *, broken_code: str) -> Iterator[list[Any]]:
    try:
        rows = iter(sheet.iter_rows(values_only=True))
    except Exception:
        raise _broken(broken_code) from None
    return _guarded(rows, broken_code=broken_code, too_long_code=broken_code)


def xlsx_rows(
    content: bytes, *, broken_code: str, too_big_code: str | None = None, empty_code: str | None = None
) -> Iterator[list[Any]]:
    """The rows of the first sheet, values only (lazily). Checked for bombs before parsing."""
    workbook = _open(content, broken_code=broken_code, too_big_code=too_big_code or broken_code)
    if not workbook.worksheets:
        raise ValidationFailed(_("The workbook has no sheets."), code=empty_code or broken_code)
    return _sheet_rows(workbook.worksheets[0], broken_code=broken_code)


def xlsx_sheets(
    content: bytes, names: Iterable[str], *, broken_code: str, missing_code: str
) -> dict[str, list[list[Any]]]:
    """The rows of the named sheets; ValidationFailed with ``missing_code`` if one is absent."""
    workbook = _open(content, broken_code=broken_code, too_big_code=broken_code)
    found = {}
    for name in names:
        if name not in workbook.sheetnames:
            raise ValidationFailed(_("The workbook has no sheet «%(name)s».") % {"name": name}, code=missing_code)
        found[name] = list(_sheet_rows(workbook[name], broken_code=broken_code))
    return found


def csv_rows(content: bytes, *, encoding_code: str, broken_code: str) -> Iterator[list[str]]:
    """The rows of a CSV file in UTF-8 or Windows-1251, delimiter guessed from the first line."""
    for encoding in ("utf-8-sig", "cp1251"):
        try:
            text = content.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise ValidationFailed(_("The CSV file is neither in UTF-8 nor in Windows-1251."), code=encoding_code)
    first_line = text.split("\n", 1)[0]
    delimiter = max((";", ",", "\t"), key=first_line.count)
    reader = csv.reader(io.StringIO(text), delimiter=delimiter)
    return _guarded_csv(reader, broken_code=broken_code)


def _guarded_csv(reader, *, broken_code: str) -> Iterator[list[str]]:
    while True:
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error:
            raise ValidationFailed(
                _("The CSV file could not be read: a field is longer than %(max)s characters or the quoting is broken.")
                % {"max": csv.field_size_limit()},
                code=broken_code,
            ) from None
        yield [_checked_cell(v, too_long_code=broken_code) for v in row]
