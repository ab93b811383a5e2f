"""What the sync leaves on a SEP's page: its pull requests, their status labels, the sources."""

import pytest

from portal.github.sync import run_sync
from tests.html import attr, find_all, text

from .conftest import sep_text

pytestmark = pytest.mark.django_db


@pytest.fixture
def synced(repo):
    repo.open_pull(2400, {"seps/1101-first-idea.md": sep_text(1101, "First idea", "In-Review")},
                   title="Move the first idea to review", labels=["in-review", "SEP"])  # fmt: skip
    run_sync()
    return repo


def test_s7_a_proposed_change_is_shown_on_the_sep_with_its_link(synced, client):
    content = client.get("/seps/1101/").content.decode()
    pr = find_all(content, "li", class_="sep-pr")[0]
    assert (
        attr(find_all(pr, "a")[0], "href") == "https://github.com/modelcontextprotocol/modelcontextprotocol/pull/2400"
    )
    assert "its file says in review" in text(pr)


def test_s7_status_labels_are_shown_beside_the_files_status(synced, client):
    content = client.get("/seps/1101/").content.decode()
    badge = find_all(content, "span", class_="badge")[0]
    labels = find_all(content, "span", class_="sep-pr-labels")[0]
    assert (text(badge), text(labels).replace(" :", ":")) == ("Draft", "label on #2400: in-review")


def test_s6_the_timeline_names_the_repository_as_the_source(synced, client):
    content = client.get("/seps/1102/").content.decode()
    timeline = text(find_all(content, "ol", class_="sep-timeline")[0])
    assert "synced from the repository, commit" in timeline


def test_s6_the_timeline_shows_the_pull_request(synced, client):
    content = client.get("/seps/1101/").content.decode()
    timeline = text(find_all(content, "ol", class_="sep-timeline")[0])
    assert "Pull request #2400 opened proposes a change to this SEP: Move the first idea to review" in timeline


def test_sep_page_query_count_does_not_grow_with_pull_requests(synced, client, django_assert_max_num_queries, settings):
    settings.RESPONSE_CACHE = {**settings.RESPONSE_CACHE, "ENABLED": False}  # measure the render, not the cache
    settings.FRAGMENT_CACHE = False  # every fragment rendered too (warm ones: tests/portal/test_fragments.py)
    client.get("/seps/1101/")
    with django_assert_max_num_queries(12) as few:
        client.get("/seps/1101/")
    for n in range(2401, 2406):
        synced.open_pull(n, {"seps/1101-first-idea.md": sep_text(1101, "First idea", "Accepted", extra=str(n))})
    run_sync()
    with django_assert_max_num_queries(len(few.captured_queries)):
        client.get("/seps/1101/")
