"""Reading records: one record by ID for ``show``, and filtered summaries for ``list``."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import PurePosixPath
from typing import Any

from commlog.core.record import FOLDER_RE, Record
from commlog.core.schema import TypeSchema
from commlog.errors import CommlogError
from commlog.services.workspace import Workspace
from commlog.storage.records import find_record_path, iter_record_paths, read_record


@dataclass(frozen=True)
class ShownRecord:
    """A record with the schema that labels its fields."""

    record: Record
    schema: TypeSchema | None
    path: str


@dataclass(frozen=True)
class ListFilters:
    """Filters of ``commlog list``; None means no filter."""

    type: str | None = None
    status: str | None = None
    quarter: str | None = None
    person: str | None = None
    department: str | None = None


@dataclass(frozen=True)
class ListedRecord:
    """One line of ``commlog list``."""

    record: Record
    schema: TypeSchema | None
    path: str


@dataclass(frozen=True)
class Unreadable:
    """A record file that could not be read, with the reason as a message key and parameters."""

    path: str
    key: str
    params: dict[str, Any]


def show_record(workspace: Workspace, wanted: str) -> ShownRecord:
    """Find a record by ID or unique ID prefix and read it."""
    relative = find_record_path(workspace.root, wanted)
    record = read_record(workspace.root, relative)
    return ShownRecord(record=record, schema=_schema_or_none(workspace, record.type), path=str(relative))


def _schema_or_none(workspace: Workspace, type_name: str) -> TypeSchema | None:
    return workspace.templates.find_schema(type_name)


def _folder_matches(path: PurePosixPath, filters: ListFilters) -> bool:
    match = FOLDER_RE.match(path.parent.name)
    if match is None:
        return True
    if filters.type and match["type"] != filters.type:
        return False
    if filters.quarter and f"{match['year']}-Q{match['quarter']}" != filters.quarter.upper():
        return False
    return True


def _people_in(schema: TypeSchema | None, meta: dict[str, Any]) -> set[str]:
    names: set[str] = set()
    for key in ("recipients", "lead"):
        value = meta.get(key)
        if isinstance(value, list):
            names.update(value)
        elif value:
            names.add(value)
    for event in meta.get("history") or ():
        if isinstance(event, dict) and event.get("by"):
            names.add(str(event["by"]))
    if schema is None:
        return {str(name) for name in names}
    for spec in schema.fields:
        names.update(values_of_kind(spec, meta.get(spec.key), ("person", "party")))
    return {str(name) for name in names}


def values_of_kind(spec: Any, value: Any, kinds: tuple[str, ...]) -> list[str]:
    if value is None:
        return []
    if spec.kind == "list" and isinstance(value, list):
        return [found for item in value for found in values_of_kind(spec.item, item, kinds)]
    if spec.kind == "object" and isinstance(value, dict):
        return [found for sub in spec.fields for found in values_of_kind(sub, value.get(sub.key), kinds)]
    return [str(value)] if spec.kind in kinds else []


def _departments_in(schema: TypeSchema | None, meta: dict[str, Any]) -> set[str]:
    if schema is None:
        return set()
    return {name for spec in schema.fields for name in values_of_kind(spec, meta.get(spec.key), ("department", "party"))}


def _record_matches(schema: TypeSchema | None, record: Record, filters: ListFilters) -> bool:
    if filters.type and record.type != filters.type:
        return False
    if filters.status:
        wanted = filters.status
        if schema is not None:
            choice = schema.status_field.choice(wanted)
            wanted = choice.key if choice else wanted
        if record.status != wanted:
            return False
    if filters.person and filters.person not in _people_in(schema, record.meta):
        return False
    if filters.department and filters.department not in _departments_in(schema, record.meta):
        return False
    return True


def list_records(
    workspace: Workspace,
    filters: ListFilters,
    progress: Callable[[int, int], None] | None = None,
) -> tuple[list[ListedRecord], list[Unreadable]]:
    """Return the records that match ``filters``, sorted by creation time, and the unreadable files.

    ``progress(done, total)`` is called after each file read, for a progress bar.
    """
    listed: list[ListedRecord] = []
    unreadable: list[Unreadable] = []
    paths = list(_candidate_paths(workspace, filters))
    for done, relative in enumerate(paths, start=1):
        if progress is not None:
            progress(done, len(paths))
        try:
            record = read_record(workspace.root, relative)
        except CommlogError as error:
            unreadable.append(Unreadable(str(relative), error.key, error.params))
            continue
        schema = _schema_or_none(workspace, record.type)
        if _record_matches(schema, record, filters):
            listed.append(ListedRecord(record=record, schema=schema, path=str(relative)))
    listed.sort(key=lambda item: (str(item.record.meta.get("created_at", "")), item.record.id))
    return listed, unreadable


def _candidate_paths(workspace: Workspace, filters: ListFilters) -> Iterator[PurePosixPath]:
    for relative in iter_record_paths(workspace.root):
        if _folder_matches(relative, filters):
            yield relative
