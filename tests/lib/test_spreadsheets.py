"""The one CSV download: opened as UTF-8 by spreadsheets, and no cell runs as a formula."""

import codecs
import csv
import io

import pytest

from tracker.lib.spreadsheets import FORMULA_STARTS, csv_response


def read(response) -> list[list[str]]:
    return list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))


def test_it_is_a_download_named_by_the_caller():
    response = csv_response("thyroid-MRN-1.csv", ["a"], [])
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == 'attachment; filename="thyroid-MRN-1.csv"'


def test_it_starts_with_the_utf8_byte_order_mark():
    response = csv_response("x.csv", ["Temperature (°C)"], [["SpO₂ 97%"]])
    assert response.content.startswith(codecs.BOM_UTF8)
    assert read(response) == [["Temperature (°C)"], ["SpO₂ 97%"]]


@pytest.mark.parametrize("start", FORMULA_STARTS)
def test_every_cell_of_every_column_is_kept_as_text(start):
    formula = f"{start}HYPERLINK(A1)"
    response = csv_response("x.csv", [formula, "b", "c"], [[formula, formula, formula]])
    assert read(response) == [[f"'{formula}", "b", "c"], [f"'{formula}"] * 3]


def test_empty_cells_and_numbers_are_written_as_they_are():
    response = csv_response("x.csv", ["a", "b", "c"], [[None, 3, "-"], ["", 0, "1-2"]])
    assert read(response) == [["a", "b", "c"], ["", "3", "'-"], ["", "0", "1-2"]]
