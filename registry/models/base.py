"""What every table module shares: the declarative base and the clock the defaults read."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, ClassVar

from ..extensions import Base, db

if TYPE_CHECKING:
    from sqlalchemy import Table

    class Model(Base):
        """What type checkers see for db.Model, which Flask-SQLAlchemy makes from Base at run
        time (mypy cannot take a base class from an attribute: python/mypy#8603)."""

        __abstract__ = True
        # every table module maps a class to one Table (never to a join or a select)
        __table__: ClassVar[Table]

else:
    Model = db.Model


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)
