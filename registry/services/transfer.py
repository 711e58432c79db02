"""Export the catalogue as CSV or JSON, and import rows in the same format."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import func, select

from .. import taxonomy
from ..csvsafe import SafeDictWriter, unquote
from ..extensions import db
from ..models import Innovation, Replication
from . import catalogue, replication
from .errors import Invalid
from .validation import FIELDS, LIST_FIELDS, LIST_SEPARATOR, READ_ONLY, ValidationError

# lifecycle and replication columns come last (added later; import reads them additively)
LIFECYCLE_COLUMNS = ("operating_status", "verified_at", "replications")
EXPORT_COLUMNS = (
    "id",
    "slug",
    *FIELDS,
    "status",
    "origin",
    "published_at",
    "updated_at",
    *LIFECYCLE_COLUMNS,
)
REQUIRED_COLUMNS = ("title",)


class ImportFileError(Invalid):
    """The file as a whole cannot be read; nothing was imported."""


@dataclass
class RowError:
    row: int
    field: str | None
    message: str

    def __str__(self) -> str:
        where = f"row {self.row}" + (f", {self.field}" if self.field else "")
        return f"{where}: {self.message}"


@dataclass
class ImportReport:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    errors: list[RowError] = field(default_factory=list)

    @property
    def refused_rows(self) -> int:
        return len({e.row for e in self.errors})

    def as_dict(self) -> dict[str, Any]:
        return {
            "created": self.created,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "refused": self.refused_rows,
            "errors": [str(e) for e in self.errors],
        }


# --- export -----------------------------------------------------------------------------------


def export_records(
    *, include_private: bool = False, ids: Sequence[int] | None = None
) -> Iterator[dict[str, Any]]:
    """The published catalogue, newest first; with ``ids`` (a search's hits), only those
    innovations, in that order."""
    query = select(Innovation).where(Innovation.status == "published")
    if ids is None:
        query = query.order_by(Innovation.published_at.desc(), Innovation.id.desc())
    copied = set(db.session.scalars(select(Replication.original_id).distinct()))
    for innovation in _in_order(query, ids):
        record = catalogue.to_record(innovation, include_private=include_private)
        record["replications"] = (
            replication.export_records(innovation) if innovation.id in copied else []
        )
        yield {k: record.get(k) for k in _columns(include_private)} | (
            {"external_id": record["external_id"]} if "external_id" in record else {}
        )


def _in_order(query: Any, ids: Sequence[int] | None) -> Iterator[Innovation]:
    """The query's innovations: all of them streamed, or those of ``ids`` in their order."""
    if ids is None:
        yield from db.session.scalars(query.execution_options(yield_per=500))
        return
    for start in range(0, len(ids), 500):
        chunk = ids[start : start + 500]
        found = {row.id: row for row in db.session.scalars(query.where(Innovation.id.in_(chunk)))}
        yield from (found[i] for i in chunk if i in found)


def _columns(include_private: bool) -> tuple[str, ...]:
    return tuple(c for c in EXPORT_COLUMNS if include_private or c != "contact_email")


def csv_columns(*, include_private: bool = False) -> list[str]:
    """The CSV export's header, in order."""
    return [*_columns(include_private), "external_id"]


def export_summary() -> dict[str, Any]:
    """What the public export holds: its rows (published innovations), how many give a start
    date, the replications listed, and when any of it last changed (None: nothing published)."""
    published = Innovation.status == "published"
    rows, started, last_changed = db.session.execute(
        select(
            func.count(Innovation.id),
            func.count(Innovation.started_on),
            func.max(func.coalesce(Innovation.updated_at, Innovation.published_at)),
        ).where(published)
    ).one()
    verified = db.session.scalar(select(func.max(Innovation.verified_at)).where(published))
    replications = db.session.scalar(
        select(func.count(Replication.id))
        .join(Innovation, Innovation.id == Replication.original_id)
        .where(published, Replication.status.in_(replication.VISIBLE))
    )
    stamps = [s for s in (last_changed, verified) if s is not None]
    return {
        "rows": rows or 0,
        "with_start_date": started or 0,
        "replications": replications or 0,
        "last_modified": max(stamps) if stamps else None,
    }


def write_json(records: Iterable[Mapping[str, Any]], out: io.TextIOBase | Any) -> int:
    count = 0
    out.write("[")
    for record in records:
        out.write(",\n" if count else "\n")
        out.write(json.dumps(record, ensure_ascii=False))
        count += 1
    out.write("\n]\n")
    return count


def write_csv(
    records: Iterable[Mapping[str, Any]], out: io.TextIOBase | Any, *, include_private: bool
) -> int:
    columns = csv_columns(include_private=include_private)
    writer = SafeDictWriter(out, fieldnames=columns, quoting=csv.QUOTE_NONNUMERIC)
    writer.writeheader()
    count = 0
    for record in records:
        row = {k: record.get(k) for k in columns}
        for name in LIST_FIELDS:
            row[name] = LIST_SEPARATOR.join(row.get(name) or [])
        # a list of objects: JSON text in its one cell
        row["replications"] = (
            json.dumps(row["replications"], ensure_ascii=False) if row.get("replications") else ""
        )
        writer.writerow({k: "" if v is None else v for k, v in row.items()})
        count += 1
    return count


# --- import -----------------------------------------------------------------------------------


def _decode(raw: bytes, path: Path) -> str:
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ImportFileError(
            f"{path.name} is not UTF-8 text (byte 0x{raw[exc.start]:02x} at offset {exc.start});"
            " save it as UTF-8 and import again"
        ) from None


def read_rows(path: Path) -> list[tuple[int, dict[str, Any]]]:
    """Rows with their numbers (CSV: the header is row 1; JSON: the first object is row 1)."""
    if not path.is_file():
        raise ImportFileError(f"no such file: {path}")
    text = _decode(path.read_bytes(), path)
    suffix = path.suffix.lower()
    if suffix == ".csv" or (suffix not in (".json", ".jsonl") and text.lstrip()[:1] not in "[{"):
        return _csv_rows(text)
    if suffix == ".jsonl":
        return _jsonl_rows(text)
    return _json_rows(text)


def _csv_rows(text: str) -> list[tuple[int, dict[str, Any]]]:
    reader = csv.DictReader(io.StringIO(text, newline=""))
    header = [h.strip() for h in (reader.fieldnames or [])]
    missing = [c for c in REQUIRED_COLUMNS if c not in header]
    if missing:
        raise ImportFileError(
            f"missing column(s): {', '.join(missing)}; the header must name the export fields"
            f" (found: {', '.join(header) or 'no header'})"
        )
    reader.fieldnames = header
    rows = []
    for number, row in enumerate(reader, start=2):
        extra = row.pop(None, None)
        # a cell our export protected from spreadsheets ("'=...") is read back as it was
        clean_row: dict[str, Any] = {
            k: (unquote(v) if v != "" else None) if isinstance(v, str) else v
            for k, v in row.items()
        }
        if extra:
            clean_row["__extra__"] = extra
        rows.append((number, clean_row))
    return rows


def _json_rows(text: str) -> list[tuple[int, dict[str, Any]]]:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ImportFileError(
            f"not valid JSON: {exc.msg} at line {exc.lineno} column {exc.colno}"
        ) from None
    if isinstance(data, dict):
        data = data.get("results", data.get("innovations", [data]))
    if not isinstance(data, list):
        raise ImportFileError("expected a JSON array of innovation objects")
    return list(enumerate(data, start=1))


def _jsonl_rows(text: str) -> list[tuple[int, Any]]:
    rows: list[tuple[int, Any]] = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            rows.append((number, json.loads(line)))
        except json.JSONDecodeError as exc:
            rows.append((number, ValueError(f"not valid JSON: {exc.msg}")))
    return rows


def _find_existing(row: Mapping[str, Any]) -> Innovation | None:
    external_id = row.get("external_id")
    if external_id:
        return db.session.scalar(
            select(Innovation).where(Innovation.external_id == str(external_id))
        )
    slug = row.get("slug") or catalogue.slugify(str(row.get("title") or ""))
    innovation, _ = catalogue.get_by_slug(str(slug))
    return innovation


def is_known(row: Mapping[str, Any]) -> bool:
    """Whether an innovation for this export row is already in the catalogue."""
    return _find_existing(row) is not None


def _parse_published_at(value: Any) -> dt.datetime | None:
    if not value:
        return None
    try:
        parsed = dt.datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        return None
    if parsed.tzinfo is not None:
        parsed = parsed.astimezone(dt.UTC).replace(tzinfo=None)
    return parsed


def _apply_lifecycle(innovation: Innovation, row: Mapping[str, Any]) -> bool:
    """operating_status, verified_at and replications of an import row (additive); changed?"""
    changed = False
    status = row.get("operating_status")
    if status:
        if status not in taxonomy.OPERATING_STATUSES:
            raise ValidationError(
                {
                    "operating_status": f"unknown value {status!r}; expected one of: "
                    + ", ".join(taxonomy.OPERATING_STATUSES)
                }
            )
        changed |= innovation.operating_status != status
        innovation.operating_status = status
    if row.get("verified_at"):
        verified = _parse_published_at(row["verified_at"])
        if verified is None:
            raise ValidationError({"verified_at": "expected an ISO date and time"})
        changed |= innovation.verified_at != verified
        innovation.verified_at = verified
    if row.get("replications"):
        db.session.flush()
        changed |= replication.import_records(innovation, row["replications"]) > 0
    return changed


def import_row(row: Mapping[str, Any], *, actor: str, publish: bool) -> str:
    """Create or update one innovation from an export row; returns created/updated/unchanged."""
    outcome, innovation = _import_fields(row, actor=actor, publish=publish)
    if _apply_lifecycle(innovation, row) and outcome == "unchanged":
        return "updated"
    return outcome


def _import_fields(row: Mapping[str, Any], *, actor: str, publish: bool) -> tuple[str, Innovation]:
    data = {k: v for k, v in row.items() if k in FIELDS}
    existing = _find_existing(row)
    if existing is None:
        status = "published" if publish else "submitted"
        innovation = catalogue.create(
            data,
            actor=actor,
            origin="import",
            status=status,
            allow_closed_campaign=True,
            external_id=str(row["external_id"]) if row.get("external_id") else None,
            published_at=_parse_published_at(row.get("published_at")) if publish else None,
        )
        wanted_slug = row.get("slug")
        if wanted_slug and wanted_slug != innovation.slug:
            slug = catalogue.slugify(str(wanted_slug), max_length=120)
            if catalogue.get_by_slug(slug)[0] is None:
                innovation.slug = slug
        return "created", innovation
    changed = catalogue.update(existing, data, actor=actor)
    if publish and existing.status in ("submitted", "in_review", "withdrawn"):
        catalogue.transition(existing, "published", actor=actor, note="import --publish")
        changed = True
    return ("updated" if changed else "unchanged"), existing


def import_rows(
    rows: Iterable[tuple[int, Any]],
    *,
    actor: str,
    publish: bool = False,
    checkpoint: Callable[[], None] | None = None,
    checkpoint_every: int = 500,
) -> ImportReport:
    """Import every valid row, each in its own savepoint; errors carry the row number.

    checkpoint (the edge's commit) runs every `checkpoint_every` rows, so a crash keeps what was
    done and a rerun resumes: rows already imported come back as unchanged.
    """
    report = ImportReport()
    for done, (number, row) in enumerate(rows, start=1):
        if isinstance(row, Exception):
            report.errors.append(RowError(number, None, str(row)))
            continue
        if not isinstance(row, Mapping):
            report.errors.append(RowError(number, None, "expected an object with field names"))
            continue
        if row.get("__extra__"):
            report.errors.append(RowError(number, None, "more values than columns"))
            continue
        unknown = sorted(
            k for k in row if k not in (*FIELDS, *READ_ONLY, *LIFECYCLE_COLUMNS, "external_id")
        )
        if unknown:
            report.errors.append(RowError(number, None, f"unknown field(s): {', '.join(unknown)}"))
            continue
        savepoint = db.session.begin_nested()
        try:
            outcome = import_row(row, actor=actor, publish=publish)
        except ValidationError as exc:
            savepoint.rollback()
            report.errors.extend(RowError(number, f, m) for f, m in exc.errors.items())
            continue
        except catalogue.WorkflowError as exc:
            savepoint.rollback()
            report.errors.append(RowError(number, "status", str(exc)))
            continue
        savepoint.commit()
        setattr(report, outcome, getattr(report, outcome) + 1)
        if checkpoint and done % checkpoint_every == 0:
            checkpoint()
    return report
