"""Spreadsheet ledgers: the cell forms of records, and export to CSV or Excel.

Importing is in :mod:`commlog.services.sheets_import`, which reads the same forms.

Layout of a sheet: one header row, then one row per record. Columns are the
record ID, the type's fields in schema order, then the completion and closing
times; headers are labels in the user's language (a label used by two fields
of one type gets its key added, as in ``主责对接人 (lead)``).

Cell forms, which import reads back:

- enumerations and yes/no values as labels (``问题反馈``, ``是``); import also
  takes the English labels and the keys;
- datetimes as real spreadsheet datetimes in xlsx (without a time zone, in the
  configured zone, shown as ``yyyy-mm-dd hh:mm``) and as ``2024-03-15 14:30``
  in CSV;
- lists with one item per line inside the cell; import also splits names
  (people, departments) at ``、``;
- an object item as its parts in schema order joined by ``:`` (``技术部:*经理``,
  ``初稿提交:2024-05-20``); when a part other than the last contains a colon
  or ``|``, it is written as a YAML flow mapping (``{name: …, due: …}``).

A CSV file holds one type. Exporting several types to CSV writes one file per
type, named ``<stem>-<type>.csv`` beside the requested file.
"""

from __future__ import annotations

import csv
import io
import os
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, tzinfo
from pathlib import Path
from typing import Any

from commlog.core.display import display_value
from commlog.core.schema import FieldSpec, TypeSchema
from commlog.core.timeparse import load_datetime
from commlog.errors import InputError
from commlog.i18n import translate
from commlog.services.query import ListFilters, Unreadable, list_records
from commlog.services.workspace import Workspace

EXPORT_FORMATS = ("csv", "xlsx")
ENCODINGS = ("utf-8", "utf-8-sig", "gbk")
DATETIME_FORMAT = "yyyy-mm-dd hh:mm"
DATE_FORMAT = "yyyy-mm-dd"
EXTRA_COLUMNS = ("completed_at", "closed_at")
NAME_KINDS = frozenset({"person", "department", "party"})
NAME_SEPARATOR = "、"
SHEET_NAME_LIMIT = 31
SHEET_NAME_FORBIDDEN = "[]:*?/\\"


@dataclass(frozen=True)
class Column:
    """One column of a type's sheet: the field key, its spec (None for the ID) and the header text."""

    key: str
    spec: FieldSpec | None
    header: str


@dataclass(frozen=True)
class ExportRequest:
    """Options of one ``commlog export``."""

    filters: ListFilters
    format: str
    output: Path
    encoding: str = "utf-8-sig"
    language: str = "en"


@dataclass(frozen=True)
class ExportedFile:
    """One written file (or sheet), the type it contains and its number of records."""

    path: Path
    type: str
    sheet: str
    count: int


@dataclass(frozen=True)
class ExportResult:
    """The files written and the record files that could not be read."""

    files: list[ExportedFile]
    unreadable: list[Unreadable] = field(default_factory=list)

    @property
    def total(self) -> int:
        return sum(item.count for item in self.files)


def datetime_spec(key: str) -> FieldSpec:
    """Return a datetime spec for a system column (completed_at, closed_at), labelled from the catalogue."""
    labels = {language: translate(f"sheets.col_{key}", language=language) for language in ("zh-CN", "en")}
    return FieldSpec(key=key, labels=labels, kind="datetime", system=True)


def sheet_columns(schema: TypeSchema, language: str) -> list[Column]:
    """Return the columns of a type's sheet: ID, settable fields in schema order, completion times."""
    specs = [spec for spec in schema.fields if not spec.system]
    specs += [datetime_spec(key) for key in EXTRA_COLUMNS]
    labels = [spec.label(language) for spec in specs]
    columns = [Column("id", None, translate("sheets.col_id", language=language))]
    for spec, text in zip(specs, labels):
        header = f"{text} ({spec.key})" if labels.count(text) > 1 else text
        columns.append(Column(spec.key, spec, header))
    return columns


def sheet_title(schema: TypeSchema, language: str) -> str:
    """Return the worksheet name of a type: its label, without characters Excel forbids, at most 31 long."""
    title = "".join(" " if character in SHEET_NAME_FORBIDDEN else character for character in schema.label(language))
    return title.strip()[:SHEET_NAME_LIMIT] or schema.name


# Cell values out.

def _short_datetime(value: Any, zone: tzinfo) -> str:
    moment = load_datetime(value, zone)
    return moment.strftime("%Y-%m-%d %H:%M:%S" if moment.second else "%Y-%m-%d %H:%M")


def _scalar_text(spec: FieldSpec, value: Any, zone: tzinfo, language: str) -> str:
    if spec.kind == "datetime":
        try:
            return _short_datetime(value, zone)
        except (TypeError, ValueError):
            return str(value)
    return display_value(spec, value, zone, language)


def object_text(spec: FieldSpec, value: Mapping[str, Any], zone: tzinfo, language: str) -> str:
    """Return an object item as ``part:part``, or as a YAML flow mapping when a part contains a colon."""
    parts = [_scalar_text(sub, value.get(sub.key), zone, language) if value.get(sub.key) is not None else ""
             for sub in spec.fields]
    while parts and parts[-1] == "":
        parts.pop()
    if any(mark in part for part in parts[:-1] for mark in (":", "：", "|")) or "|" in "".join(parts[-1:]):
        import yaml

        shown = {sub.key: part for sub, part in zip(spec.fields, parts) if part != ""}
        return yaml.safe_dump(shown, allow_unicode=True, default_flow_style=True, sort_keys=False, width=10_000).strip()
    return ":".join(parts)


def cell_text(spec: FieldSpec, value: Any, zone: tzinfo, language: str) -> str:
    """Return a field value as the text of one cell (CSV, or xlsx for everything but datetimes)."""
    if value is None or value == "" or value == []:
        return ""
    if spec.kind == "list" and isinstance(value, list):
        assert spec.item is not None
        return "\n".join(cell_text(spec.item, item, zone, language) for item in value)
    if spec.kind == "object" and isinstance(value, Mapping):
        return object_text(spec, value, zone, language)
    return _scalar_text(spec, value, zone, language)


def cell_value(spec: FieldSpec, value: Any, zone: tzinfo, language: str) -> Any:
    """Return a field value for an xlsx cell: datetimes and dates as such, numbers as numbers, else text."""
    if value is None or value == "" or value == []:
        return None
    if spec.kind == "datetime":
        try:
            return load_datetime(value, zone).replace(tzinfo=None)
        except (TypeError, ValueError):
            return str(value)
    if spec.kind == "date":
        try:
            return date.fromisoformat(str(value))
        except ValueError:
            return str(value)
    if spec.kind == "integer" and isinstance(value, int) and not isinstance(value, bool):
        return value
    return cell_text(spec, value, zone, language)


def _row(columns: Sequence[Column], meta: Mapping[str, Any], zone: tzinfo, language: str, typed: bool) -> list[Any]:
    row: list[Any] = []
    for column in columns:
        value = meta.get(column.key)
        if column.spec is None:
            row.append(str(value or ""))
        elif typed:
            row.append(cell_value(column.spec, value, zone, language))
        else:
            row.append(cell_text(column.spec, value, zone, language))
    return row


# Export.

def export_records(workspace: Workspace, request: ExportRequest) -> ExportResult:
    """Write the records matching the filters to CSV or xlsx; return the files written."""
    if request.format not in EXPORT_FORMATS:
        raise InputError("input.bad_format", value=request.format, allowed=", ".join(EXPORT_FORMATS))
    if request.encoding not in ENCODINGS:
        raise InputError("sheets.bad_encoding", value=request.encoding, allowed=", ".join(ENCODINGS))
    listed, unreadable = list_records(workspace, request.filters)
    by_type: dict[str, list[dict[str, Any]]] = {}
    for item in listed:
        if item.schema is not None:
            by_type.setdefault(item.schema.name, []).append(item.record.meta)
    names = [request.filters.type] if request.filters.type else sorted(by_type) or workspace.templates.type_names()
    sheets = [(workspace.templates.schema(name), by_type.get(name, [])) for name in names]
    if request.format == "xlsx":
        files = _write_workbook(workspace, request, sheets)
    else:
        files = _write_csv_files(workspace, request, sheets)
    return ExportResult(files, unreadable)


def _csv_path(output: Path, type_name: str, several: bool) -> Path:
    return output.with_name(f"{output.stem}-{type_name}{output.suffix or '.csv'}") if several else output


Sheets = list[tuple[TypeSchema, list[dict[str, Any]]]]


def _write_csv_files(workspace: Workspace, request: ExportRequest, sheets: Sheets) -> list[ExportedFile]:
    files = []
    for schema, records in sheets:
        columns = sheet_columns(schema, request.language)
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\r\n")
        writer.writerow([column.header for column in columns])
        for meta in records:
            writer.writerow(_row(columns, meta, workspace.zone, request.language, typed=False))
        path = _csv_path(request.output, schema.name, len(sheets) > 1)
        _write_bytes(path, _encode(buffer.getvalue(), request.encoding, path))
        files.append(ExportedFile(path, schema.name, "", len(records)))
    return files


def _encode(text: str, encoding: str, path: Path) -> bytes:
    try:
        return text.encode(encoding)
    except UnicodeEncodeError as error:
        character = error.object[error.start : error.end]
        raise InputError("sheets.not_encodable", path=str(path), encoding=encoding, character=character) from None


def _write_workbook(workspace: Workspace, request: ExportRequest, sheets: Sheets) -> list[ExportedFile]:
    from openpyxl import Workbook

    workbook = Workbook()
    workbook.remove(workbook.active)
    files = []
    for schema, records in sheets:
        title = sheet_title(schema, request.language)
        sheet = workbook.create_sheet(title)
        columns = sheet_columns(schema, request.language)
        rows = [_row(columns, meta, workspace.zone, request.language, typed=True) for meta in records]
        _fill_sheet(sheet, columns, rows)
        files.append(ExportedFile(request.output, schema.name, title, len(records)))
    buffer = io.BytesIO()
    workbook.save(buffer)
    _write_bytes(request.output, buffer.getvalue())
    return files


def _fill_sheet(sheet: Any, columns: Sequence[Column], rows: Sequence[Sequence[Any]]) -> None:
    """Write the header and rows, then format: bold frozen header, filters, widths, wrapped lists, datetimes."""
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter

    from commlog.render import display_width

    sheet.append([column.header for column in columns])
    for row in rows:
        sheet.append(row)
    header_fill = PatternFill("solid", fgColor="DDE7F7")
    for cell in sheet[1]:
        cell.font = Font(bold=True)
        cell.fill = header_fill
    sheet.freeze_panes = "B2"
    sheet.auto_filter.ref = sheet.dimensions
    for index, column in enumerate(columns, start=1):
        letter = get_column_letter(index)
        kind = column.spec.kind if column.spec else "text"
        texts = [column.header] + [str(row[index - 1] or "") for row in rows]
        widest = max(display_width(line) for text in texts for line in (text.split("\n") or [""]))
        sheet.column_dimensions[letter].width = min(max(widest + 2, 10), 60)
        number_format = {"datetime": DATETIME_FORMAT, "date": DATE_FORMAT}.get(kind)
        for cell in sheet[letter][1:]:
            if number_format and isinstance(cell.value, (datetime, date)):
                cell.number_format = number_format
            if isinstance(cell.value, str) and "\n" in cell.value:
                cell.alignment = Alignment(wrap_text=True, vertical="top")
            else:
                cell.alignment = Alignment(vertical="top")


def _write_bytes(path: Path, data: bytes) -> None:
    """Write a file through a temporary file and an atomic rename."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    except OSError as error:
        raise InputError("sheets.cannot_write", path=str(path), reason=error.strerror or str(error)) from None
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(data)
        os.replace(temporary, path)
    except OSError as error:
        Path(temporary).unlink(missing_ok=True)
        raise InputError("sheets.cannot_write", path=str(path), reason=error.strerror or str(error)) from None


def round_seconds(moment: datetime) -> datetime:
    """Round a spreadsheet datetime to the second; Excel stores times as fractions of a day."""
    rounded = moment + timedelta(microseconds=500_000)
    return rounded.replace(microsecond=0)


def split_items(spec: FieldSpec, raw: Any) -> list[Any]:
    """Split a list cell into items: one per line, and names also at ``、``."""
    if not isinstance(raw, str):
        return [raw]
    assert spec.item is not None
    items: list[Any] = []
    for line in raw.replace("\r\n", "\n").replace("\r", "\n").split("\n"):
        parts = line.split(NAME_SEPARATOR) if spec.item.kind in NAME_KINDS else [line]
        items.extend(part.strip() for part in parts if part.strip())
    return items


def object_from_cell(spec: FieldSpec, text: str) -> Any:
    """Read an object item written as ``part:part`` (``:`` or ``：``); other forms go to the usual coercion."""
    stripped = text.strip()
    if stripped.startswith("{") or "|" in stripped:
        return stripped
    parts = stripped.replace("：", ":").split(":", len(spec.fields) - 1)
    return {sub.key: part.strip() for sub, part in zip(spec.fields, parts) if part.strip()}


def value_from_cell(spec: FieldSpec, raw: Any) -> Any:
    """Turn a cell into a raw field value for coercion; None for an empty cell."""
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        return None
    if isinstance(raw, datetime):
        raw = round_seconds(raw)
        return raw.date() if spec.kind == "date" else raw
    if isinstance(raw, float) and raw.is_integer():
        raw = int(raw)
    if spec.kind == "list":
        assert spec.item is not None
        items = split_items(spec, raw)
        if spec.item.kind == "object":
            return [object_from_cell(spec.item, str(item)) for item in items]
        return [value_from_cell(spec.item, item) for item in items]
    if spec.kind == "object" and isinstance(raw, str):
        return object_from_cell(spec, raw)
    if spec.kind in ("bool", "datetime", "date", "integer") or not isinstance(raw, (int, float)):
        return raw
    return str(raw)


