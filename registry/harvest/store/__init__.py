"""Storing harvested pages: the page store (:mod:`.pages`), grouping posts into candidates
(:mod:`.grouping`), catalogue matching (:mod:`.matching`), the storable values
(:mod:`.values`) and one bulk writer per database dialect (:mod:`.bulk`)."""

from .matching import CatalogueMatcher
from .pages import PageResult, PageStore, PreparedPage, prepare_page
from .values import encode_json

__all__ = [
    "CatalogueMatcher",
    "PageResult",
    "PageStore",
    "PreparedPage",
    "encode_json",
    "prepare_page",
]
