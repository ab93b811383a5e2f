"""How the portal's database connections are set up (#14: cheaper misses)."""

from django.db import connection


def test_14_postgres_jit_is_off_on_every_portal_connection(db):
    """PostgreSQL's JIT compiled the health page's per-group query for 325 ms (it then ran in 15 ms):
    JIT starts on the *estimated* cost, which joins over 100,000 meetings pass. Portal queries are
    short, so every connection turns it off."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SHOW jit")
            assert cursor.fetchone()[0] == "off"
            assert "-c jit=off" in connection.settings_dict["OPTIONS"]["options"]
        else:  # SQLite (make run without services) has no JIT and no such option
            assert "options" not in connection.settings_dict.get("OPTIONS", {})
