"""Domain errors every service raises: the web layer turns them into RFC 9457 problems and the
command line into exit codes, in one place each. Services never speak HTTP.

A service's own error (``reports.NotFound``, ``replication.Invalid`` ...) subclasses one of these,
so callers may catch either the specific error or the kind.
"""

from __future__ import annotations


class DomainError(Exception):
    """Something a caller asked for that the domain refuses; ``param`` names the offending input."""

    def __init__(self, message: str = "", *, param: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.param = param


class NotFound(DomainError, LookupError):
    """The thing asked for does not exist (or is not visible to this caller)."""


class Forbidden(DomainError, PermissionError):
    """The caller may not do this."""


class Conflict(DomainError):
    """The thing is not in a state that allows this (already decided, busy, duplicate)."""


class Invalid(DomainError, ValueError):
    """An input is malformed or out of range; ``param`` names it."""
