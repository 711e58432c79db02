"""A report's files: checked and stored as they arrive (the reporter's, an institution's
response), and found again for a viewer."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import IO

from flask import current_app

from ...models import Report, ReportAttachment, ReportEvent
from .. import attachments
from ..validation import ValidationError
from .errors import Invalid, NotFound


@dataclass(frozen=True)
class FileIn:
    stream: IO[bytes]
    filename: str


def attach(report: Report, files: Sequence[FileIn], event: ReportEvent | None) -> None:
    limit = int(current_app.config["REPORT_ATTACHMENTS"])
    if len(report.attachments) + len(files) > limit:
        raise Invalid("attachment", f"at most {limit} files for one report")
    for item in files:
        try:
            upload = attachments.check(item.stream, item.filename)
        except ValidationError as exc:
            message = exc.errors.get("attachment", str(exc))
            raise Invalid("attachment", message, 413 if "larger" in message else 400) from None
        report.attachments.append(
            ReportAttachment(
                stored_name=attachments.store(upload),
                original_name=upload.original_name,
                content_type=upload.content_type,
                size=len(upload.data),
                sha256=upload.sha256,
                event_id=event.id if event is not None else None,
            )
        )


def attachment_for(report: Report, attachment_id: int) -> ReportAttachment:
    for item in report.attachments:
        if item.id == attachment_id:
            return item
    raise NotFound("no such file")
