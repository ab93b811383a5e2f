"""SEP feeds, the group and user panels, and the budgets with thousands of SEPs."""

from django.template import Context, Template

from portal.models import LadderRole
from seps import services
from seps.models import SEP, Status
from tests.factories import GroupFactory, UserFactory
from tests.seps.test_views import INDEX_BUDGET, QUEUE_BUDGET, SEP_PAGE_BUDGET

from .factories import SEPAuthorFactory, SEPFactory

# --- feeds and the group panel ---------------------------------------------------------------------


def test_s6_atom_feeds_overall_and_per_group(client, make_sep, sponsor, core_maintainer):
    g1, g2 = GroupFactory(slug="g-one"), GroupFactory(slug="g-two")
    a = make_sep(group=g1, title="First in g1")
    b = make_sep(group=g2, title="Second in g2")
    services.sep_sponsor(sep=a, by=sponsor, reason="Taking it on")
    services.sep_sponsor(sep=b, by=sponsor, reason="Also this one")
    r = client.get("/seps/feed/")
    xml = r.content.decode()
    assert r["Content-Type"].startswith("application/atom+xml")
    assert "First in g1" in xml
    assert "Second in g2" in xml
    assert "Taking it on" in xml
    assert "proposal → draft" in xml
    xml1 = client.get("/seps/feed/group/g-one/").content.decode()
    assert "First in g1" in xml1
    assert "Second in g2" not in xml1
    assert client.get("/seps/feed/group/nope/").status_code == 404


def test_s1_group_panel_lists_group_seps_with_fixed_queries(db, django_assert_num_queries):
    g = GroupFactory()
    SEPFactory(group=g, title="Panel one", status=Status.DRAFT, sponsor=UserFactory(ladder_role=LadderRole.MAINTAINER))
    SEPFactory(group=GroupFactory(), title="Not this group")
    tpl = Template("{% load seps_panels %}{% group_seps_panel group %}")
    with django_assert_num_queries(1):
        html = tpl.render(Context({"group": g}))
    assert "Panel one" in html
    assert "Not this group" not in html
    for _i in range(40):
        SEPFactory(group=g, sponsor=UserFactory(ladder_role=LadderRole.MAINTAINER))
    with django_assert_num_queries(1):  # the same one query with 40 more SEPs
        tpl.render(Context({"group": g}))
    empty = Template("{% load seps_panels %}{% group_seps_panel group %}").render(Context({"group": GroupFactory()}))
    assert "No SEPs belong to this group yet." in empty


def test_s1_budgets_hold_with_5000_seps(client_for, core_maintainer, db, page_queries, settings):
    from seps import bench

    settings.RESPONSE_CACHE = {**settings.RESPONSE_CACHE, "ENABLED": False}  # measure the render itself
    settings.FRAGMENT_CACHE = False  # every fragment rendered too (warm ones: tests/portal/test_fragments.py)
    c = client_for(core_maintainer)
    SEPFactory(number=1, status=Status.IN_REVIEW)

    def steady(u):
        """Queries of a render once per-process caches (content types) and per-version ones (filter
        choices) are filled: what every later request of this data version costs."""
        c.get(u)
        return page_queries(c, u)[0]

    before = {u: steady(u) for u in ("/seps/", "/seps/review/", "/seps/1/")}
    bench.seed()
    assert SEP.objects.count() == bench.COUNT + 1
    after = {u: steady(u) for u in ("/seps/", "/seps/review/", "/seps/1/", f"/seps/{bench.BASE + 1}/")}
    for u, n in before.items():
        assert after[u] == n, u
    assert after["/seps/"] <= INDEX_BUDGET + 2  # signed in: session and user
    assert after["/seps/1/"] <= SEP_PAGE_BUDGET
    assert after["/seps/review/"] <= QUEUE_BUDGET
    bench.seed()  # idempotent
    assert SEP.objects.count() == bench.COUNT + 1
    assert [label for label, *_ in bench.urls()] == [
        "SEP index",
        "SEP index filtered",
        "SEP page",
        "SEP feed",
        "API: SEPs list",
        "API: SEPs in review",
    ]


def test_s6_feed_answers_conditional_get_until_next_change(client, make_sep, sponsor, core_maintainer):
    sep = make_sep()
    services.sep_sponsor(sep=sep, by=sponsor, reason="Taking it on")
    etag = client.get("/seps/feed/")["ETag"]
    assert client.get("/seps/feed/", HTTP_IF_NONE_MATCH=etag).status_code == 304
    services.sep_submit_for_review(sep=sep, by=sponsor, reason="Ready")
    assert client.get("/seps/feed/", HTTP_IF_NONE_MATCH=etag).status_code == 200


def test_s9_user_panel_lists_own_open_seps_and_queue_with_fixed_queries(
    make_sep, author, sponsor, core_maintainer, django_assert_num_queries
):
    mine = make_sep(status=Status.DRAFT, sponsor=sponsor, title="Mine as author")
    make_sep(status=Status.FINAL, title="Closed one")
    SEPFactory(status=Status.IN_REVIEW, title="Someone else's")
    tpl = Template("{% load seps_panels %}{% user_seps_panel user %}")
    with django_assert_num_queries(1):
        html = tpl.render(Context({"user": author}))
    assert "Mine as author" in html
    assert "Closed one" not in html
    assert "Someone else" not in html
    html = tpl.render(Context({"user": sponsor}))
    assert "Mine as author" in html
    assert "you sponsor it" in html
    html = tpl.render(Context({"user": core_maintainer}))
    assert "1 in review, 1 draft." in html
    assert "You neither sponsor nor author" in html
    assert mine.pk


def test_s9_user_panel_finds_seps_by_sponsor_account_and_handle_once_each(db):
    person = UserFactory(github="Pat-Dev")
    sponsored = SEPFactory(status=Status.DRAFT, sponsor=person, title="Sponsored only")
    by_account = SEPFactory(status=Status.PROPOSAL, title="Authored by account")
    SEPAuthorFactory(sep=by_account, name="Pat", github="", user=person)
    by_handle = SEPFactory(status=Status.IN_REVIEW, title="Authored by handle")
    SEPAuthorFactory(sep=by_handle, name="Pat", github="pat-dev")  # another spelling of the handle
    both = SEPFactory(status=Status.ACCEPTED, sponsor=person, title="Sponsored and authored")
    SEPAuthorFactory(sep=both, name="Pat", github="PAT-DEV", user=person)
    closed = SEPFactory(status=Status.FINAL, sponsor=person, title="Closed sponsored")
    SEPFactory(status=Status.DRAFT, title="Not theirs")
    tpl = Template("{% load seps_panels %}{% user_seps_panel user %}")
    html = tpl.render(Context({"user": person}))
    for sep in (sponsored, by_account, by_handle, both):
        assert f"SEP-{sep.number}: {sep.title}" in html
    assert html.count(both.title) == 1  # listed once though it matches three ways
    assert closed.title not in html
    assert "Not theirs" not in html
