"""Shared column types and helpers for the models: UTC timestamps and enums stored by value."""

from __future__ import annotations

import datetime as dt
import enum
from typing import Any, cast

import sqlalchemy as sa
from sqlalchemy.types import TypeDecorator


def utc_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class UTCDateTime(TypeDecorator):
    """A timestamp stored in UTC and always read back as an aware datetime (SQLite drops the zone)."""

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: dt.datetime | None, dialect: Any) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given; use utc_now()")
        return value.astimezone(dt.UTC)

    def process_result_value(self, value: dt.datetime | None, dialect: Any) -> dt.datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value.astimezone(dt.UTC)


def value_enum(enum_class: type[enum.Enum]) -> sa.Enum:
    """An enum column that stores the member's value as a plain string (portable, readable)."""
    return sa.Enum(
        enum_class,
        native_enum=False,
        create_constraint=False,
        length=20,
        values_callable=lambda members: [m.value for m in members],
    )


def table_of(model: type[Any]) -> sa.Table:
    """The Table of a mapped class (declarative classes type `__table__` as any FromClause)."""
    return cast(sa.Table, model.__table__)


def rowcount(result: sa.Result[Any]) -> int:
    """How many rows an UPDATE or DELETE matched: Session.execute gives a CursorResult for them,
    though its type says Result."""
    return cast(sa.CursorResult[Any], result).rowcount
