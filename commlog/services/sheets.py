"""Spreadsheet ledgers: export records to CSV or Excel, and create records from them.

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
    """What ``commlog export`` was asked for."""

    filters: ListFilters
    format: str
    output: Path
    encoding: str = "utf-8-sig"
    language: str = "en"


@dataclass(frozen=True)
class ExportedFile:
    """One written file (or sheet), the type it holds and its number of records."""

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
    """Return an object item as ``part:part``, or as a YAML flow mapping when a part holds a colon."""
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


def _write_csv_files(workspace: Workspace, request: ExportRequest, sheets: list[tuple[TypeSchema, list[dict[str, Any]]]]) -> list[ExportedFile]:
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


def _write_workbook(workspace: Workspace, request: ExportRequest, sheets: list[tuple[TypeSchema, list[dict[str, Any]]]]) -> list[ExportedFile]:
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
        number_format = DATETIME_FORMAT if kind == "datetime" else DATE_FORMAT if kind == "date" else None
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



# Import.

HEADER_SEARCH_ROWS = 10
IGNORED_KEYS = frozenset({"type"})
# Field problems whose standard message gives command-line advice (--set); in a
# sheet the advice is about the cell instead.
SHEET_PROBLEM_KEYS = {"field.missing": "sheets.cell_missing", "field.lead_required": "sheets.lead_required"}


class InvalidRows(InputError):
    """Rows of a ledger that cannot become records; ``rows`` holds each row's problems."""

    def __init__(self, rows: list[RowProblems], schema: TypeSchema, total: int) -> None:
        super().__init__("sheets.invalid_rows", count=len(rows), total=total)
        self.rows = rows
        self.schema = schema


@dataclass(frozen=True)
class ImportRequest:
    """What ``commlog import`` was given."""

    path: Path
    type_name: str
    at: datetime | None = None
    mapping: Path | None = None
    sheet: str | None = None
    encoding: str | None = None
    dry_run: bool = False
    skip_invalid: bool = False
    by: str | None = None


@dataclass(frozen=True)
class RowProblems:
    """The problems of one row, numbered as the spreadsheet shows it (the header is row 1 or below)."""

    row: int
    problems: list[Any]


@dataclass(frozen=True)
class PlannedRow:
    """A valid row: the values for ``new``, the creation time and the sheet's own state columns."""

    row: int
    values: dict[str, Any]
    created: datetime
    status: str | None = None
    system: dict[str, str] = field(default_factory=dict)

    @property
    def title(self) -> str:
        return str(self.values.get("title", ""))


@dataclass
class ImportResult:
    """What an import read, and what it created (nothing with ``dry_run``)."""

    type: str
    source: str
    sheet: str
    header_row: int
    columns: list[tuple[str, str | None]]
    rows: list[PlannedRow]
    invalid: list[RowProblems]
    created: list[tuple[int, str, str]] = field(default_factory=list)
    commit: str | None = None
    dry_run: bool = False

    @property
    def ignored_columns(self) -> list[str]:
        return [header for header, key in self.columns if key is None and header]


def _normalise_header(text: Any) -> str:
    import unicodedata

    return "".join(unicodedata.normalize("NFKC", str(text)).casefold().split())


def _column_specs(schema: TypeSchema) -> dict[str, FieldSpec | None]:
    """Return every key a column can map to: id, the settable fields, completion times, ignored keys."""
    specs: dict[str, FieldSpec | None] = {"id": None}
    specs.update({spec.key: spec for spec in schema.fields if not spec.system})
    specs.update({key: datetime_spec(key) for key in EXTRA_COLUMNS})
    specs.update({key: None for key in IGNORED_KEYS})
    return specs


def header_names(schema: TypeSchema) -> dict[str, set[str]]:
    """Return, per normalised header text, the keys it can name: key, labels, ``label (key)``."""
    names: dict[str, set[str]] = {}
    for key, spec in _column_specs(schema).items():
        labels = set(spec.labels.values()) if spec else set()
        if key == "id":
            labels |= {translate("sheets.col_id", language=language) for language in ("zh-CN", "en")}
        if key == "type":
            labels |= {"类型"}
        for text in {key, *labels, *(f"{label} ({key})" for label in labels)}:
            names.setdefault(_normalise_header(text), set()).add(key)
    return names


def read_mapping(path: Path, schema: TypeSchema) -> dict[str, str | None]:
    """Read a ``--mapping`` YAML file: column header → field key (null or ``-`` ignores the column)."""
    from commlog.storage import yamlio

    try:
        loaded = yamlio.load_strings(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise InputError("sheets.mapping_not_found", path=str(path)) from None
    except (OSError, UnicodeDecodeError, ValueError):
        raise InputError("sheets.mapping_invalid", path=str(path)) from None
    except Exception:  # yaml.YAMLError
        raise InputError("sheets.mapping_invalid", path=str(path)) from None
    if not isinstance(loaded, dict):
        raise InputError("sheets.mapping_invalid", path=str(path))
    known = _column_specs(schema)
    mapping: dict[str, str | None] = {}
    for header, key in loaded.items():
        target = None if key in (None, "", "-") else str(key)
        if target is not None and target not in known:
            raise InputError("sheets.mapping_unknown_key", path=str(path), column=str(header), key=target,
                             allowed=", ".join(known))
        mapping[_normalise_header(header)] = target
    return mapping


def map_columns(schema: TypeSchema, headers: Sequence[Any], mapping: Mapping[str, str | None]) -> list[str | None]:
    """Return the field key of each column (None to ignore); raise on ambiguous or repeated columns."""
    names = header_names(schema)
    keys: list[str | None] = []
    for header in headers:
        normalised = _normalise_header(header) if header is not None else ""
        if normalised in mapping:
            keys.append(mapping[normalised])
            continue
        candidates = names.get(normalised, set())
        if len(candidates) > 1:
            raise InputError("sheets.ambiguous_column", column=str(header), keys=", ".join(sorted(candidates)))
        keys.append(next(iter(candidates)) if candidates else None)
    taken = [key for key in keys if key is not None]
    for key in taken:
        if taken.count(key) > 1:
            columns = [str(header) for header, found in zip(headers, keys) if found == key]
            raise InputError("sheets.repeated_column", key=key, columns=", ".join(columns))
    return keys


def _read_csv(path: Path, encoding: str | None) -> list[list[Any]]:
    """Read CSV rows; without ``encoding``, UTF-8 (with or without BOM) is tried, then GB18030 (a superset of GBK)."""
    data = path.read_bytes()
    if encoding is not None:
        try:
            text = data.decode(encoding)
        except (UnicodeDecodeError, LookupError):
            raise InputError("sheets.wrong_encoding", path=str(path), encoding=encoding) from None
        return [list(row) for row in csv.reader(io.StringIO(text, newline=""))]
    for candidate in ("utf-8-sig", "gb18030"):
        try:
            text = data.decode(candidate)
        except UnicodeDecodeError:
            continue
        return [list(row) for row in csv.reader(io.StringIO(text, newline=""))]
    raise InputError("sheets.unknown_encoding", path=str(path))


def _read_xlsx(path: Path, wanted: str | None, schema: TypeSchema) -> tuple[str, list[list[Any]]]:
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(path, read_only=True, data_only=True)
    except Exception as error:  # zipfile.BadZipFile, KeyError, openpyxl's InvalidFileException
        raise InputError("sheets.not_xlsx", path=str(path), reason=type(error).__name__) from None
    try:
        names = workbook.sheetnames
        choices = [wanted] if wanted else [schema.name, *schema.labels.values()]
        chosen = next((name for name in names for choice in choices if _normalise_header(name) ==
                       _normalise_header(choice)), None)
        if chosen is None and not wanted and len(names) == 1:
            chosen = names[0]
        if chosen is None:
            raise InputError("sheets.no_sheet", path=str(path), type=schema.name, sheets=", ".join(names))
        rows = [list(row) for row in workbook[chosen].iter_rows(values_only=True)]
    finally:
        workbook.close()
    return chosen, rows


def read_table(request: ImportRequest, schema: TypeSchema) -> tuple[str, list[list[Any]]]:
    """Read the rows of the ledger file (CSV, or the type's sheet of an xlsx workbook)."""
    path = request.path
    if not path.is_file():
        raise InputError("sheets.file_not_found", path=str(path))
    if path.suffix.lower() in (".xlsx", ".xlsm"):
        return _read_xlsx(path, request.sheet, schema)
    if path.suffix.lower() != ".csv":
        raise InputError("sheets.unknown_file_type", path=str(path))
    return "", _read_csv(path, request.encoding)


def _find_header(rows: Sequence[Sequence[Any]], schema: TypeSchema, mapping: Mapping[str, str | None]) -> int:
    """Return the index of the header row: the first of the top rows naming two known columns.

    A row with a single filled cell counts when that cell is a known column, so a
    one-column sheet works while a title row above the header is skipped.
    """
    names = header_names(schema)
    for index, row in enumerate(rows[:HEADER_SEARCH_ROWS]):
        filled = [_normalise_header(cell) for cell in row if cell is not None and str(cell).strip()]
        known = [text for text in filled if text in names or text in mapping]
        if known and len(known) >= min(2, len(filled)):
            return index
    expected = ", ".join(spec.label() for spec in schema.fields if spec.required and not spec.system)
    raise InputError("sheets.no_header", type=schema.name, expected=expected)


def _blank(row: Sequence[Any]) -> bool:
    return all(cell is None or (isinstance(cell, str) and not cell.strip()) for cell in row)


def _sheet_problem(problem: Any) -> Any:
    from commlog.errors import FieldProblem

    key = SHEET_PROBLEM_KEYS.get(problem.key)
    return FieldProblem(problem.field, key, **problem.params) if key else problem


def _special_cells(schema: TypeSchema, cells: Mapping[str, Any], context: Any) -> tuple[dict[str, Any], list[Any]]:
    """Coerce the columns that ``new`` does not take (created_at, status, completion times)."""
    from commlog.core.validate import Invalid, coerce_scalar
    from commlog.errors import FieldProblem

    found: dict[str, Any] = {}
    problems = []
    for key in ("created_at", *EXTRA_COLUMNS):
        raw = cells.get(key)
        if raw is None:
            continue
        try:
            found[key] = coerce_scalar(datetime_spec(key), raw, context)
        except Invalid as error:
            problems.append(FieldProblem(key, error.key, **error.params))
    if cells.get("status") is not None:
        choice = schema.status_field.choice(str(cells["status"]))
        if choice is None:
            problems.append(FieldProblem("status", "value.not_a_choice", value=str(cells["status"])))
        else:
            found["status"] = choice.key
    return found, problems


def _plan_row(workspace: Workspace, schema: TypeSchema, request: ImportRequest, number: int,
              cells: dict[str, Any], existing: set[str]) -> PlannedRow | RowProblems:
    """Validate one row as ``new`` would; return the planned record or the row's problems."""
    from commlog.errors import FieldErrors, FieldProblem
    from commlog.services.create import CreateRequest, build_meta, coercion_context

    default = workspace.moment(request.at)
    special, problems = _special_cells(schema, cells, coercion_context(workspace, default))
    record_id = str(cells.pop("id", "") or "").strip()
    if record_id and record_id.upper() in existing:
        problems.append(FieldProblem("id", "sheets.id_exists", id=record_id))
    created = load_datetime(special["created_at"], workspace.zone) if "created_at" in special else default
    values = {key: value for key, value in cells.items() if key not in ("created_at", "status", *EXTRA_COLUMNS)}
    status = special.get("status")
    is_draft = status is not None and status == schema.lifecycle.draft
    create = CreateRequest(schema.name, values, at=created, draft=is_draft, commit=False, by=request.by)
    try:
        build_meta(workspace, schema, create, created)
    except FieldErrors as error:
        problems.extend(error.problems)
    if problems:
        return RowProblems(number, [_sheet_problem(problem) for problem in problems])
    system = {key: special[key] for key in EXTRA_COLUMNS if key in special}
    return PlannedRow(number, values, created, status, system)


def plan_import(workspace: Workspace, request: ImportRequest) -> ImportResult:
    """Read and validate every row of the ledger; nothing is written."""
    from commlog.storage.records import existing_ids

    schema = workspace.templates.schema(request.type_name)
    mapping = read_mapping(request.mapping, schema) if request.mapping else {}
    sheet, table = read_table(request, schema)
    header_index = _find_header(table, schema, mapping)
    headers = table[header_index]
    keys = map_columns(schema, headers, mapping)
    specs = _column_specs(schema)
    existing = {name.upper() for name in existing_ids(workspace.root)}

    planned: list[PlannedRow] = []
    invalid: list[RowProblems] = []
    for offset, row in enumerate(table[header_index + 1:], start=header_index + 2):
        if _blank(row):
            continue
        cells = {}
        for key, raw in zip(keys, row):
            if key is None or key in IGNORED_KEYS:
                continue
            spec = specs.get(key)
            value = value_from_cell(spec, raw) if spec is not None else raw
            if value is not None and value != []:
                cells[key] = value
        outcome = _plan_row(workspace, schema, request, offset, cells, existing)
        (invalid if isinstance(outcome, RowProblems) else planned).append(outcome)

    columns = [(str(header) if header is not None else "", key) for header, key in zip(headers, keys)]
    return ImportResult(schema.name, request.path.name, sheet, header_index + 1, columns, planned, invalid,
                        dry_run=request.dry_run)


def import_records(workspace: Workspace, request: ImportRequest) -> ImportResult:
    """Validate the whole ledger, then create every valid record in one commit.

    Any invalid row stops the import before anything is written, unless
    ``skip_invalid`` is set; then the valid rows are imported and the invalid
    ones listed in the result.
    """
    result = plan_import(workspace, request)
    schema = workspace.templates.schema(request.type_name)
    if result.invalid and not request.skip_invalid:
        raise InvalidRows(result.invalid, schema, len(result.rows) + len(result.invalid))
    if request.dry_run or not result.rows:
        return result
    workspace.git.check_can_commit()
    result.created, result.commit = _create_and_commit(workspace, schema, request, result.rows)
    return result


def _create_and_commit(workspace: Workspace, schema: TypeSchema, request: ImportRequest,
                       rows: Sequence[PlannedRow]) -> tuple[list[tuple[int, str, str]], str]:
    """Write every record, then commit them all at once; on any failure remove what was written."""
    from commlog.services.create import CreateRequest, create_record
    from commlog.services.people import resolve_actor
    from commlog.storage.lock import repository_lock

    created: list[tuple[int, str, str]] = []
    try:
        for row in rows:
            create = CreateRequest(schema.name, row.values, at=row.created,
                                   draft=row.status is not None and row.status == schema.lifecycle.draft,
                                   commit=False, by=request.by)
            outcome = create_record(workspace, create)
            created.append((row.row, outcome.id, outcome.path))
            _apply_sheet_state(workspace, schema, outcome, row)
        actor = resolve_actor(workspace, request.by, workspace.git.identity())
        message = import_message(request.path.name, schema.name, [record_id for _, record_id, _ in created],
                                 actor.name if actor.differs_from_author else None)
        with repository_lock(workspace.git.git_dir):
            workspace.git.check_can_commit()
            sha = workspace.git.commit_paths([path for _, _, path in created], message)
    except BaseException:
        _remove_created(workspace, [path for _, _, path in created])
        raise
    return created, sha


def _apply_sheet_state(workspace: Workspace, schema: TypeSchema, outcome: Any, row: PlannedRow) -> None:
    """Give a new record the status and completion times the sheet holds, and rewrite it."""
    from commlog.core.record import ordered_meta
    from commlog.services.bodies import render_record_body
    from commlog.services.create import creation_note
    from commlog.services.deadlines import record_deadlines
    from commlog.storage.records import record_text, write_atomic

    record = outcome.record
    meta = record.meta
    if (row.status is None or row.status == meta["status"]) and not row.system:
        return
    if row.status is not None:
        meta["status"] = row.status
        meta["history"][0]["to"] = row.status
        meta["history"][0]["text"] = creation_note(schema, meta, workspace.zone, workspace.config.record_language)
    meta.update(row.system)
    meta["deadlines"] = record_deadlines(workspace, schema, meta)
    record.meta = ordered_meta(schema, meta)
    record.body = render_record_body(workspace, schema, record)
    write_atomic(workspace.root / outcome.path, record_text(record))


def _remove_created(workspace: Workspace, paths: Sequence[str]) -> None:
    for relative in paths:
        target = workspace.root / relative
        target.unlink(missing_ok=True)
        try:
            target.parent.rmdir()
        except OSError:
            pass


def import_message(source: str, type_name: str, ids: Sequence[str], by: str | None) -> str:
    """Return the commit message of an import: subject, one line of body, one record trailer per record."""
    from commlog.core.commitmsg import ACTION_TRAILER, BY_TRAILER, RECORD_TRAILER, SUBJECT_LIMIT

    subject = f"import {len(ids)} records from {' '.join(source.split())}"
    if len(subject) > SUBJECT_LIMIT:
        subject = subject[: SUBJECT_LIMIT - 1].rstrip() + "…"
    lines = [subject, "", f"type: {type_name}", ""]
    lines += [f"{RECORD_TRAILER}: {record_id}" for record_id in ids]
    lines.append(f"{ACTION_TRAILER}: import")
    if by:
        lines.append(f"{BY_TRAILER}: {' '.join(by.split())}")
    return "\n".join(lines) + "\n"
