"""The curator inbox: list and filter harvested candidates, decide on them, learn from it.

Every decision (approve, reject with a reason, merge) is recorded as a CandidateDecision with
who, when and why, and the training label it gives the classifier. After RETRAIN_AFTER new
labels since the last training, the edge calls :func:`maybe_retrain` after its commit and the
job ``classify.retrain`` trains a new model on the seed set plus :func:`training_rows` and
activates it.

- :mod:`.inbox`: the list (filters, sorts) and a candidate as the API shows it; its order read
  from indexes as keyset streams in :mod:`.listing`, its count bounded in :mod:`.counting`;
- :mod:`.decisions`: approve, reject, merge, reopen, and bulk :func:`decide`;
- :mod:`.drafts`: the draft innovation an approval prefills;
- :mod:`.training`: training rows, the retraining state and the ``classify.retrain`` job (on a
  worker, or in a background thread through :func:`registry.jobs.start` without a broker).
"""

from __future__ import annotations

from .counting import COUNT_BOUND
from .decisions import (
    DECISIONS,
    MAX_ITEMS,
    MAX_NOTE,
    MERGEABLE_INNOVATION_STATUSES,
    REJECT_LABELS,
    REJECT_REASONS,
    Forbidden,
    ItemError,
    approve,
    decide,
    merge_into_candidate,
    merge_into_innovation,
    reject,
    reopen,
)
from .drafts import draft_data
from .inbox import (
    MAX_PAGE_OFFSET,
    MAX_QUERY_CHARS,
    PLATFORMS,
    SORTS,
    STATUSES,
    CandidatePage,
    InboxParams,
    candidate_record,
    explain_terms,
    innovations_by_id,
    list_candidates,
    list_page,
    predicted_region,
    source_id,
)
from .listing import decode_cursor
from .training import (
    maybe_retrain,
    new_labels_since_training,
    read_state,
    retrain,
    training_rows,
    wait_for_retrain,
)

__all__ = [
    "COUNT_BOUND",
    "DECISIONS",
    "MAX_ITEMS",
    "MAX_NOTE",
    "MAX_PAGE_OFFSET",
    "MAX_QUERY_CHARS",
    "MERGEABLE_INNOVATION_STATUSES",
    "PLATFORMS",
    "REJECT_LABELS",
    "REJECT_REASONS",
    "SORTS",
    "STATUSES",
    "CandidatePage",
    "Forbidden",
    "InboxParams",
    "ItemError",
    "approve",
    "candidate_record",
    "decide",
    "decode_cursor",
    "draft_data",
    "explain_terms",
    "innovations_by_id",
    "list_candidates",
    "list_page",
    "maybe_retrain",
    "merge_into_candidate",
    "merge_into_innovation",
    "new_labels_since_training",
    "predicted_region",
    "read_state",
    "reject",
    "reopen",
    "retrain",
    "source_id",
    "training_rows",
    "wait_for_retrain",
]
