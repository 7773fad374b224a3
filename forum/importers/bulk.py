"""Bulk writing for imports: many rows to the driver at once, ids reserved ahead.

An import writes tens of thousands of comments into one transaction. The statement
machinery of SQLAlchemy (and, more so, the ORM) costs more per row than the database
does, so rows go straight to the driver, each value through its column type's own bind
processor, exactly as a Core insert would send it.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager, suppress
from itertools import islice
from typing import Any

from sqlalchemy import Connection, Table, func, select, text
from sqlalchemy.exc import DBAPIError

_PARAMETERS_PER_STATEMENT = 20_000  # PostgreSQL takes at most 65,535 in one statement


def insert_rows(
    connection: Connection,
    table: Table,
    names: Sequence[str],
    rows: Iterable[Sequence[Any]],
    **defaults: Any,
) -> None:
    """Insert rows, each a sequence of values for ``names``, straight to the driver.

    ``defaults`` fill the columns whose Python-side default a Core insert would have
    called (one "now" for the batch); they are processed once. SQLite takes one
    executemany; PostgreSQL (psycopg) one COPY, so its statement-level triggers run once;
    another driver many rows to a statement. The driver's errors are raised as
    SQLAlchemy's, as a Core insert's would be.
    """
    dialect = connection.dialect
    processors = [table.c[name].type._cached_bind_processor(dialect) for name in names]
    fixed = tuple(
        value if process is None else process(value)
        for value, process in zip(
            defaults.values(),
            (table.c[name].type._cached_bind_processor(dialect) for name in defaults),
            strict=True,
        )
    )
    values = _processed(rows, processors, fixed)
    quote = dialect.identifier_preparer
    columns = [*names, *defaults]
    # Identifiers from the model, quoted by the dialect; values go as parameters.
    into = (
        f"INSERT INTO {quote.format_table(table)} "  # noqa: S608
        f"({', '.join(quote.quote(name) for name in columns)}) VALUES "
    )
    cursor = connection.connection.dbapi_connection.cursor()
    statement = into
    try:
        if dialect.paramstyle == "qmark":
            # The driver's own cursor takes the rows as they are made, not all at once.
            statement = into + f"({', '.join(['?'] * len(columns))})"
            cursor.executemany(statement, values)
        elif dialect.driver == "psycopg":
            statement = (
                f"COPY {quote.format_table(table)} "
                f"({', '.join(quote.quote(name) for name in columns)}) FROM STDIN"
            )
            with cursor.copy(statement) as copy:
                for row in values:
                    copy.write_row(row)
        else:
            group = f"({', '.join(['%s'] * len(columns))})"
            per_statement = max(1, _PARAMETERS_PER_STATEMENT // len(columns))
            while batch := list(islice(values, per_statement)):
                statement = into + ", ".join([group] * len(batch))
                cursor.execute(statement, [value for row in batch for value in row])
    except dialect.loaded_dbapi.Error as error:
        raise DBAPIError.instance(
            statement, None, error, dialect.loaded_dbapi.Error, dialect=dialect
        ) from error
    finally:
        cursor.close()


def _processed(
    rows: Iterable[Sequence[Any]], processors: list[Any], fixed: tuple[Any, ...]
) -> Iterator[tuple[Any, ...]]:
    """The rows as the driver takes them: processed values, then the fixed ones.

    Most columns (text, numbers) have no processor: only the others are touched, and a
    value seen before (an enum member, a repeated date) is processed once.
    """
    processed = [(at, process, {}) for at, process in enumerate(processors) if process]
    if not processed:
        for row in rows:
            yield (*row, *fixed)
        return
    for row in rows:
        out = [*row, *fixed]
        for at, process, seen in processed:
            value = out[at]
            try:
                out[at] = seen[value]
            except KeyError:
                out[at] = seen[value] = process(value)
                if len(seen) > 256:
                    seen.clear()  # dates are mostly new: keep only the recent few
            except TypeError:  # not hashable
                out[at] = process(value)
        yield tuple(out)


def allocate_ids(connection: Connection, table: Table, count: int) -> list[int]:
    """Reserve ``count`` ids for new rows of ``table``, so they go in as one batch.

    On SQLite the import holds the write lock from its first statement (the import run
    row), so the next ids are ours; PostgreSQL hands them out from the sequence.
    """
    if count == 0:
        return []
    if connection.dialect.name == "postgresql":
        return list(
            connection.execute(
                text(
                    "SELECT nextval(pg_get_serial_sequence(:table, 'id')) "
                    "FROM generate_series(1, :count)"
                ),
                {"table": table.name, "count": count},
            ).scalars()
        )
    start = connection.execute(select(func.coalesce(func.max(table.c.id), 0))).scalar_one()
    return list(range(start + 1, start + 1 + count))


@contextmanager
def row_trigger_suspended(connection: Connection, name: str) -> Iterator[bool]:
    """On SQLite, drop a row trigger for the duration and create it again after.

    SQLite runs triggers once per row; the thread version trigger on comments, run for
    each of a big import's rows, costs as much as the insert itself. Inside the import's
    transaction the drop is invisible to everyone else and undone by a rollback; the
    trigger is created again from its own stored definition. Yields whether it was
    suspended (a caller then does once what the trigger would have done per row).
    Elsewhere (PostgreSQL's triggers run once per statement) nothing changes.
    """
    if connection.dialect.name != "sqlite":
        yield False
        return
    definition = connection.exec_driver_sql(
        "SELECT sql FROM sqlite_master WHERE type = 'trigger' AND name = ?", (name,)
    ).scalar()
    if definition is None:
        yield False
        return
    connection.exec_driver_sql(f'DROP TRIGGER "{name}"')
    try:
        yield True
    except BaseException:
        # The import fails and rolls back, which restores the trigger anyway; the error
        # that made it fail is the one to report.
        with suppress(Exception):
            connection.exec_driver_sql(definition)
        raise
    connection.exec_driver_sql(definition)
