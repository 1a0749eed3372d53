"""A dashboard table once, for the page and for its Excel export: the download holds the rows on screen."""

import datetime
from dataclasses import dataclass, field, fields
from decimal import Decimal

from django.http import Http404
from django.utils.formats import number_format

from accounts.exports import workbook_response
from core.numbers import percent


class Summable:
    """Counts in a dataclass that add up field by field, so a total row is the sum of the rows."""

    def __add__(self, other):
        return type(self)(**{f.name: getattr(self, f.name) + getattr(other, f.name) for f in fields(self)})

    @classmethod
    def sum_of(cls, rows):
        """The sum of the rows (all zeros for none)."""
        return sum(rows, cls())


@dataclass(frozen=True)
class Cell:
    value: object = None
    url: str = ""
    percent: bool = False

    @property
    def text(self) -> str:
        if self.percent:
            return percent(self.value)
        if self.value is None:
            return "—"
        if isinstance(self.value, Decimal):
            return number_format(self.value, 2, force_grouping=True)
        if isinstance(self.value, datetime.date):
            return self.value.isoformat()
        return str(self.value)

    @property
    def is_number(self) -> bool:
        return isinstance(self.value, (int, float, Decimal)) and not isinstance(self.value, bool)


@dataclass
class Table:
    key: str
    title: str
    headers: list[str]
    rows: list[list[Cell]] = field(default_factory=list)
    total: list[Cell] | None = None
    note: str = ""
    more_url: str = ""  # where the full list is, when the table shows only the first rows

    def export(self, filename: str):
        rows = [*self.rows, *([self.total] if self.total else [])]
        percent_columns = {i for row in rows for i, cell in enumerate(row) if cell.percent}
        return workbook_response(
            filename, self.title, [str(h) for h in self.headers], ([cell.value for cell in row] for row in rows),
            formats={i: "0.0%" for i in percent_columns},
        )


def requested_export(request, tables: list[Table], *name_parts: str):
    """The table named by ?export=<key> as an .xlsx download named "<parts>-<table title>.xlsx";
    None when no export is asked for; 404 for a name no table has."""
    wanted = request.GET.get("export", "").strip()
    if not wanted:
        return None
    table = next((table for table in tables if table.key == wanted), None)
    if table is None:
        raise Http404
    return table.export("-".join([*map(str, name_parts), str(table.title)]) + ".xlsx")
