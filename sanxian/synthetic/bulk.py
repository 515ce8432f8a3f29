"""Bulk inserts for the synthetic data: rows as plain values, primary keys assigned at
write time.

The generator writes millions of rows, so it builds no model instances. ``Rows`` collects
a neighborhood's rows without touching the database: a row is a dict of attribute names
(``household_id``, not ``household``) turned into a tuple in column order, with the
columns, their defaults and the conversions some types need taken from the model's
``_meta`` (a field added to a model later is filled from its default). Keys are *local*:
``new_id`` numbers each model's rows 1, 2, 3 …, and foreign keys hold those numbers; a
reference to a row that exists already (the sub-district, an appeal category) is written
as its key negated. ``Rows`` pickles, so neighborhoods can be built in worker processes.

``Writer.write`` then takes as many keys of each table as the rows need — on SQLite from
the table's maximum (the generator's transaction holds the write lock), on PostgreSQL
from the table's own sequence (safe next to other writers) — rewrites the local keys and
writes the rows in chunks, ``executemany`` on SQLite and ``COPY`` on PostgreSQL, inside
the caller's transaction. Foreign keys are checked at commit (Django creates them
deferrable), so the order of the tables does not matter.
"""

from __future__ import annotations

import time
from collections import Counter, defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from operator import itemgetter
from typing import Any

from django.apps import apps
from django.db import DEFAULT_DB_ALIAS, connections, models
from django.db.models.fields import AutoFieldMixin

Row = dict[str, Any]

# Field types whose Python values the drivers take as they are.
_PLAIN = (
    models.CharField,
    models.TextField,
    models.IntegerField,
    models.BooleanField,
    models.FloatField,
    AutoFieldMixin,
)
CHUNK = 5000
_MISSING = object()


class MissingValue(ValueError):
    """A row lacks a value for a required column (a new field without a default)."""


@dataclass(frozen=True)
class _Column:
    attname: str
    column: str
    convert: Callable[[Any], Any] | None
    default: Callable[[], Any] | None
    # The model a foreign key points at (its label), for rewriting local keys.
    target: str | None


class _Table:
    """How rows of one model are turned into tuples and written."""

    def __init__(self, model: type[models.Model], using: str) -> None:
        connection = connections[using]
        self.name = model._meta.db_table
        self.label = model._meta.label
        pk = model._meta.pk
        assert pk is not None
        self.pk_attname = pk.attname
        self.pk_column = pk.column
        columns = []
        for f in model._meta.concrete_fields:
            target_field = f.target_field if f.is_relation else f  # type: ignore[attr-defined]
            convert = None
            if not isinstance(target_field, _PLAIN):
                convert = _converter(target_field, connection)
            default: Callable[[], Any] | None = None
            if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False):
                default = _stamp
            elif f.has_default() or (f.empty_strings_allowed and not f.null):
                default = f.get_default
            elif f.null:

                def default() -> None:
                    return None

            related = f.related_model if f.is_relation else None
            columns.append(
                _Column(
                    attname=f.attname,
                    column=f.column,
                    convert=convert,
                    default=default,
                    target=related._meta.label if isinstance(related, type) else None,
                )
            )
        self.columns = tuple(columns)
        self.pk_index = next(i for i, c in enumerate(columns) if c.attname == self.pk_attname)
        q = connection.ops.quote_name
        # Identifiers come from the model's _meta, quoted; values are always parameters.
        names = ", ".join(q(c.column) for c in self.columns)
        marks = ", ".join(["%s"] * len(columns))
        self.insert_sql = f"INSERT INTO {q(self.name)} ({names}) VALUES ({marks})"  # noqa: S608  # nosec B608
        self.copy_sql = f"COPY {q(self.name)} ({names}) FROM STDIN"
        # Defaults: constant ones merged under every row; the others (the time of the
        # data, callables) computed for the rows that lack the column.
        self._constant: dict[str, Any] = {}
        self._computed: list[tuple[str, Callable[[], Any]]] = []
        for f, c in zip(model._meta.concrete_fields, self.columns, strict=True):
            if c.default is None or c.attname == self.pk_attname:
                continue
            if c.default is _stamp or (f.has_default() and callable(f.default)):
                self._computed.append((c.attname, c.default))
            else:
                self._constant[c.attname] = c.default()
        self._getter = itemgetter(*(c.attname for c in self.columns))
        self._converters = tuple((i, c.convert) for i, c in enumerate(self.columns) if c.convert)

    def values(self, row: Row, stamp: datetime) -> tuple[Any, ...]:
        """The row's values in column order; a missing auto_now(_add) value is ``stamp``."""
        for attname, default in self._computed:
            if attname not in row:
                row[attname] = stamp if default is _stamp else default()
        try:
            values = self._getter({**self._constant, **row})
        except KeyError as exc:
            raise MissingValue(f"{self.label}.{exc.args[0]} needs a value") from None
        if not self._converters:
            return values
        out = list(values)
        for i, convert in self._converters:
            value = out[i]
            if value is not None:
                out[i] = convert(value)
        return tuple(out)

    def column_index(self, attname: str) -> int:
        return next(i for i, c in enumerate(self.columns) if c.attname == attname)


def _converter(field: models.Field, connection: Any) -> Callable[[Any], Any] | None:
    """How a value of ``field`` is written: what Django's ``get_db_prep_save`` does, with a
    shortcut for dates and datetimes (most of the values written)."""
    if isinstance(field, models.DateTimeField):
        if connection.vendor == "postgresql":
            return None  # psycopg writes aware datetimes as they are
        if connection.vendor == "sqlite":
            tz = connection.timezone

            def naive_text(value: datetime) -> str:
                # as DatabaseOperations.adapt_datetimefield_value: naive in the database's
                # time zone, as text
                return str(value.astimezone(tz).replace(tzinfo=None))

            return naive_text
    elif isinstance(field, models.DateField) and connection.vendor in ("sqlite", "postgresql"):
        return None if connection.vendor == "postgresql" else date.isoformat

    def convert(value: Any) -> Any:
        return field.get_db_prep_save(value, connection)

    return convert


def _stamp() -> None:
    """Marks the default of auto_now(_add) fields: the time of the data (``Rows.stamp``)."""


_tables: dict[tuple[type[models.Model], str], _Table] = {}


def table_of(model: type[models.Model], using: str = DEFAULT_DB_ALIAS) -> _Table:
    table = _tables.get((model, using))
    if table is None:
        table = _tables[(model, using)] = _Table(model, using)
    return table


class Rows:
    """The rows of one unit of work, with local keys; no database access."""

    def __init__(self, *, stamp: datetime, using: str = DEFAULT_DB_ALIAS) -> None:
        self.stamp = stamp
        self.using = using
        self.taken: Counter[str] = Counter()  # local keys handed out, by model label
        self.tuples: dict[str, list[tuple[Any, ...]]] = {}

    def new_id(self, model: type[models.Model]) -> int:
        label = model._meta.label
        self.taken[label] += 1
        return self.taken[label]

    def add(self, model: type[models.Model], row: Row) -> int:
        """Add ``row`` (with its local key, or a new one); returns the local key."""
        table = table_of(model, self.using)
        pk = row.get(table.pk_attname)
        if pk is None:
            taken = self.taken[table.label] + 1
            pk = row[table.pk_attname] = self.taken[table.label] = taken
        rows = self.tuples.get(table.label)
        if rows is None:
            rows = self.tuples[table.label] = []
        rows.append(table.values(row, self.stamp))
        return pk

    def count(self) -> int:
        return sum(len(rows) for rows in self.tuples.values())


class Keys:
    """The keys given to one ``Rows``: local key → database key, by model."""

    def __init__(self, keys: dict[str, Sequence[int]]) -> None:
        self.keys = keys

    def of(self, model: type[models.Model], local: int) -> int:
        if local < 0:
            return -local
        return self.keys[model._meta.label][local - 1]


class Writer:
    """Writes ``Rows`` into the database inside the caller's transaction; counts rows and
    seconds per table."""

    def __init__(self, *, using: str = DEFAULT_DB_ALIAS, chunk: int = CHUNK) -> None:
        self.using = using
        self.chunk = chunk
        self.vendor = connections[using].vendor
        self.rows: Counter[str] = Counter()
        self.seconds: defaultdict[str, float] = defaultdict(float)
        self._sequences: dict[str, str] = {}

    def write(self, rows: Rows) -> Keys:
        keys = Keys({label: self._reserve(label, n) for label, n in rows.taken.items() if n})
        for label, tuples in rows.tuples.items():
            table = table_of(apps.get_model(label), self.using)
            remap = [
                (i, keys.keys[label if i == table.pk_index else str(c.target)])
                for i, c in enumerate(table.columns)
                if i == table.pk_index or c.target in keys.keys
            ]
            began = time.perf_counter()
            for start in range(0, len(tuples), self.chunk):
                chunk = [_rekey(values, remap) for values in tuples[start : start + self.chunk]]
                self._insert(table, chunk)
            self.seconds[label] += time.perf_counter() - began
            self.rows[label] += len(tuples)
        return keys

    def _insert(self, table: _Table, chunk: list[tuple[Any, ...]]) -> None:
        with connections[self.using].cursor() as cursor:
            if self.vendor == "postgresql":
                with cursor.cursor.copy(table.copy_sql) as copy:
                    for values in chunk:
                        copy.write_row(values)
            else:
                cursor.executemany(table.insert_sql, chunk)

    def _reserve(self, label: str, n: int) -> Sequence[int]:
        """``n`` unused keys of the table: a range on SQLite, a list from the sequence on
        PostgreSQL."""
        connection = connections[self.using]
        table = table_of(apps.get_model(label), self.using)
        q = connection.ops.quote_name
        with connection.cursor() as cursor:
            if self.vendor == "postgresql":
                sequence = self._sequences.get(label)
                if sequence is None:
                    cursor.execute(
                        "SELECT pg_get_serial_sequence(%s, %s)", [q(table.name), table.pk_column]
                    )
                    sequence = self._sequences[label] = cursor.fetchone()[0]
                cursor.execute(
                    "SELECT array_agg(v ORDER BY v) FROM ("
                    " SELECT nextval(%s::regclass) AS v FROM generate_series(1, %s)) AS s",
                    [sequence, n],
                )
                return list(cursor.fetchone()[0])
            highest_sql = f"SELECT MAX({q(table.pk_column)}) FROM {q(table.name)}"  # noqa: S608  # nosec B608
            cursor.execute(highest_sql)
            highest = cursor.fetchone()[0] or 0
            cursor.execute("SELECT seq FROM sqlite_sequence WHERE name = %s", [table.name])
            row = cursor.fetchone()
        first = max(highest, row[0] if row else 0) + 1
        return range(first, first + n)


def _rekey(values: tuple[Any, ...], remap: list[tuple[int, Sequence[int]]]) -> tuple[Any, ...]:
    out = list(values)
    for i, keys in remap:
        v = out[i]
        if v is not None:
            out[i] = keys[v - 1] if v > 0 else -v
    return tuple(out)


__all__ = ["Keys", "MissingValue", "Row", "Rows", "Writer", "table_of"]
