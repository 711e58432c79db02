"""`registry notify send`: the mails that are due now, each sent at most once.

- saved-search digests (daily or weekly): only when new published innovations match since the
  last digest; grouped by focus, newest first; one-click unsubscribe (RFC 8058 headers);
- the yearly operating-status question to owners (services/lifecycle.py);
- the curators' daily digest, built from CURATOR_SECTIONS (a list of providers: add one with
  ``register_curator_section``);
- the owner's notice of a replication claim that was not mailed yet.

What was sent is recorded before the mail goes out (subscription.digest_through moved by a
compare-and-set, or a notice_log row), and committed, so a second run (or two at once) sends
nothing twice. Subscriptions are read in keyset batches, never all at once.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
from collections import OrderedDict
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from flask import current_app, has_request_context, url_for
from flask_babel import gettext
from sqlalchemy import and_, func, or_, select, update

from .. import jobs, taxonomy
from ..extensions import db
from ..models import Innovation, Replication, Subscription, User, utcnow
from . import discovery, lifecycle, mail, notices, notify, reports, review, subscriptions

log = logging.getLogger(__name__)
PERIODS = {"daily": dt.timedelta(days=1), "weekly": dt.timedelta(days=7)}
SLACK = dt.timedelta(hours=1)  # a scheduler that fires a little early still counts
BATCH = 1000
SEARCH_CACHE = 4096  # distinct saved searches whose newest matches are kept during a run
WIB = dt.timedelta(hours=7)

Section = tuple[str, list[str]]  # a curator-digest heading and its lines
CURATOR_SECTIONS: list[Callable[[dt.datetime], Section | None]] = []


def register_curator_section(provider: Callable[[dt.datetime], Section | None]) -> None:
    """Add a section to the curators' daily digest (e.g. new verified reports)."""
    if provider not in CURATOR_SECTIONS:
        CURATOR_SECTIONS.append(provider)


@dataclass
class Report:
    subscriptions_checked: int = 0
    digests: int = 0
    status_checks: int = 0
    curator_digests: int = 0
    replication_notices: int = 0
    errors: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {k: getattr(self, k) for k in self.__dataclass_fields__}


@contextlib.contextmanager
def url_context() -> Iterator[None]:
    """Absolute links from a CLI or a worker: a request context on BASE_URL."""
    if has_request_context():
        yield
        return
    base = str(current_app.config.get("BASE_URL") or "http://localhost:5000")
    with current_app.test_request_context("/", base_url=base):
        yield


def link(endpoint: str, **values: Any) -> str:
    return url_for(endpoint, _external=True, **values)


def send_due(frequency: str | None = None, now: dt.datetime | None = None) -> Report:
    """Everything due now (``frequency`` limits the saved-search digests to one kind)."""
    now = now or utcnow()
    report = Report()
    wanted = [frequency] if frequency else list(PERIODS)
    with url_context():
        send_subscription_digests(wanted, now, report)
        report.status_checks = send_status_checks(now)
        report.curator_digests = send_curator_digests(now)
        report.replication_notices = send_replication_notices(now)
    return report


@jobs.task("notify.send_due")
def send_due_job(frequency: str | None = None) -> dict[str, Any]:
    report = send_due(frequency).as_dict()
    db.session.commit()
    return report


# --------------------------------------------------------------------------- saved searches


def _due_clause(frequencies: Sequence[str], now: dt.datetime) -> Any:
    return or_(
        *(
            and_(
                Subscription.frequency == name,
                Subscription.digest_through <= now - PERIODS[name] + SLACK,
            )
            for name in frequencies
        )
    )


def due_batches(
    frequencies: Sequence[str], now: dt.datetime, size: int = BATCH
) -> Iterator[list[Any]]:
    """Confirmed, active, due subscriptions as plain rows, ``size`` at a time (keyset)."""
    last = 0
    columns = (
        Subscription.id,
        Subscription.email,
        Subscription.search,
        Subscription.digest_through,
    )
    while True:
        rows = db.session.execute(
            select(*columns)
            .where(
                Subscription.id > last,
                Subscription.confirmed_at.is_not(None),
                Subscription.unsubscribed_at.is_(None),
                _due_clause(frequencies, now),
            )
            .order_by(Subscription.id)
            .limit(size)
        ).all()
        if not rows:
            return
        yield list(rows)
        last = rows[-1][0]


class Matcher:
    """The newest published matches of each saved search, computed once per run."""

    def __init__(self, now: dt.datetime, max_items: int):
        self.now = now
        self.max_items = max_items
        self.cache: OrderedDict[str, list[tuple[dt.datetime, dict[str, Any]]]] = OrderedDict()
        # rendered once per run: an innovation's lines in a digest, a search's words and link
        self.blocks: dict[int, tuple[str, str]] = {}
        self.words: dict[str, tuple[str, str, str]] = {}
        self.texts: dict[str, str] = {}
        # the unsubscribe link without its token (tokens are URL-safe: appended as they are)
        self.unsubscribe_prefix = link("subscriptions.unsubscribe", token="-")[:-1]
        self.latest = db.session.scalar(
            select(func.max(Innovation.published_at)).where(
                Innovation.status == "published", Innovation.published_at <= now
            )
        )

    def text(self, message: str) -> str:
        """A fixed text's translation, looked up once per run (a template when it has
        %(name)s placeholders: gettext leaves those alone without arguments)."""
        found = self.texts.get(message)
        if found is None:
            found = self.texts[message] = gettext(message)
        return found

    def new_since(self, search: dict[str, Any], since: dt.datetime) -> list[dict[str, Any]]:
        if self.latest is None or self.latest <= since:
            return []  # nothing was published since: no search needed
        key = subscriptions.search_key(search)
        entries = self.cache.get(key)
        if entries is None:
            entries = self._compute(search)
            self.cache[key] = entries
            if len(self.cache) > SEARCH_CACHE:
                self.cache.popitem(last=False)
        else:
            self.cache.move_to_end(key)
        return [item for published, item in entries if since < published <= self.now]

    def _compute(self, search: dict[str, Any]) -> list[tuple[dt.datetime, dict[str, Any]]]:
        params = discovery.SearchParams(
            q=str(search.get("q") or ""),
            filters={k: list(v) for k, v in search.items() if k in discovery.FILTER_PARAMS},
            sort="newest",
            page=1,
            per_page=self.max_items,
        )
        ids = [hit.id for hit in discovery.run_search(params).hits]
        if not ids:
            return []
        # the database has the last word: only what is published now, with its exact time
        published: dict[int, dt.datetime] = dict(
            db.session.execute(  # type: ignore[arg-type]
                select(Innovation.id, Innovation.published_at).where(
                    Innovation.id.in_(ids), Innovation.status == "published"
                )
            ).all()
        )
        items = discovery.load_result_items([i for i in ids if i in published])
        entries = [(published[i], items[i]) for i in ids if i in items and published[i]]
        entries.sort(key=lambda e: (e[0], e[1]["id"]), reverse=True)
        return entries


def send_subscription_digests(frequencies: Sequence[str], now: dt.datetime, report: Report) -> None:
    matcher = Matcher(now, int(current_app.config["DIGEST_MAX_ITEMS"]))
    for rows in due_batches(frequencies, now):
        # claim the batch in one statement: only what is still due moves to ``now``, so a
        # concurrent run (or a rerun) gets none of these rows
        won = set(
            db.session.scalars(
                update(Subscription)
                .where(
                    Subscription.id.in_([row[0] for row in rows]),
                    _due_clause(frequencies, now),
                )
                .values(digest_through=now)
                .returning(Subscription.id),
            )
        )
        outgoing: list[tuple[str, int, dict[str, Any], list[dict[str, Any]]]] = []
        for subscription_id, email, search, since in rows:
            if subscription_id not in won:
                continue
            report.subscriptions_checked += 1
            items = matcher.new_since(search or {}, since)
            if items:
                outgoing.append((email, subscription_id, search or {}, items))
        if outgoing:
            db.session.execute(
                update(Subscription)
                .where(Subscription.id.in_([o[1] for o in outgoing]))
                .values(last_sent_at=now)
            )
        db.session.commit()  # recorded before sending: a rerun never mails these again
        for email, subscription_id, search, items in outgoing:
            try:
                _send_digest(matcher, email, subscription_id, search, items)
            except Exception as exc:  # one bad address must not stop the others
                log.exception("digest for subscription %s not sent", subscription_id)
                report.errors.append(f"subscription {subscription_id}: {exc}")
                continue
            report.digests += 1


def describe_search(search: dict[str, Any], locale: str = "id") -> str:
    """A saved search in words: the keyword and each filter's labels."""
    vocabs = {
        "sector": (gettext("Sektor"), taxonomy.SECTORS),
        "focus": (gettext("Fokus"), taxonomy.FOCUSES),
        "innovator_type": (gettext("Jenis inovator"), taxonomy.INNOVATOR_TYPES),
        "stage": (gettext("Tahap"), taxonomy.STAGES),
        "operating_status": (gettext("Status operasional"), taxonomy.OPERATING_STATUSES),
        "replicated": (gettext("Replikasi"), taxonomy.REPLICATED),
    }
    parts = []
    if search.get("q"):
        parts.append(gettext("kata kunci “%(q)s”", q=search["q"]))
    for name, values in search.items():
        if name in vocabs:
            heading, vocab = vocabs[name]
            words = ", ".join(taxonomy.label(vocab, v, locale) for v in values)
            parts.append(f"{heading}: {words}")
        elif name == "province":
            names = []
            for code in values:
                region = taxonomy.region_by_code(code)
                names.append(region.label(locale) if region else code)
            parts.append(f"{gettext('Provinsi')}: {', '.join(names)}")
        elif name == "year":
            parts.append(f"{gettext('Tahun mulai')}: {', '.join(values)}")
    return "; ".join(parts) or gettext("semua inovasi")


def _search_args(search: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in search.items() if v}


def _item_block(matcher: Matcher, item: dict[str, Any]) -> tuple[str, str]:
    """An innovation's group heading (its focus in words) and its lines, once per run."""
    found = matcher.blocks.get(item["id"])
    if found is None:
        where = (item.get("province") or {}).get("name") or ""
        focus = item["focus"]
        heading = taxonomy.label(taxonomy.FOCUSES, focus) if focus else matcher.text("Lainnya")
        found = matcher.blocks[item["id"]] = (
            heading,
            "\n".join(
                [
                    f"* {item['title']}",
                    f"  {item['innovator_name']}" + (f", {where}" if where else ""),
                    "  " + link("public.innovation", slug=item["slug"]),
                ]
            ),
        )
    return found


def _search_words(matcher: Matcher, search: dict[str, Any]) -> tuple[str, str, str]:
    """A search in words, the link to its results and the digest's first line, once per
    distinct search."""
    key = subscriptions.search_key(search)
    found = matcher.words.get(key)
    if found is None:
        words = describe_search(search)
        found = matcher.words[key] = (
            words,
            link("public.search", sort="newest", **_search_args(search)),
            gettext("Inovasi baru yang cocok dengan pencarian Anda: %(search)s.", search=words),
        )
    return found


def _send_digest(
    matcher: Matcher,
    email: str,
    subscription_id: int,
    search: dict[str, Any],
    items: list[dict[str, Any]],
) -> str:
    """One digest: the new matches grouped by focus (a group where its newest item is),
    newest first within each group, then the search's link and the one-click unsubscribe."""
    token = subscriptions.unsubscribe_token(Subscription(id=subscription_id))
    unsubscribe = matcher.unsubscribe_prefix + token
    words, results, intro = _search_words(matcher, search)
    groups: OrderedDict[str, list[str]] = OrderedDict()
    for item in items:
        heading, block = _item_block(matcher, item)
        groups.setdefault(heading, []).append(block)
    lines = [intro, ""]
    for heading, blocks in groups.items():
        lines += [heading, "-" * len(heading), *blocks, ""]
    lines += [
        matcher.text("Semua hasil pencarian ini:"),
        results,
        "",
        matcher.text("Berhenti berlangganan dengan satu klik:"),
        unsubscribe,
    ]
    subject = matcher.text("%(n)s inovasi baru: %(search)s") % {"n": len(items), "search": words}
    return mail.send_bulk(
        email,
        subject[:200],
        "\n".join(lines),
        headers={
            "List-Unsubscribe": f"<{unsubscribe}>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
        },
    )


def send_confirmation(row: Subscription) -> str:
    """The only mail an unconfirmed address ever gets."""
    with url_context():
        confirm = link("subscriptions.confirm", token=subscriptions.confirm_token(row))
        unsubscribe = link("subscriptions.unsubscribe", token=subscriptions.unsubscribe_token(row))
        frequency = gettext("harian") if row.frequency == "daily" else gettext("mingguan")
        lines = [
            gettext(
                "Seseorang (semoga Anda) ingin menerima ringkasan %(frequency)s inovasi baru "
                "untuk pencarian: %(search)s.",
                frequency=frequency,
                search=describe_search(row.search or {}),
            ),
            "",
            gettext("Konfirmasi langganan ini:"),
            confirm,
            "",
            gettext("Bila bukan Anda, abaikan email ini; tidak ada email lain yang akan dikirim."),
        ]
        return mail.send(
            row.email,
            gettext("Konfirmasi langganan pencarian"),
            "\n".join(lines),
            headers={
                "List-Unsubscribe": f"<{unsubscribe}>",
                "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
            },
        )


# --------------------------------------------------------------------------- lifecycle


def send_status_check(innovation: Innovation) -> str | None:
    """Ask the owner whether the innovation still runs: three one-click links."""
    owner = innovation.owner
    if owner is None:
        return None
    with url_context():
        token = lifecycle.make_token(innovation)
        days = int(float(current_app.config["STATUS_LINK_DAYS"]))
        lines = [
            gettext(
                "Apakah inovasi Anda “%(title)s” masih berjalan? Satu klik cukup, tanpa masuk.",
                title=innovation.title,
            ),
            "",
            gettext("Masih berjalan:"),
            link("lifecycle.status_link", token=token, answer="berjalan"),
            gettext("Sudah berhenti:"),
            link("lifecycle.status_link", token=token, answer="berhenti"),
            gettext("Masih berjalan, tetapi sudah berubah:"),
            link("lifecycle.status_link", token=token, answer="berubah"),
            "",
            gettext("Tautan berlaku %(days)s hari dan hanya sekali pakai.", days=days),
        ]
        subject = gettext("Apakah “%(title)s” masih berjalan?", title=innovation.title)
        return mail.send_if_deliverable(owner.email, subject[:200], "\n".join(lines))


def send_status_checks(now: dt.datetime) -> int:
    sent = 0
    for innovation_id in list(lifecycle.due_checks(now)):
        innovation = db.session.get(Innovation, innovation_id)
        if innovation is None or not lifecycle.claim_check(innovation, now):
            continue
        db.session.commit()
        if send_status_check(innovation):
            sent += 1
    return sent


# --------------------------------------------------------------------------- curators


def _new_submissions(now: dt.datetime) -> Section | None:
    rows = db.session.scalars(
        select(Innovation)
        .where(
            Innovation.status.in_(review.OPEN),
            Innovation.submitted_at > now - PERIODS["daily"],
            Innovation.submitted_at <= now,
        )
        .order_by(Innovation.submitted_at)
    ).all()
    if not rows:
        return None
    lines = [f"* {row.title}  {link('curate.view', innovation_id=row.id)}" for row in rows]
    return gettext("Pengajuan baru (24 jam terakhir)"), lines


def _deadlines(now: dt.datetime) -> Section | None:
    soon = now + PERIODS["daily"]
    lines = []
    for row, sla in review.queue(now=now):
        due = sla.due
        if due is None or due > soon:
            continue
        when = (due + WIB).strftime("%d-%m-%Y %H:%M") + " WIB"
        state = gettext("terlambat") if due <= now else gettext("segera")
        lines.append(
            f"* [{state}] {row.title} ({when})  {link('curate.view', innovation_id=row.id)}"
        )
    if not lines:
        return None
    return gettext("Tenggat dekat atau terlewat"), lines


def _reports(now: dt.datetime) -> Section | None:
    items = reports.digest_items(now)
    lines = [
        f"* {state}: {row.title}  {link('reports_desk.curator_report', code=row.tracking_code)}"
        for state, rows in (
            (gettext("baru"), items["new"]),
            (gettext("terlambat"), items["overdue"]),
        )
        for row in rows
    ]
    if not lines:
        return None
    return gettext("Laporan warga baru dan terlambat"), lines


register_curator_section(_new_submissions)
register_curator_section(_deadlines)
register_curator_section(_reports)


def send_curator_digests(now: dt.datetime) -> int:
    sections = [s for provider in CURATOR_SECTIONS if (s := provider(now)) is not None]
    if not sections:
        return 0
    day = (now + WIB).date().isoformat()
    body: list[str] = []
    for heading, lines in sections:
        body += [heading, "-" * len(heading), *lines, ""]
    body.append(link("curate.queue"))
    sent = 0
    curators = db.session.scalars(
        select(User).where(User.role.in_(("curator", "admin")), User.active.is_(True))
    ).all()
    for curator in curators:
        if not notices.claim("curator-digest", f"{curator.id}:{day}"):
            continue
        db.session.commit()
        mail.send(
            curator.email, gettext("Ringkasan harian kurator %(day)s", day=day), "\n".join(body)
        )
        sent += 1
    return sent


def send_replication_notices(now: dt.datetime) -> int:
    """Claims of the last week whose owner was not told yet (the claim's own request failed)."""
    rows = db.session.scalars(
        select(Replication).where(
            Replication.status == "claimed", Replication.created_at > now - PERIODS["weekly"]
        )
    ).all()
    return sum(1 for row in rows if notify.replication_claimed(row))
