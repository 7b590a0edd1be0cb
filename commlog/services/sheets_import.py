"""Creating records from a spreadsheet ledger: read, map columns, check every row, commit once.

The cell forms are those of :mod:`commlog.services.sheets`. The header row is
found among the top rows, so a title row above it is skipped; columns map to
fields by label (either language), key, ``label (key)`` or a mapping file.
Every row is checked before anything is written, and all records of an
import are created in one commit.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from commlog.core.schema import FieldSpec, TypeSchema
from commlog.core.timeparse import load_datetime
from commlog.errors import InputError
from commlog.i18n import translate
from commlog.services.sheets import EXTRA_COLUMNS, datetime_spec, value_from_cell
from commlog.services.workspace import Workspace

HEADER_SEARCH_ROWS = 10
IGNORED_KEYS = frozenset({"type"})
# Field problems whose standard message gives command-line advice (--set); in a
# sheet the advice is about the cell instead.
SHEET_PROBLEM_KEYS = {"field.missing": "sheets.cell_missing", "field.lead_required": "sheets.lead_required"}


class InvalidRows(InputError):
    """Rows of a ledger that cannot become records; ``rows`` contains each row's problems."""

    def __init__(self, rows: list[RowProblems], schema: TypeSchema, total: int) -> None:
        super().__init__("sheets.invalid_rows", count=len(rows), total=total)
        self.rows = rows
        self.schema = schema


@dataclass(frozen=True)
class ImportRequest:
    """Options of one ``commlog import``."""

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
    """Outcome of an import: what it read and what it created (nothing with ``dry_run``)."""

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
