"""Resolution of the acting person: ``--by``, or the directory entry of the git user."""

from __future__ import annotations

from dataclasses import dataclass

from commlog.services.workspace import Workspace
from commlog.storage.gitrepo import Identity


@dataclass(frozen=True)
class Actor:
    """The person an event is recorded for, and whether that is someone other than the git author."""

    name: str
    identity: Identity | None

    @property
    def differs_from_author(self) -> bool:
        return self.identity is None or self.name != self.identity.name


def resolve_actor(workspace: Workspace, by: str | None, identity: Identity | None) -> Actor:
    """Return ``by`` if given, else the directory person whose e-mail is the git e-mail, else the git name."""
    if by and by.strip():
        return Actor(by.strip(), identity)
    if identity is None:
        from commlog.errors import InputError

        raise InputError("actor.unknown")
    person = workspace.config.person_by_email(identity.email)
    if person is not None:
        return Actor(person.name, Identity(person.name, identity.email))
    return Actor(identity.name, identity)
