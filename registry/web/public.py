"""Public pages: home, search, an innovation, statistics, the Atom feed."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, redirect, render_template, url_for

from ..services import catalogue

bp = Blueprint("public", __name__)


@bp.get("/")
def home() -> Any:
    return render_template("home.html")


@bp.get("/innovations/<slug>")
def innovation(slug: str) -> Any:
    row, moved = catalogue.get_by_slug(slug)
    if row is None or row.status != "published":
        abort(404)
    if moved:
        return redirect(url_for("public.innovation", slug=row.slug), code=301)
    return render_template("innovation.html", innovation=row)
