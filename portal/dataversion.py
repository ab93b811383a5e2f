"""The data version: one number that changes whenever any portal data changes (DESIGN 9).

Database triggers keep it, so no write path can forget it: views, services, the admin, importers,
sweeps, migrations and raw SQL all bump it the same way.

- PostgreSQL: `portal_bump_data_version()` runs AFTER INSERT/UPDATE/DELETE/TRUNCATE FOR EACH
  STATEMENT on every table (a bulk insert of 100,000 rows bumps it once). The bump is an UPDATE of
  one row, so it becomes visible exactly when the writing transaction commits, together with the
  data: a reader that sees version N sees at least the data of N. (A sequence would not do:
  `nextval` is visible before the commit, so a page could be cached under the new number with the
  old data.) Writers serialize on that row from their first write to their commit; the portal's
  write transactions are short.
- SQLite (development) has no statement triggers: one row trigger per table and operation.

Tables that later migrations add get their triggers from the `post_migrate` handler
(`install_triggers`, idempotent), and `tests/portal/test_data_version.py` fails if any model table
lacks one. Excluded, on purpose:
- `django_session`: a session row changes at every sign-in and carries no page content (who is
  signed in is part of every cache key already; a page carrying messages is never cached);
- the version table itself (a trigger there would bump forever);
- `django_migrations`: not data; a migration that changes data bumps through the tables it writes.

Reading the version costs one single-row primary-key query, done once per request.
"""

import hashlib
import time
from contextvars import ContextVar
from functools import cache
from pathlib import Path

from django.conf import settings
from django.core.cache import caches
from django.db import DEFAULT_DB_ALIAS, connections

TABLE = "portal_dataversion"
EXCLUDED_TABLES = frozenset({TABLE, "django_session", "django_migrations"})
FUNCTION = "portal_bump_data_version"
TRIGGER = "portal_data_version"  # PostgreSQL: per table; SQLite: prefix, names are global there

# A fresh row starts at the current time in microseconds, so a version table that was emptied
# (a test database flushed with TRUNCATE) never reuses a number an older cache entry was keyed on.
_PG_FUNCTION = """
CREATE OR REPLACE FUNCTION portal_bump_data_version() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE portal_dataversion SET value = value + 1 WHERE id = 1;
    IF NOT FOUND THEN
        INSERT INTO portal_dataversion (id, value)
        VALUES (1, (extract(epoch FROM clock_timestamp()) * 1000000)::bigint)
        ON CONFLICT (id) DO UPDATE SET value = portal_dataversion.value + 1;
    END IF;
    RETURN NULL;
END
$$;
"""
_PG_SEED = """
INSERT INTO portal_dataversion (id, value) VALUES (1, (extract(epoch FROM clock_timestamp()) * 1000000)::bigint)
ON CONFLICT (id) DO NOTHING
"""
_SQLITE_SEED = """
INSERT OR IGNORE INTO portal_dataversion (id, value)
VALUES (1, CAST((julianday('now') - 2440587.5) * 86400000000 AS INTEGER))
"""


_READ = "SELECT value FROM portal_dataversion WHERE id = 1"


def current(using: str = DEFAULT_DB_ALIAS) -> int:
    """The current data version: one primary-key read, no ORM (it runs on every request).

    It is usually a request's first query, so it doubles as the health check Django runs before
    reusing a persistent connection (CONN_HEALTH_CHECKS: a `SELECT 1` round trip of its own): on a
    connection not yet checked in this request, the read goes straight to the driver; if it works,
    the connection is marked checked; if the connection is broken, it is closed and the read runs
    again on a fresh one, exactly as the health check would have done. One round trip, not two.
    """
    conn = connections[using]
    raw = conn.connection
    if raw is not None and conn.health_check_enabled and not conn.health_check_done and not conn.in_atomic_block:
        try:
            with raw.cursor() as cursor:
                cursor.execute(_READ)
                row = cursor.fetchone()
        except conn.Database.Error:
            conn.close()  # then the read below reconnects
        else:
            conn.health_check_done = True
            return row[0] if row else 0
    with conn.cursor() as cursor:
        cursor.execute(_READ)
        row = cursor.fetchone()
    return row[0] if row else 0


def for_request(request) -> int:
    """The data version for this request, read once however many layers ask (auth, response
    cache, feeds)."""
    version = getattr(request, "data_version", None)
    if version is None:
        # a session just read from the database carried it along (portal.sessions)
        version = getattr(getattr(request, "session", None), "data_version", None)
        if version is None:
            version = current()
        request.data_version = version
    return version


@cache
def code_version() -> str:
    """A digest of the code and templates this process runs (names, sizes, modification times):
    a release starts with new cache keys, so no page rendered by the old code is replayed."""
    base = Path(settings.BASE_DIR)
    digest = hashlib.sha256()
    roots = [p for p in base.iterdir() if (p / "__init__.py").exists()] + [base / "templates", base / "static"]
    for root in sorted(roots):
        for path in sorted(root.rglob("*")):
            if path.is_file() and path.suffix in (".py", ".html", ".txt", ".css", ".js", ".svg"):
                st = path.stat()
                digest.update(f"{path.relative_to(base)}:{st.st_size}:{st.st_mtime_ns};".encode())
    return digest.hexdigest()[:12]


def cache_key(request) -> str:
    """The version as a cache-key part, with the database's name (two databases sharing one Redis,
    as parallel test runs or a bench database do, never meet) and the code version."""
    return f"{connections[DEFAULT_DB_ALIAS].settings_dict['NAME']}:{code_version()}:{for_request(request)}"


# The request being served (set by portal.response_cache.ResponseCacheMiddleware), so code far
# from the view (a form's choices) can memoize per data version without being handed the request.
current_request: ContextVar = ContextVar("portal_current_request", default=None)


def bucket() -> int:
    """The current minute (settings.RESPONSE_CACHE["BUCKET_SECONDS"]): part of every key whose value
    depends on the clock (the response cache, fragments, memos of "upcoming" or "overdue")."""
    return int(time.time() // settings.RESPONSE_CACHE.get("BUCKET_SECONDS", 60))


def memo(name: str, build, timeout: int = 3600):
    """`build()` once per data version: for values many pages repeat (filter choices, counts).
    Outside a request (commands, tasks), and in a POST (which reads after its own write, while the
    request's version was read before it), it just calls `build()`."""
    request = current_request.get()
    if request is None or request.method not in ("GET", "HEAD"):
        return build()  # a POST reads after its own write; its request's version predates it
    key = f"memo:{cache_key(request)}:{name}"
    store = versioned_cache()
    value = store.get(key)
    if value is None:
        value = build()
        store.set(key, value, timeout=timeout)
    return value


def versioned_cache():
    """The cache for entries keyed on the data version: `template_fragments` (this process's memory,
    then Redis: portal.cache.NearCache) when configured, else the default cache."""
    return caches["template_fragments"] if "template_fragments" in settings.CACHES else caches["default"]


def tables_to_watch(connection) -> list[str]:
    """Every table in the database except the excluded ones: tables of installed models, their
    many-to-many tables, and whatever a later migration adds."""
    with connection.cursor() as cursor:
        names = connection.introspection.table_names(cursor, include_views=False)
    return sorted(n for n in names if n not in EXCLUDED_TABLES and not n.startswith("sqlite_"))


def _sqlite_trigger_name(table: str, op: str) -> str:
    return f"{TRIGGER}_{table}_{op.lower()}"


def install_triggers(using: str = DEFAULT_DB_ALIAS) -> list[str]:
    """(Re)install the bump trigger on every watched table; safe to run any number of times.
    Returns the tables covered."""
    connection = connections[using]
    with connection.cursor() as cursor:
        if TABLE not in connection.introspection.table_names(cursor):
            return []  # migrating backwards past 0003
        tables = tables_to_watch(connection)
        qn = connection.ops.quote_name
        if connection.vendor == "postgresql":
            cursor.execute(_PG_FUNCTION)
            cursor.execute(_PG_SEED)
            for table in tables:
                cursor.execute(
                    f"CREATE OR REPLACE TRIGGER {TRIGGER} AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE "
                    f"ON {qn(table)} FOR EACH STATEMENT EXECUTE FUNCTION {FUNCTION}()"
                )
        elif connection.vendor == "sqlite":
            cursor.execute(_SQLITE_SEED)
            body = "UPDATE portal_dataversion SET value = value + 1 WHERE id = 1"
            for table in tables:
                for op in ("INSERT", "UPDATE", "DELETE"):
                    name = qn(_sqlite_trigger_name(table, op))
                    cursor.execute(f"CREATE TRIGGER IF NOT EXISTS {name} AFTER {op} ON {qn(table)} BEGIN {body}; END")
        else:  # pragma: no cover - the portal runs on PostgreSQL or SQLite
            raise NotImplementedError(f"data version triggers for {connection.vendor}")
    return tables


def tables_with_trigger(using: str = DEFAULT_DB_ALIAS) -> set[str]:
    """Tables that carry the bump trigger (for the test that no table is forgotten)."""
    connection = connections[using]
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT c.relname FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid "
                "JOIN pg_namespace n ON n.oid = c.relnamespace "
                "WHERE t.tgname = %s AND n.nspname = current_schema() "
                "AND t.tgtype & 1 = 0 AND t.tgtype & 60 = 60",  # FOR EACH STATEMENT; INSERT, DELETE, UPDATE, TRUNCATE
                [TRIGGER],
            )
            return {r[0] for r in cursor.fetchall()}
        cursor.execute(
            "SELECT tbl_name, name FROM sqlite_master WHERE type = 'trigger' AND name LIKE %s", [TRIGGER + "%"]
        )
        found: dict[str, set[str]] = {}
        for table, name in cursor.fetchall():
            found.setdefault(table, set()).add(name)
        return {
            t
            for t, names in found.items()
            if {_sqlite_trigger_name(t, op) for op in ("INSERT", "UPDATE", "DELETE")} <= names
        }


def install_after_migrate(sender, using=DEFAULT_DB_ALIAS, **kwargs):
    """post_migrate: tables created by any later migration (or re-created by a test flush) get the
    trigger, and the version row exists again after a flush."""
    install_triggers(using)
