"""Uploaded knowledge files to the text the loader reads: CSV with ',' or ';' (Indonesian Excel), and XLSX."""

from __future__ import annotations

import csv
import datetime as dt
import io
from typing import Any

from openpyxl import Workbook, load_workbook

from knowledge.loader import CSV_COLUMNS

FORMATS = {".yaml": "yaml", ".yml": "yaml", ".json": "json", ".csv": "csv", ".xlsx": "xlsx"}


class UnreadableFile(ValueError):
    """The upload is not a file of the format its name says."""


def format_of(filename: str) -> str | None:
    """The format a file name's suffix names, or None."""
    lower = filename.lower()
    return next((fmt for suffix, fmt in FORMATS.items() if lower.endswith(suffix)), None)


def comma_csv(text: str) -> str:
    """CSV in the loader's dialect (comma-separated): a semicolon-separated file is rewritten, others pass."""
    header = text.lstrip("\ufeff").split("\n", 1)[0]
    if header.count(";") <= header.count(","):
        return text
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    for row in csv.reader(io.StringIO(text), delimiter=";"):
        writer.writerow(row)
    return out.getvalue()


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.datetime):  # Excel turns typed dates into datetimes
        return value.date().isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def xlsx_csv(data: bytes) -> str:
    """The first sheet of a workbook as comma-separated CSV (header row first)."""
    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as error:  # openpyxl raises many kinds (zip, XML, key errors) for a file that is no workbook
        raise UnreadableFile(f"not an Excel workbook ({type(error).__name__})") from None
    try:
        sheet = book.worksheets[0]
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n")
        for row in sheet.iter_rows(values_only=True):
            if any(cell is not None and str(cell).strip() for cell in row):
                writer.writerow([_cell(cell) for cell in row])
        return out.getvalue()
    finally:
        book.close()


def csv_to_xlsx(text: str) -> bytes:
    """An exported CSV as a workbook with one sheet, for people who open it in Excel."""
    book = Workbook()
    sheet = book.worksheets[0]  # a new workbook's one sheet (`book.active` is typed as possibly None)
    sheet.title = "entries"
    for row in csv.reader(io.StringIO(text)):
        sheet.append(row)
    sheet.freeze_panes = "B2"
    for letter, width in zip("ABCDEFGHIJKLMNOP", (24, 12, 10, 10, 8, 40, 40, 60, 40, 40, 60, 40, 12, 12, 20), strict=False):
        sheet.column_dimensions[letter].width = width
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


__all__ = ["CSV_COLUMNS", "UnreadableFile", "comma_csv", "csv_to_xlsx", "format_of", "xlsx_csv"]
