import importlib.util
from datetime import UTC, datetime
from pathlib import Path

import pytest
import respx

from .fakehub import OWNER_REPO, FakeGitHub, install

API = "https://api.github.com"
# MAINTAINERS.md is applied by part A's importer; until it is installed the file is left out here.
M = int(importlib.util.find_spec("portal.maintainers") is not None)
CHARTERS = Path(__file__).resolve().parent.parent / "groups" / "fixtures" / "charters"
WHEN_1101 = datetime(2026, 2, 1, 10, 0, tzinfo=UTC)
WHEN_1102 = datetime(2026, 2, 3, 12, 30, tzinfo=UTC)


def sep_text(number, title, status="Draft", *, sponsor="None", authors="Ada Example (@ada-example)", extra=""):
    head = f"SEP-{number}: {title}" if number else title
    return (
        f"# {head}\n\n"
        f"- **Status**: {status}\n"
        f"- **Type**: Standards Track\n"
        f"- **Created**: 2026-01-20\n"
        f"- **Author(s)**: {authors}\n"
        f"- **Sponsor**: {sponsor}\n\n"
        f"## Abstract\n\nWhat {title.lower()} changes, in a sentence.\n\n"
        f"## Motivation\n\nWhy it matters.{extra}\n"
    )


MAINTAINERS = """# Maintainers

## Lead Maintainers

- [Lee Lead](https://github.com/lee-lead)

## Core Maintainers

- [Cora Core](https://github.com/cora-core)
- [Cal Core](https://github.com/cal-core)
"""


@pytest.fixture
def hub():
    return FakeGitHub()


@pytest.fixture
def sync_user(db):
    from portal.models import LadderRole
    from tests.factories import UserFactory

    return UserFactory(username="sync-bot-owner", ladder_role=LadderRole.CORE_MAINTAINER)


@pytest.fixture
def github(hub, settings, sync_user):
    """GitHub as far as the tests are concerned: respx answers from `hub`, anything else fails."""
    settings.GITHUB_SYNC_USER = sync_user.username
    settings.GITHUB_API_URL = API
    settings.GITHUB_REPOSITORY = OWNER_REPO
    settings.GITHUB_TOKEN = ""
    settings.GITHUB_WEBHOOK_SECRET = "a-test-secret"
    with respx.mock(base_url=API, assert_all_called=False) as router:
        install(router, hub)
        yield hub


@pytest.fixture
def repo(github):
    """A small repository: two SEPs, the SEP template, MAINTAINERS.md and a file the sync does not use."""
    hub = github
    hub.put("seps/1101-first-idea.md", sep_text(1101, "First idea", "Draft"), WHEN_1101)
    hub.put("seps/1102-second-idea.md", sep_text(1102, "Second idea", "In-Review"), WHEN_1102)
    hub.put("seps/TEMPLATE.md", sep_text(None, "SEP-{NUMBER}: {Title}"))
    if M:
        hub.put("MAINTAINERS.md", MAINTAINERS)
    hub.put("README.md", "# The specification\n")
    return hub


@pytest.fixture
def full_repo(repo):
    """`repo` plus two charters (a WG and an IG) where the documentation keeps them."""
    repo.put(
        "docs/community/working-groups/streaming.mdx", (CHARTERS / "working-groups" / "streaming.mdx").read_bytes()
    )
    repo.put("docs/community/interest-groups/tooling.mdx", (CHARTERS / "interest-groups" / "tooling.mdx").read_bytes())
    return repo
