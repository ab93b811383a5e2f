"""DESIGN 9: one data version, bumped by database triggers on every write by any path."""

import pytest
from django.apps import apps
from django.db import connection

from groups.models import Group
from portal import dataversion
from tests.factories import GroupFactory, UserFactory

pytestmark = pytest.mark.django_db


def model_tables() -> set[str]:
    tables = set()
    for model in apps.get_models(include_auto_created=True):
        if model._meta.managed and not model._meta.proxy:
            tables.add(model._meta.db_table)
    return tables - dataversion.EXCLUDED_TABLES


def test_every_model_table_carries_the_trigger():
    """Fails as soon as a migration adds a table the post_migrate handler did not cover."""
    missing = model_tables() - dataversion.tables_with_trigger()
    assert not missing, f"tables without the data version trigger: {sorted(missing)}"


def test_the_excluded_tables_are_only_sessions_migrations_and_the_version_itself():
    assert {"portal_dataversion", "django_session", "django_migrations"} == dataversion.EXCLUDED_TABLES


def test_orm_create_update_delete_each_bump():
    v0 = dataversion.current()
    group = GroupFactory()
    v1 = dataversion.current()
    assert v1 > v0
    group.name = "Renamed"
    group.save()
    v2 = dataversion.current()
    assert v2 > v1
    Group.objects.filter(pk=group.pk).update(mission_summary="Changed")
    v3 = dataversion.current()
    assert v3 > v2
    group.delete()
    assert dataversion.current() > v3


def test_raw_sql_bumps():
    group = GroupFactory()
    before = dataversion.current()
    with connection.cursor() as cursor:
        cursor.execute("UPDATE groups_group SET name = %s WHERE id = %s", ["By SQL", group.pk])
    assert dataversion.current() > before


def test_many_to_many_and_third_party_tables_bump():
    user = UserFactory()
    before = dataversion.current()
    from django.contrib.auth.models import Group as AuthGroup

    auth_group = AuthGroup.objects.create(name="editors")
    after_create = dataversion.current()
    assert after_create > before
    user.groups.add(auth_group)  # the auto-created m2m table
    assert dataversion.current() > after_create


def test_reading_the_version_is_one_query(django_assert_num_queries):
    with django_assert_num_queries(1):
        dataversion.current()


@pytest.mark.skipif(connection.vendor != "postgresql", reason="statement triggers are PostgreSQL's")
def test_a_bulk_insert_is_one_statement_one_bump():
    before = dataversion.current()
    Group.objects.bulk_create([Group(name=f"Bulk {i}", slug=f"bulk-{i}", kind="wg") for i in range(50)])
    assert dataversion.current() == before + 1


@pytest.mark.skipif(connection.vendor != "postgresql", reason="SQLite has no TRUNCATE")
def test_truncate_bumps():
    before = dataversion.current()
    with connection.cursor() as cursor:
        cursor.execute("TRUNCATE django_admin_log")
    assert dataversion.current() > before


def test_a_table_added_by_a_later_migration_gets_the_trigger():
    """post_migrate re-installs on every table, so a model another app adds later is covered."""
    with connection.cursor() as cursor:
        cursor.execute("CREATE TABLE portal_later_table (id integer PRIMARY KEY, note varchar(20))")
    assert "portal_later_table" not in dataversion.tables_with_trigger()
    dataversion.install_after_migrate(sender=None, using="default")
    assert "portal_later_table" in dataversion.tables_with_trigger()
    before = dataversion.current()
    with connection.cursor() as cursor:
        cursor.execute("INSERT INTO portal_later_table (id, note) VALUES (1, 'x')")
    assert dataversion.current() > before


def test_installing_twice_changes_nothing():
    first = dataversion.tables_with_trigger()
    dataversion.install_triggers()
    assert dataversion.tables_with_trigger() == first


def test_the_version_row_comes_back_after_a_flush_with_a_fresh_number():
    """A flushed test database (TRUNCATE) must not reuse numbers older cache entries were keyed on."""
    before = dataversion.current()
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM portal_dataversion")
    dataversion.install_triggers()
    assert dataversion.current() > before


# --- the version read doubles as the connection health check ---------------------------------------


@pytest.fixture
def unchecked_connection(transactional_db):
    """The default connection as a request finds it when reusing a persistent connection."""
    from django.db import connection

    connection.ensure_connection()
    connection.health_check_enabled, connection.health_check_done = True, False
    yield connection
    connection.health_check_enabled = connection.settings_dict["CONN_HEALTH_CHECKS"]


def test_the_version_read_is_the_health_check_one_round_trip(unchecked_connection, monkeypatch):
    from portal import dataversion

    def no_extra_round_trip():
        raise AssertionError("Django's own SELECT 1 ran")

    monkeypatch.setattr(unchecked_connection, "is_usable", no_extra_round_trip)
    assert dataversion.current() == dataversion.current() > 0
    assert unchecked_connection.health_check_done is True


def test_a_broken_connection_is_replaced_and_the_version_still_read(unchecked_connection):
    from portal import dataversion

    expected = dataversion.current()
    unchecked_connection.health_check_done = False
    unchecked_connection.connection.close()  # the server went away behind Django's back
    assert dataversion.current() == expected
    assert not unchecked_connection.connection.closed
