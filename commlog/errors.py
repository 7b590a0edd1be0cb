"""The error family of commlog and the exit statuses it maps to.

Every error carries a message key and its parameters, so the CLI can print it
in the user's language; services never format user-facing text themselves.
"""

from __future__ import annotations

from typing import Any

EXIT_OK = 0
EXIT_FINDINGS = 1
EXIT_USAGE = 2
EXIT_INTERRUPTED = 130


class CommlogError(Exception):
    """An error the user can fix: bad input, bad configuration, a repository state."""

    exit_code = EXIT_USAGE

    def __init__(self, key: str, /, **params: Any) -> None:
        super().__init__(key)
        self.key = key
        self.params = params
        self.details: list[str] = []

    def __str__(self) -> str:
        from commlog.i18n import translate

        return translate(self.key, **self.params)


class ConfigError(CommlogError):
    """Invalid ``commlog.yaml`` or template schema."""


class InputError(CommlogError):
    """Invalid values given on the command line, in a fields file or at a prompt."""


class RecordNotFound(CommlogError):
    """No record, or more than one, matches an ID or ID prefix."""


class RecordFileError(CommlogError):
    """A record file that cannot be read or parsed."""


class GitStateError(CommlogError):
    """The repository is in a state where commlog must not commit."""


class GitCommandError(CommlogError):
    """A git command failed; the message includes git's own output."""


class FieldErrors(InputError):
    """Several invalid or missing fields, reported together."""

    def __init__(self, problems: list["FieldProblem"], schema: Any = None) -> None:
        super().__init__("fields.invalid", count=len(problems))
        self.problems = problems
        self.schema = schema


class FieldProblem:
    """One invalid or missing field value, as a message key with parameters."""

    __slots__ = ("field", "key", "params")

    def __init__(self, field: str, key: str, **params: Any) -> None:
        self.field = field
        self.key = key
        self.params = params

    def __repr__(self) -> str:
        return f"FieldProblem({self.field!r}, {self.key!r}, {self.params!r})"
