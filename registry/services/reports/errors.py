"""The reports' domain errors: each is one of :mod:`registry.services.errors`' kinds too, so a
caller may catch ``reports.NotFound`` or any ``NotFound``."""

from __future__ import annotations

from .. import errors


class ReportError(errors.DomainError):
    """Base of the errors below; ``detail`` is a plain sentence without any identity."""

    def __init__(self, detail: str, *, param: str | None = None):
        super().__init__(detail, param=param)
        self.detail = detail


class NotFound(ReportError, errors.NotFound):
    """No such report, or not one this caller may see (never tells which)."""


class Forbidden(ReportError, errors.Forbidden):
    """The caller may see the report but not take this step."""


class Conflict(ReportError, errors.Conflict):
    """The step does not fit the report's status (out of order)."""

    def __init__(self, detail: str, status: str):
        super().__init__(detail)
        self.status = status


class Invalid(ReportError, errors.Invalid):
    """Bad input; ``param`` names it. ``status`` is 400, or 413 for a file over the limit."""

    param: str

    def __init__(self, param: str, detail: str, status: int = 400):
        super().__init__(detail, param=param)
        self.status = status
