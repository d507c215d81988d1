"""CSV files that spreadsheets open as UTF-8 and show as text, never run as formulas."""

import csv
from collections.abc import Iterable

from django.http import HttpResponse

# A spreadsheet runs a cell starting with one of these as a formula.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def csv_cell(value):
    """`value` for a CSV cell: None is empty, and formula-like text gets a leading '."""
    if value is None:
        return ""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def csv_response(filename: str, header: Iterable, rows: Iterable[Iterable]) -> HttpResponse:
    """A CSV download: `header`, then `rows`, every cell guarded by csv_cell."""
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    # The byte-order mark makes spreadsheet apps read the file as UTF-8 (SpO₂, °C, names).
    response.write("\ufeff")
    writer = csv.writer(response)
    writer.writerow(csv_cell(cell) for cell in header)
    for row in rows:
        writer.writerow(csv_cell(cell) for cell in row)
    return response
