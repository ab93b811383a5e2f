"""Pages: index, SEP page, transitions (the view ladder), edit, review queue (S8, S9), feeds, panel."""

from datetime import timedelta

import pytest
from django.utils import timezone

from portal.models import Event, LadderRole
from seps import services
from seps.models import SEP, RoadmapArea, SEPAuthor, SEPType, Status
from tests.factories import GroupFactory, UserFactory

from .factories import SEPAuthorFactory, SEPFactory


def many_seps(n, **kw):
    groups = [GroupFactory(), GroupFactory()]
    sponsor = UserFactory(ladder_role=LadderRole.MAINTAINER)
    now = timezone.now()
    seps = SEP.objects.bulk_create(
        [
            SEP(number=50_000 + i, title=f"Bulk {i}", slug=f"bulk-{i}", status=Status.values[i % 5],
                type=SEPType.values[i % 4], group=groups[i % 2], sponsor=sponsor if i % 5 else None,
                roadmap_area=RoadmapArea.AGENTS if i % 3 == 0 else "", body="## A\n\ntext",
                body_html="<h2>A</h2>", status_changed_at=now - timedelta(days=i % 40), last_activity_at=now, **kw)
            for i in range(n)
        ]
    )  # fmt: skip
    SEPAuthor.objects.bulk_create(
        [SEPAuthor(sep=s, position=j, name=f"A{j}", github=f"a{s.number}-{j}") for s in seps for j in range(2)]
    )
    return seps


# --- index -------------------------------------------------------------------------------------


def test_s2_index_groups_by_status_in_lifecycle_order(client, db):
    SEPFactory(number=7001, status=Status.FINAL, title="Finished thing")
    SEPFactory(number=7002, status=Status.PROPOSAL, title="Fresh idea")
    SEPFactory(number=7003, status=Status.IN_REVIEW, title="Under review")
    html = client.get("/seps/").content.decode()
    order = [html.index(h) for h in ("<h2>Proposal</h2>", "<h2>In review</h2>", "<h2>Final</h2>")]
    assert order == sorted(order)
    assert "Fresh idea" in html
    assert "SEP-7003" in html


def test_s1_index_filters_by_status_type_group_sponsor_and_text(client, db, sponsor):
    g = GroupFactory(name="Transport WG", slug="transport-wg")
    hit = SEPFactory(status=Status.DRAFT, type=SEPType.PROCESS, group=g, sponsor=sponsor, title="Stream resumption",
                     body="## Abstract\n\nAbout reconnect tokens.")  # fmt: skip
    SEPFactory(status=Status.DRAFT, type=SEPType.PROCESS, group=None, sponsor=sponsor, title="Other thing")
    SEPFactory(status=Status.FINAL, type=SEPType.PROCESS, group=g, title="Final thing")
    url = f"/seps/?status=draft&type=process&group=transport-wg&sponsor={sponsor.github}&q=reconnect"
    html = client.get(url).content.decode()
    assert hit.title in html
    assert "Other thing" not in html
    assert "Final thing" not in html
    assert "1 SEP match" in html
    assert "Stream resumption" in client.get("/seps/?q=STREAM").content.decode()  # title search, any case
    assert "No SEP matches these filters." in client.get("/seps/?q=nothing-like-this").content.decode()


def test_s1_index_htmx_returns_only_results_partial(client, db, htmx_headers):
    SEPFactory(title="Partial me")
    r = client.get("/seps/?status=proposal", **htmx_headers)
    html = r.content.decode()
    assert r.status_code == 200
    assert 'id="sep-results"' in html
    assert "<html" not in html
    assert "Partial me" in html


def test_s1_index_empty_state(client, db):
    assert "No SEPs yet" in client.get("/seps/").content.decode()


def test_s1_index_bad_filter_value_is_ignored_not_500(client, db):
    SEPFactory(title="Still listed")
    r = client.get("/seps/?status=bogus&page=999")
    assert r.status_code == 200
    assert "Still listed" in r.content.decode()


INDEX_BUDGET = 5  # groups and sponsors for the filters, count, page, authors
SEP_PAGE_BUDGET = 10  # session, user, SEP, authors, supersedes, group leads, timeline (+ slack)
QUEUE_BUDGET = 9  # session, user, two counts, page count, page, authors (+ slack)


@pytest.mark.parametrize("url", ["/seps/", "/seps/?status=draft&type=extensions-track&q=Bulk&sponsor=x&group=y"])
def test_s1_index_query_budget_does_not_grow(client, db, django_assert_max_num_queries, url, page_queries):
    many_seps(3)
    with django_assert_max_num_queries(INDEX_BUDGET):
        client.get(url)
    small = page_queries(client, url)[0]
    SEP.objects.all().delete()
    many_seps(300)
    with django_assert_max_num_queries(INDEX_BUDGET):
        client.get(url)
    assert page_queries(client, url)[0] == small


# --- SEP page ----------------------------------------------------------------------------------


def test_s1_sep_page_shows_sanitized_body_outline_and_metadata(client, db, sponsor):
    succ = SEPFactory(number=8100)
    sep = SEPFactory(
        number=8001, status=Status.SUPERSEDED, superseded_by=succ, sponsor=sponsor, title="Safe <b>body</b>",
        body="## Abstract\n\nHello <script>alert(1)</script>\n\n[x](javascript:alert(1))\n\n## Motivation\n\nWhy.",
        pr_url="https://example.test/pull/8001", reference_implementation="https://example.test/impl",
        roadmap_area=RoadmapArea.TRANSPORT,
    )  # fmt: skip
    SEPAuthorFactory(sep=sep, name="Writer One", github="w-one")
    html = client.get("/seps/8001/").content.decode()
    assert "<script>alert" not in html
    assert "&lt;script&gt;alert" in html
    assert 'href="javascript' not in html
    assert 'href="#abstract"' in html
    assert 'href="#motivation"' in html
    assert "Writer One (@w-one)" in html
    assert sponsor.name in html
    assert 'href="https://example.test/pull/8001"' in html
    assert "Transport evolution" in html
    assert 'href="/seps/8100/"' in html
    assert "Supersedes" in client.get("/seps/8100/").content.decode()
    assert client.get("/seps/424242/").status_code == 404


def test_s6_sep_page_timeline_shows_who_when_why(client, make_sep, sponsor, core_maintainer):
    sep = make_sep()
    services.sep_sponsor(sep=sep, by=sponsor, reason="I will shepherd this one.")
    services.sep_submit_for_review(sep=sep, by=sponsor, reason="Ready for review now.")
    html = client.get(sep.get_absolute_url()).content.decode()
    assert html.index("I will shepherd this one.") < html.index("Ready for review now.")
    assert "Proposal → draft" in html
    assert "Draft → in review" in html
    assert sponsor.name in html


def test_s1_sep_page_query_budget_does_not_grow(client, db, sponsor, core_maintainer, client_for, page_queries):
    sep = SEPFactory(status=Status.IN_REVIEW, sponsor=sponsor, group=GroupFactory(delegated_sep_authority=True))
    SEPAuthorFactory(sep=sep)
    services.sep_return_to_draft(sep=sep, by=core_maintainer, reason="more")
    c = client_for(core_maintainer)
    small = page_queries(c, sep.get_absolute_url())[0]
    SEPAuthorFactory.create_batch(30, sep=sep)
    for i in range(15):
        services.sep_submit_for_review(sep=sep, by=sponsor, reason=f"again {i}")
        services.sep_return_to_draft(sep=sep, by=core_maintainer, reason=f"back {i}")
    assert page_queries(c, sep.get_absolute_url())[0] == small
    assert small <= SEP_PAGE_BUDGET


# --- transitions: the view ladder ----------------------------------------------------------------


def post(c, sep, action, data, **extra):
    payload = {f"{action}-{k}": v for k, v in data.items()}
    return c.post(f"/seps/{sep.number}/{action}/", payload, **extra)


def test_s3_transition_view_anonymous_redirected_to_login(client, make_sep):
    sep = make_sep()
    r = post(client, sep, "sponsor", {"reason": "x"})
    assert r.status_code == 302
    assert "/accounts/login/" in r["Location"]
    sep.refresh_from_db()
    assert sep.status == Status.PROPOSAL


def test_s4_transition_view_refuses_member_without_right(client_for, make_sep, org_member):
    sep = make_sep()
    r = post(client_for(org_member), sep, "sponsor", {"reason": "x"})
    assert r.status_code == 403
    sep.refresh_from_db()
    assert sep.status == Status.PROPOSAL
    assert sep.sponsor is None


def test_s3_transition_view_success_plain_post(client_for, make_sep, maintainer):
    sep = make_sep()
    r = post(client_for(maintainer), sep, "sponsor", {"reason": "Happy to sponsor"})
    assert r.status_code == 302
    assert r["Location"] == sep.get_absolute_url()
    sep.refresh_from_db()
    assert (sep.status, sep.sponsor) == (Status.DRAFT, maintainer)


def test_s3_transition_view_htmx_returns_state_partial(client_for, make_sep, sponsor, htmx_headers):
    sep = make_sep(status=Status.DRAFT, sponsor=sponsor)
    r = post(client_for(sponsor), sep, "submit", {"reason": "Ready"}, **htmx_headers)
    html = r.content.decode()
    assert r.status_code == 200
    assert html.lstrip().startswith('<div id="sep-state"')
    assert "<html" not in html
    assert 'data-status="in-review"' in html
    assert "Ready" in html
    sep.refresh_from_db()
    assert sep.status == Status.IN_REVIEW


def test_s6_transition_view_bad_input_clear_error_nothing_changed(client_for, make_sep, core_maintainer, htmx_headers):
    sep = make_sep(status=Status.IN_REVIEW)
    c = client_for(core_maintainer)
    r = post(c, sep, "accept", {"reason": "  "})
    assert r.status_code == 400
    assert "Give a rationale" in r.content.decode()
    r = post(c, sep, "accept", {"reason": ""}, **htmx_headers)
    assert r.status_code == 200
    assert "Give a rationale" in r.content.decode()
    assert "<html" not in r.content.decode()
    sep.refresh_from_db()
    assert sep.status == Status.IN_REVIEW
    assert not Event.objects.exists()


def test_s3_transition_view_domain_error_wrong_state_is_400(client_for, make_sep, core_maintainer):
    sep = make_sep(status=Status.DRAFT)
    r = post(client_for(core_maintainer), sep, "accept", {"reason": "go"})
    assert r.status_code == 400
    assert "needs it to be in review" in r.content.decode()


def test_s3_superseded_via_view_requires_existing_successor(client_for, make_sep, core_maintainer):
    sep = make_sep(status=Status.FINAL)
    c = client_for(core_maintainer)
    r = post(c, sep, "supersede", {"reason": "replaced", "successor": "777777"})
    assert r.status_code == 400
    assert "no SEP-777777" in r.content.decode()
    other = SEPFactory()
    r = post(c, sep, "supersede", {"reason": "replaced", "successor": str(other.number)})
    assert r.status_code == 302
    sep.refresh_from_db()
    assert sep.superseded_by == other


def test_s3_final_via_view_with_reference_implementation(client_for, make_sep, core_maintainer):
    sep = make_sep(status=Status.ACCEPTED)
    c = client_for(core_maintainer)
    assert post(c, sep, "finalize", {"reason": "merged"}).status_code == 400
    r = post(c, sep, "finalize", {"reason": "merged", "reference_implementation": "https://example.test/sdk/1"})
    assert r.status_code == 302
    sep.refresh_from_db()
    assert sep.status == Status.FINAL


def test_s3_transition_forms_shown_only_to_people_allowed(client, client_for, make_sep, maintainer, org_member):
    sep = make_sep()
    assert "Sponsor this SEP" in client_for(maintainer).get(sep.get_absolute_url()).content.decode()
    assert "Sponsor this SEP" not in client_for(org_member).get(sep.get_absolute_url()).content.decode()
    assert "Sponsor this SEP" not in client.get(sep.get_absolute_url()).content.decode()


def test_s3_unknown_transition_is_404(client_for, make_sep, core_maintainer):
    sep = make_sep()
    assert post(client_for(core_maintainer), sep, "teleport", {"reason": "x"}).status_code == 404


def test_s3_author_withdraws_via_view(client_for, make_sep, author):
    sep = make_sep(status=Status.IN_REVIEW)
    r = post(client_for(author), sep, "withdraw", {"reason": "Moving on"})
    assert r.status_code == 302
    sep.refresh_from_db()
    assert sep.status == Status.WITHDRAWN


# --- edit ----------------------------------------------------------------------------------------


def test_s3_edit_view_ladder(client, client_for, make_sep, author, contributor, htmx_headers):
    sep = make_sep(status=Status.DRAFT)
    url = f"/seps/{sep.number}/edit/"
    data = {"title": "Better title", "type": SEPType.PROCESS, "group": "", "pr_url": "", "discussion_url": "",
            "reference_implementation": ""}  # fmt: skip
    assert client.get(url).status_code == 302
    assert client_for(contributor).post(url, data).status_code == 403
    c = client_for(author)
    assert c.get(url).status_code == 200
    bad = c.post(url, {**data, "title": "", "pr_url": "not a url"})
    assert bad.status_code == 400
    assert "Enter a valid URL" in bad.content.decode()
    r = c.post(url, {**data, "title": ""}, **htmx_headers)
    assert r.status_code == 200
    assert 'id="sep-edit"' in r.content.decode()
    assert "<html" not in r.content.decode()
    sep.refresh_from_db()
    assert sep.title != "Better title"
    assert c.post(url, data).status_code == 302
    sep.refresh_from_db()
    assert (sep.title, sep.type) == ("Better title", SEPType.PROCESS)
    sep.status = Status.ACCEPTED
    sep.save()
    assert c.get(url).status_code == 403


# --- review queue (S8, S9) ----------------------------------------------------------------------


def test_s9_review_queue_ladder(client, client_for, maintainer, core_maintainer, htmx_headers):
    assert client.get("/seps/review/").status_code == 302
    assert client_for(maintainer).get("/seps/review/").status_code == 403
    c = client_for(core_maintainer)
    assert "Nothing waits for review." in c.get("/seps/review/").content.decode()
    r = c.get("/seps/review/", **htmx_headers)
    assert 'id="sep-queue"' in r.content.decode()
    assert "<html" not in r.content.decode()


def test_s8_s9_review_queue_order_in_review_first_roadmap_first_longest_wait(client_for, core_maintainer, db):
    now = timezone.now()

    def mk(number, status, days, area=""):
        return SEPFactory(number=number, status=status, roadmap_area=area, status_changed_at=now - timedelta(days=days))

    mk(1, Status.DRAFT, 50)
    mk(2, Status.DRAFT, 10, RoadmapArea.GOVERNANCE)
    mk(3, Status.IN_REVIEW, 5)
    mk(4, Status.IN_REVIEW, 20)
    mk(5, Status.IN_REVIEW, 2, RoadmapArea.TRANSPORT)
    mk(6, Status.DRAFT, 90)
    mk(7, Status.ACCEPTED, 300)
    mk(8, Status.PROPOSAL, 300)
    html = client_for(core_maintainer).get("/seps/review/").content.decode()
    order = [n for n in (5, 4, 3, 2, 6, 1) if f"SEP-{n}<" in html]
    positions = [html.index(f">SEP-{n}<") for n in (5, 4, 3, 2, 6, 1)]
    assert order == [5, 4, 3, 2, 6, 1]
    assert positions == sorted(positions)
    assert ">SEP-7<" not in html
    assert ">SEP-8<" not in html
    assert "90 days" in html
    assert "Governance maturation" in html


def test_s9_review_queue_query_budget_does_not_grow(client_for, core_maintainer, db, page_queries):
    c = client_for(core_maintainer)
    many_seps(5)
    small = page_queries(c, "/seps/review/")[0]
    SEP.objects.all().delete()
    many_seps(200)
    assert page_queries(c, "/seps/review/")[0] == small <= QUEUE_BUDGET


def test_s1_outline_text_is_plain_and_body_rendered_once_on_save(db):
    sep = SEPFactory(body="## Using `tasks/get` with **care**\n\ntext\n\n### Sub_part\n")
    assert sep.outline == [
        {"level": 2, "text": "Using tasks/get with care", "anchor": "using-tasksget-with-care"},
        {"level": 3, "text": "Sub_part", "anchor": "sub_part"},
    ]
    assert "<code>tasks/get</code>" in SEP.objects.get(pk=sep.pk).body_html


def test_s1_index_bad_filter_value_keeps_the_good_ones_and_says_so(client, db, htmx_headers):
    SEPFactory(title="Process one", type=SEPType.PROCESS)
    SEPFactory(title="Standards one", type=SEPType.STANDARDS)
    for headers in ({}, htmx_headers):
        r = client.get("/seps/?status=bogus&type=process&group=%00&sponsor=" + "z" * 5000, **headers)
        html = r.content.decode()
        assert r.status_code == 200
        assert "Process one" in html
        assert "Standards one" not in html
        assert "Ignored a filter value" in html
        assert "Status" in html
        assert "Group" in html


def test_s6_atom_feeds_parse_as_atom_with_one_entry_per_status_change(client, make_sep, sponsor, core_maintainer):
    import xml.etree.ElementTree as ET

    from django.conf import settings

    ns = {"a": "http://www.w3.org/2005/Atom"}
    g = GroupFactory(slug="feed-g")
    a = make_sep(group=g, title="Feed <&> one")
    b = make_sep(title="Feed two")
    services.sep_sponsor(sep=a, by=sponsor, reason="Taking it on")
    services.sep_submit_for_review(sep=a, by=sponsor, reason="Ready for review")
    services.sep_sponsor(sep=b, by=sponsor, reason="Also this")
    feeds = {}
    for url, want in (("/seps/feed/", 3), ("/seps/feed/group/feed-g/", 2)):
        root = ET.fromstring(client.get(url).content)
        assert root.tag == "{http://www.w3.org/2005/Atom}feed"
        assert root.find("a:title", ns).text
        assert root.find("a:updated", ns).text
        entries = root.findall("a:entry", ns)
        assert len(entries) == want
        self_link = [link.get("href") for link in root.findall("a:link", ns) if link.get("rel") == "self"]
        assert self_link == [settings.SITE_URL + url]  # the site's address, not the placeholder example.com
        assert root.find("a:id", ns).text.startswith(settings.SITE_URL)
        ids = []
        for e in entries:  # RFC 4287: every entry has an absolute IRI id, a title, updated and a link
            ids.append(e.find("a:id", ns).text)
            assert ids[-1].startswith(settings.SITE_URL + "/seps/")
            assert "#event-" in ids[-1]
            assert e.find("a:updated", ns).text
            assert e.find("a:author/a:name", ns).text
            assert e.find("a:link", ns).get("href") == ids[-1]
        assert len(set(ids)) == len(ids)
        feeds[url] = [e.find("a:title", ns).text for e in entries]
    assert feeds["/seps/feed/"][0] == f"SEP-{b.number}: Feed two — proposal → draft"
    assert feeds["/seps/feed/group/feed-g/"] == [
        f"SEP-{a.number}: Feed <&> one — draft → in review",  # escaped in XML, parsed back intact
        f"SEP-{a.number}: Feed <&> one — proposal → draft",
    ]


@pytest.mark.parametrize("htmx", [False, True])
def test_s3_refused_step_shows_its_error_inside_its_own_form(client_for, make_sep, core_maintainer, htmx_headers, htmx):
    sep = make_sep(status=Status.ACCEPTED)
    headers = htmx_headers if htmx else {}
    r = post(client_for(core_maintainer), sep, "supersede", {"reason": "Replaced", "successor": "999999"}, **headers)
    html = r.content.decode()
    assert r.status_code == (200 if htmx else 400)
    form = html[html.index(f'action="/seps/{sep.number}/supersede/"') :]
    form = form[: form.index("</form>")]
    assert "There is no SEP-999999" in form
    assert 'value="999999"' in form
    assert "Replaced" in form
    state = html[html.index('id="sep-state"') :]
    assert state.count("There is no SEP-999999") == 1  # once, beside the form, not also on top
    sep.refresh_from_db()
    assert sep.status == Status.ACCEPTED
    assert sep.superseded_by is None


def test_s3_step_no_longer_offered_shows_its_error_on_top(client_for, make_sep, core_maintainer, htmx_headers):
    sep = make_sep(status=Status.DRAFT)  # e.g. someone returned it to draft meanwhile
    html = post(client_for(core_maintainer), sep, "accept", {"reason": "go"}, **htmx_headers).content.decode()
    assert 'role="alert">SEP-' in html
    assert "needs it to be in review" in html


@pytest.mark.parametrize(
    "pr,discussion,pr_text,discussion_text",
    [
        ("https://github.com/x/y/pull/1796", "https://github.com/x/y/issues/12", "#1796", "Issue #12"),
        ("", "https://github.com/x/y/discussions/7", "#4242", "Discussion #7"),
        ("https://example.test/review", "https://example.test/thread", "#4242", "Discussion"),
    ],
)
def test_s1_link_labels_name_the_linked_number(pr, discussion, pr_text, discussion_text):
    sep = SEP(number=4242, pr_url=pr, discussion_url=discussion)
    assert (sep.pr_display, sep.discussion_display) == (pr_text, discussion_text)


@pytest.mark.parametrize("successor", ["abc", "-1", "0", "1.5", "", "٣"])
def test_s3_supersede_with_garbage_successor_is_a_clear_error(client_for, make_sep, core_maintainer, successor):
    sep = make_sep(status=Status.FINAL)
    r = post(client_for(core_maintainer), sep, "supersede", {"reason": "Replaced", "successor": successor})
    assert r.status_code == 400
    assert "Name the successor by its SEP number" in r.content.decode()
    sep.refresh_from_db()
    assert sep.status == Status.FINAL
    assert not Event.objects.exists()


@pytest.mark.parametrize("successor", ["999999999999", "SEP-999999999999"])
def test_s3_supersede_with_out_of_range_successor_is_unknown_not_500(client_for, make_sep, core_maintainer, successor):
    sep = make_sep(status=Status.FINAL)
    r = post(client_for(core_maintainer), sep, "supersede", {"reason": "Replaced", "successor": successor})
    assert r.status_code == 400
    assert "There is no SEP-999999999999" in r.content.decode()


@pytest.mark.parametrize(
    "url", ["/seps/abc/", "/seps/999999/", "/seps/99999999999999999999/", "/seps/99999999999/edit/"]
)
def test_s1_unknown_or_huge_sep_numbers_are_404(client_for, core_maintainer, url):
    assert client_for(core_maintainer).get(url).status_code == 404
    assert (
        client_for(core_maintainer).post("/seps/99999999999999999999/accept/", {"accept-reason": "x"}).status_code
        == 404
    )


def test_s1_group_without_seps_filters_to_the_empty_state(client, db):
    SEPFactory(title="Belongs elsewhere", group=GroupFactory())
    quiet = GroupFactory(slug="quiet-group")
    html = client.get(f"/seps/?group={quiet.slug}").content.decode()
    assert "No SEP matches these filters." in html
    assert "Belongs elsewhere" not in html
    assert "Ignored" not in html


@pytest.mark.parametrize("url", ["/seps/?status=draft", "/seps/review/?page=1"])
def test_s1_history_restore_of_a_pushed_url_gets_the_whole_page(client_for, core_maintainer, htmx_headers, url):
    SEPFactory(status=Status.DRAFT, title="Restored")
    c = client_for(core_maintainer)
    html = c.get(url, **htmx_headers, HTTP_HX_HISTORY_RESTORE_REQUEST="true").content.decode()
    assert html.lstrip().lower().startswith("<!doctype html>")
    assert "Restored" in html
    assert "<!doctype" not in c.get(url, **htmx_headers).content.decode().lower()


def test_s1_missing_sep_page_is_a_clear_404(client, db):
    r = client.get("/seps/2133/")
    html = r.content.decode()
    assert r.status_code == 404
    assert "No SEP-2133 here" in html
    assert "/pull/2133" in html


@pytest.mark.parametrize("q", ["7123", "#7123", "SEP-7123", "sep 7123"])
def test_s1_search_by_number_finds_that_sep(client, db, q):
    SEPFactory(number=7123, title="Numbered", body="Nothing to see.")
    SEPFactory(number=7124, title="Other", body="Nothing to see.")
    html = client.get("/seps/", {"q": q}).content.decode()
    assert "Numbered" in html
    assert "Other" not in html


@pytest.mark.django_db
def test_s1_s9_sep_page_list_and_review_queue_link_back_to_the_group(client, client_for, core_maintainer):
    """Group page -> SEP worked, but the SEP page, list and review queue named the group without a link back."""
    group = GroupFactory(name="Linked Group WG")
    sep = SEPFactory(group=group, status=Status.IN_REVIEW, sponsor=core_maintainer)
    link = f'<a href="{group.get_absolute_url()}">Linked Group WG</a>'
    assert link in client.get(sep.get_absolute_url()).content.decode()
    assert link in client.get("/seps/").content.decode()
    assert link in client_for(core_maintainer).get("/seps/review/").content.decode()
