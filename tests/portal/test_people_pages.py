"""P1, P3: `/people/maintainers/` and a person's page: roles with dates, GitHub, groups; query budgets."""

from datetime import UTC, datetime, timedelta

import pytest
from django.utils.html import escape
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from groups.models import Tier
from portal.models import Role, RoleArea, RoleKind
from tests.factories import GroupFactory, MembershipFactory, PlaceholderFactory, UnverifiedUserFactory, UserFactory
from tests.github_signin import github_sign_in
from tests.html import find_all, text

pytestmark = pytest.mark.django_db

T0 = datetime(2025, 1, 10, 12, 0, tzinfo=UTC)
T1 = datetime(2026, 2, 20, 12, 0, tzinfo=UTC)


def role(person, kind=RoleKind.CORE_MAINTAINER, area=RoleArea.ORG, scope="", **kw):
    kw.setdefault("started_at", T0)
    return Role.objects.create(person=person, kind=kind, area=area, scope=scope, source="MAINTAINERS.md", **kw)


def section(body, heading_id):
    return [text(li) for li in find_all(body, "li", within=heading_id, class_="person-line")]


@pytest.fixture
def ladder():
    lead = UserFactory(display_name="Lia Lead", github="lia-lead")
    core = UserFactory(display_name="Cem Core", github="cem-core")
    sdk = PlaceholderFactory(display_name="Sid Sdk", github="sid-sdk")
    mod = UserFactory(display_name="Moe Mod", github="moe-mod")
    grp = UserFactory(display_name="Gil Group", github="gil-group")
    emer = UserFactory(display_name="Eve Emeritus", github="eve-emeritus")
    gone = UserFactory(display_name="Gus Gone", github="gus-gone")
    role(lead, RoleKind.LEAD_MAINTAINER)
    role(core)
    role(sdk, RoleKind.MAINTAINER, RoleArea.SDK, "Go SDK")
    role(mod, RoleKind.MODERATOR, RoleArea.COMMUNITY)
    role(grp, RoleKind.MAINTAINER, RoleArea.GROUP, "Caching Working Group", product="Acme Client")
    role(emer, emeritus=True, note="Co-Inventor", started_at=T1)
    role(gone, ended_at=T1)
    group = GroupFactory(name="Caching Working Group", slug="caching")
    MembershipFactory(group=group, user=core, tier=Tier.LEAD)
    return {"lead": lead, "core": core, "sdk": sdk, "group": group, "gone": gone, "emer": emer}


# --- /people/maintainers/ -------------------------------------------------------------------------


def test_p1_maintainers_page_lists_each_section(client, ladder):
    body = client.get("/people/maintainers/").content.decode()
    assert section(body, "leads-h")[0].startswith("Lia Lead @lia-lead")
    assert section(body, "cores-h")[0].startswith("Cem Core @cem-core")
    assert "Sid Sdk" in section(body, "sdks-h")[0]
    assert "Moe Mod" in section(body, "moderators-h")[0]
    assert "Gil Group" in section(body, "groups-h")[0]
    assert "Eve Emeritus" in section(body, "emeritus-h")[0]


def test_p1_maintainers_page_shows_scopes_products_and_links_groups(client, ladder):
    body = client.get("/people/maintainers/").content.decode()
    assert [text(h) for h in find_all(body, "h3", within="sdks-h")] == ["Go SDK"]
    group_heading_links = find_all(body, "a", within="groups-h", href="/groups/caching/")
    assert [text(a) for a in group_heading_links] == ["Caching Working Group"]
    assert "Acme Client" in section(body, "groups-h")[0]


def test_p1_maintainers_page_shows_github_links_and_the_persons_groups(client, ladder):
    body = client.get("/people/maintainers/").content.decode()
    assert find_all(body, "a", within="cores-h", href="https://github.com/cem-core")
    assert "Groups: Caching Working Group (lead)" in section(body, "cores-h")[0]
    assert find_all(body, "a", within="cores-h", href=f"/people/{ladder['core'].username}/")


def test_p1_maintainers_page_shows_each_roles_start_and_the_ended_ones_end(client, ladder):
    body = client.get("/people/maintainers/").content.decode()
    assert "since 10 Jan 2025" in section(body, "cores-h")[0]
    assert "since 20 Feb 2026" in section(body, "emeritus-h")[0]
    (past,) = section(body, "past-h")
    assert "Gus Gone" in past
    assert "10 Jan 2025 – 20 Feb 2026" in past


def test_p3_maintainers_page_marks_people_known_only_from_github(client, ladder):
    body = client.get("/people/maintainers/").content.decode()
    assert "known from GitHub" in section(body, "sdks-h")[0]
    assert "known from GitHub" not in section(body, "cores-h")[0]


def test_p1_maintainers_page_hides_merged_placeholders(client, ladder):
    github_sign_in("sid-sdk", 9101)
    body = client.get("/people/maintainers/").content.decode()
    (line,) = section(body, "sdks-h")
    assert "known from GitHub" not in line
    assert "@sid-sdk" in line


def test_p1_maintainers_page_empty_states(client, db):
    body = client.get("/people/maintainers/").content.decode()
    assert section(body, "cores-h") == []
    assert "None listed yet." in text(find_all(body, "section", **{"aria-labelledby": "cores-h"})[0])


def test_p1_maintainers_page_is_read_only(client, ladder):
    assert client.post("/people/maintainers/").status_code == 405


def _many(n, start):
    group = GroupFactory()
    for i in range(start, start + n):
        person = UserFactory(github=f"bulk-{i}")
        role(person, RoleKind.MAINTAINER, RoleArea.SDK, f"SDK {i % 4}")
        role(person, RoleKind.MODERATOR, RoleArea.COMMUNITY, ended_at=T1)
        MembershipFactory(group=group, user=person, tier=Tier.MEMBER)


def test_p1_maintainers_page_query_budget_does_not_grow_with_rows(client, django_assert_max_num_queries, settings):
    from django.db import connection

    settings.RESPONSE_CACHE = {**settings.RESPONSE_CACHE, "ENABLED": False}  # measure the render, not the cache
    settings.FRAGMENT_CACHE = False  # (the warm-fragment budget: tests/portal/test_fragments.py)
    from django.test.utils import CaptureQueriesContext

    _many(3, 0)
    client.get("/people/maintainers/")  # warm caches (content types, sessions)
    with CaptureQueriesContext(connection) as few:
        assert client.get("/people/maintainers/").status_code == 200
    _many(40, 100)
    with django_assert_max_num_queries(6), CaptureQueriesContext(connection) as many:
        assert client.get("/people/maintainers/").status_code == 200
    assert len(many) == len(few)


# --- a person's page ------------------------------------------------------------------------------


def test_p1_person_page_shows_roles_over_time(client, ladder):
    core = ladder["core"]
    role(core, RoleKind.MAINTAINER, RoleArea.SDK, "Go SDK", started_at=T0 - timedelta(days=400), ended_at=T0)
    body = client.get(f"/people/{core.username}/").content.decode()
    lines = section(body, "roles-h")
    assert lines[0].startswith("Core maintainer since 10 Jan 2025")
    assert "Go SDK maintainer" in lines[1]
    assert "– 10 Jan 2025" in lines[1]
    assert "ended" in lines[1]


def test_p3_person_page_shows_their_groups_over_time(client, ladder):
    core = ladder["core"]
    old = GroupFactory(name="Old Group")
    MembershipFactory(group=old, user=core, tier=Tier.MEMBER, started_at=T0, ended_at=T1)
    body = client.get(f"/people/{core.username}/").content.decode()
    lines = section(body, "groups-h")
    assert lines[0].startswith("Caching Working Group Lead")
    assert lines[1].startswith("Old Group Member")
    assert "10 Jan 2025 – 20 Feb 2026" in lines[1]


def test_p3_person_page_shows_whether_the_handle_is_verified(client, db):
    typed = UnverifiedUserFactory(github="typed-only")
    body = client.get(f"/people/{typed.username}/").content.decode()
    assert find_all(body, "span", class_="badge") and "unverified" in body
    verified = UserFactory(github="checked")
    assert "verified" in text(find_all(client.get(f"/people/{verified.username}/").content.decode(), "dd")[0])


def test_p3_merged_placeholder_page_moves_to_the_real_account(client, ladder):
    github_sign_in("sid-sdk", 9102)
    response = client.get(f"/people/{ladder['sdk'].username}/")
    assert response.status_code == 301
    assert response["Location"].startswith("/people/")
    assert ladder["sdk"].username not in response["Location"]


def test_p3_person_page_unknown_or_inactive_is_404(client, db):
    assert client.get("/people/nobody-at-all/").status_code == 404
    gone = UserFactory(is_active=False)
    assert client.get(f"/people/{gone.username}/").status_code == 404


def test_p3_person_page_query_budget_does_not_grow_with_rows(client, django_assert_max_num_queries, settings):
    from django.db import connection

    settings.RESPONSE_CACHE = {**settings.RESPONSE_CACHE, "ENABLED": False}  # measure the render, not the cache
    settings.FRAGMENT_CACHE = False  # every fragment rendered too (warm ones: tests/portal/test_fragments.py)
    from django.test.utils import CaptureQueriesContext

    someone = UserFactory()
    role(someone)
    MembershipFactory(user=someone)
    client.get(f"/people/{someone.username}/")
    with CaptureQueriesContext(connection) as few:
        client.get(f"/people/{someone.username}/")
    for i in range(30):
        role(someone, RoleKind.MAINTAINER, RoleArea.SDK, f"SDK {i}", ended_at=T1)
        MembershipFactory(user=someone, ended_at=T1, started_at=T0)
    with django_assert_max_num_queries(5), CaptureQueriesContext(connection) as many:
        assert client.get(f"/people/{someone.username}/").status_code == 200
    assert len(many) == len(few)


# --- free text reaching the pages ------------------------------------------------------------------

# What a file can carry (the importer refuses NUL: "not a text file"), with markup mixed in.
free_text = st.builds(
    lambda a, b: f"{a}<i>{b}",
    st.text(alphabet=st.characters(blacklist_categories=("Cs", "Cc")), max_size=40),
    st.text(alphabet=st.characters(blacklist_categories=("Cs", "Cc")), max_size=40),
)


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(name=free_text, scope=free_text, product=free_text)
def test_p1_free_text_from_the_file_reaches_the_pages_escaped(client, name, scope, product):
    person = PlaceholderFactory(display_name=name[:120])
    role(person, RoleKind.MAINTAINER, RoleArea.PROJECT, scope[:120], product=product[:120])
    try:
        for url in ("/people/maintainers/", f"/people/{person.username}/"):
            body = client.get(url).content.decode()
            for value in (name[:120], scope[:120], product[:120]):
                assert escape(value) in body
            assert "<i>" not in body
    finally:
        Role.objects.filter(person=person).delete()
        person.delete()
