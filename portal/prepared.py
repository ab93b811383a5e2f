"""Build and compile a query once per process, run it many times with new parameter values (issue #14).

A query of many correlated subqueries (the dashboard's facts: a dozen EXISTS and COUNTs) costs
milliseconds of Python to build, resolve and compile, while the database answers it in a tenth of
that. `first_row(shape, build, **values)`:

- the first time a `shape` is seen, calls `build(**sentinels)` with a stand-in for each value (an
  integer, string or datetime no real row holds), compiles the queryset, and finds where each
  stand-in landed among the SQL parameters;
- from then on runs the stored SQL with the real values put in those places: no ORM work at all.

`shape` must name everything that changes the SQL other than the values (which annotations, which
branches); the values are passed to the database exactly as the ORM would pass them, because a
stand-in is kept only when it reached the parameters unchanged (same type, equal), at least once. Anything else (a lookup that rewrites its value, a backend that adapts datetimes to text,
as SQLite does) falls back to building and compiling on every call: slower, never wrong. So does a
query holding a date or time that was not passed as a value: `build` calling `timezone.now()`
itself would otherwise freeze that moment into the stored SQL.

Only for `.values(...)` querysets; the row comes back as a dict of the selected names, each column
converted as the ORM converts it.
"""

import datetime
import itertools

from django.db import DEFAULT_DB_ALIAS, connections

_compiled: dict = {}  # (database alias, shape) -> (sql, params, {position: name}, names, converters) or None
_MAX_SHAPES = 256
_counter = itertools.count(1)


def _stand_in(value, n: int):
    if isinstance(value, bool) or value is None:
        raise TypeError("booleans and None change a query's shape: put them in `shape`")
    if isinstance(value, int):
        return -(7_301_000_000_000 + n)
    if isinstance(value, str):
        return f"~prepared-stand-in-{n}~"
    if isinstance(value, datetime.datetime):
        return datetime.datetime(1901, 2, 3, 4, 5, 6, n % 1_000_000, tzinfo=value.tzinfo)
    raise TypeError(f"no stand-in for {type(value).__name__}")


def _row(queryset) -> dict:
    return queryset.first() or {}


def _compile(shape, build, values: dict, using: str):
    stand_ins = {name: _stand_in(value, next(_counter)) for name, value in values.items()}
    queryset = build(**stand_ins)
    names = list(queryset.query.values_select) + list(queryset.query.annotation_select)
    query = queryset.query.chain()
    query.clear_ordering(force=True)
    query.set_limits(high=1)
    compiler = query.get_compiler(using)
    sql, params = compiler.as_sql()
    places: dict[int, str] = {}
    for name, stand_in in stand_ins.items():
        found = [i for i, p in enumerate(params) if type(p) is type(stand_in) and p == stand_in]
        if not found:
            return None
        places.update(dict.fromkeys(found, name))
    if any(isinstance(p, datetime.datetime | datetime.date) and i not in places for i, p in enumerate(params)):
        return None  # a moment computed inside `build` (timezone.now()) would be frozen into the SQL
    if query.extra_select or len(compiler.select) != len(names):
        return None
    converters = compiler.get_converters([column[0] for column in compiler.select])  # {index: (fns, expr)}
    return sql, tuple(params), places, names, converters


def first_row(shape, build, *, using: str = DEFAULT_DB_ALIAS, **values) -> dict:
    """The first row of `build(**values)` (a `.values()` queryset) as a dict, {} when there is none."""
    key = (using, shape)
    entry = _compiled.get(key, False)
    if entry is False:
        entry = _compile(shape, build, values, using)
        if len(_compiled) >= _MAX_SHAPES:
            _compiled.clear()
        _compiled[key] = entry
    if entry is None:
        return _row(build(**values))
    sql, params, places, names, converters = entry
    params = [values[places[i]] if i in places else p for i, p in enumerate(params)]
    connection = connections[using]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        row = cursor.fetchone()
    if row is None:
        return {}
    row = list(row)
    for i, (functions, expression) in converters.items():  # as the ORM converts them (ints, booleans)
        for convert in functions:
            row[i] = convert(row[i], expression, connection)
    return dict(zip(names, row, strict=True))
