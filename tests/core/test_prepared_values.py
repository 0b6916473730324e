"""``core.prepared.PreparedRows``: a ``values_list`` query read on every page
(the user's grants, ``organisation.permissions.scope_of``) compiled once per
connection, its stand-ins replaced by the arguments: the same rows as the
ORM's, on both databases, and on PostgreSQL prepared on the server."""
from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests import factories
from workflows.core import clock
from workflows.core.prepared import PreparedRows
from workflows.organisation import permissions
from workflows.organisation.models import Profile, Unit

pytestmark = pytest.mark.django_db


def _units_from(depth: int, created_before: dt.date):
    return (Unit.objects.filter(depth__gte=depth, created_at__date__lt=created_before)
            .order_by("path").values_list("name", "depth"))


def test_the_rows_are_the_orm_s_for_each_argument_and_the_query_is_built_once(world):
    built = []

    def queryset_for(depth, day):
        built.append((depth, day))
        return _units_from(depth, day)

    prepared = PreparedRows(queryset_for, 9_876_543, dt.date(1901, 2, 3))
    tomorrow = clock.today() + dt.timedelta(days=1)

    every = prepared.rows(world.province.depth, tomorrow)
    districts = prepared.rows(world.district.depth, tomorrow)
    nothing = prepared.rows(world.province.depth, dt.date(2000, 1, 1))

    assert every == list(_units_from(world.province.depth, tomorrow))
    assert {name for name, _depth in every} == {world.province.name, world.district.name, world.other_district.name}
    assert sorted(districts) == sorted([(world.district.name, world.district.depth),
                                        (world.other_district.name, world.other_district.depth)])
    assert nothing == []
    assert built == [(9_876_543, dt.date(1901, 2, 3))]  # compiled once, with the stand-ins


def test_a_stand_in_missing_from_the_query_is_refused():
    # a lookup that changes its value on the way other than startswith (a LIKE pattern) cannot take one
    prepared = PreparedRows(lambda path: Unit.objects.filter(path__contains=path).values_list("name"), "§path")
    with pytest.raises(ValueError, match="§path"):
        prepared.rows("0001")


def test_a_startswith_takes_its_pattern_and_an_exact_lookup_its_value(world):
    prepared = PreparedRows(lambda path, name: Unit.objects.filter(path__startswith=path).exclude(name=name)
                            .order_by("path").values_list("name"), "§path§", "§name§")

    under_the_province = prepared.rows(world.province.path, world.province.name)
    under_the_district = prepared.rows(world.district.path, "")

    assert under_the_province == [(world.district.name,), (world.other_district.name,)]  # in path order
    assert under_the_district == [(world.district.name,)]


def test_the_grants_are_read_by_the_prepared_query_and_follow_every_change(world):
    # given the supervisor of the district, then a role on the other district, then access ended yesterday
    before = permissions.scope_of(world.supervisor, fresh=True)
    factories.grant(world.other_district, world.supervisor, "manager", actor=world.admin)
    added = permissions.scope_of(world.supervisor, fresh=True)
    Profile.objects.update_or_create(user=world.supervisor,
                                     defaults={"access_until": clock.today() - dt.timedelta(days=1)})
    ended = permissions.scope_of(world.supervisor, fresh=True)

    assert before.supervised == (world.district.path,) and before.overseen == (world.district.path,)
    assert added.overseen == tuple(sorted((world.district.path, world.other_district.path)))
    assert ended.is_empty and ended.supervised == ()
    # an officer's grant: their working group
    officer = permissions.scope_of(world.officer, fresh=True)
    assert officer.groups == frozenset({world.group.pk}) and officer.officer_units == frozenset({world.district.path})


@pytest.mark.postgres
def test_on_postgresql_the_grants_query_is_prepared_on_the_server_once(world):
    permissions.scope_of(world.manager, fresh=True)
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_prepared_statements WHERE statement LIKE %s",
                       ["%organisation_unituserobjectpermission%UNION ALL%"])
        (prepared_once,) = cursor.fetchone()
    with CaptureQueriesContext(connection) as captured:
        permissions.scope_of(world.supervisor, fresh=True)
        permissions.scope_of(world.officer, fresh=True)
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_prepared_statements WHERE statement LIKE %s",
                       ["%organisation_unituserobjectpermission%UNION ALL%"])
        (prepared_after,) = cursor.fetchone()

    assert prepared_once == prepared_after == 1
    assert len(captured.captured_queries) == 2  # one statement each, logged as any other
