"""S3, S4, S7 with DESIGN 12: a handle typed into a profile makes nobody an author or a sponsor."""

import pytest
from django.core.exceptions import PermissionDenied

from portal.models import LadderRole
from seps import services
from seps.forms import FilterForm
from seps.importer import parse_sep
from seps.models import SEP, Status
from seps.templatetags.seps_panels import user_seps_panel
from tests.factories import UnverifiedUserFactory, UserFactory
from tests.github_signin import github_sign_in

from .factories import SEPAuthorFactory, SEPFactory

pytestmark = pytest.mark.django_db

FILE = """# SEP-{number}: Identity Widgets

- **Status**: {status}
- **Type**: Standards Track
- **Created**: 2026-02-03
- **Author(s)**: Wren Writer (@{author})
- **Sponsor**: Sal Sponsor (@{sponsor})

## Abstract

Widgets.
"""


def import_file(number=4101, status="Draft", author="wren-writer", sponsor="sal-sponsor"):
    text = FILE.format(number=number, status=status, author=author, sponsor=sponsor)
    parsed = parse_sep(f"{number}-identity-widgets.md", text.encode())
    services.sep_import_parsed(parsed=parsed)
    return SEP.objects.get(number=number), parsed


@pytest.fixture
def authored_sep():
    sep = SEPFactory(status=Status.PROPOSAL)
    SEPAuthorFactory(sep=sep, name="Wren Writer", github="wren-writer", user=None)
    return sep


def test_s3_typed_handle_cannot_withdraw_an_authors_sep(authored_sep):
    claimant = UnverifiedUserFactory(github="wren-writer")
    assert not authored_sep.is_author(claimant)
    with pytest.raises(PermissionDenied):
        services.sep_withdraw(sep=authored_sep, by=claimant, reason="Not mine to withdraw")
    authored_sep.refresh_from_db()
    assert authored_sep.status == Status.PROPOSAL


def test_s3_typed_handle_withdraw_view_is_forbidden(client_for, authored_sep):
    claimant = UnverifiedUserFactory(github="wren-writer")
    resp = client_for(claimant).post(f"/seps/{authored_sep.number}/withdraw/", {"withdraw-reason": "mine now"})
    assert resp.status_code == 403
    authored_sep.refresh_from_db()
    assert authored_sep.status == Status.PROPOSAL


def test_s3_verified_handle_withdraws(client_for, authored_sep):
    author = UserFactory(github="Wren-Writer")
    resp = client_for(author).post(f"/seps/{authored_sep.number}/withdraw/", {"withdraw-reason": "Moving on"})
    assert resp.status_code == 302
    authored_sep.refresh_from_db()
    assert authored_sep.status == Status.WITHDRAWN


def test_s3_authored_by_and_your_seps_ignore_a_typed_handle(authored_sep):
    claimant = UnverifiedUserFactory(github="wren-writer")
    assert not SEP.objects.authored_by(claimant).exists()
    assert user_seps_panel(claimant)["seps"] == []
    author = UserFactory(github="wren-writer-2")
    SEPAuthorFactory(sep=authored_sep, github="wren-writer-2", user=None)
    assert list(SEP.objects.authored_by(author)) == [authored_sep]
    assert user_seps_panel(author)["seps"] == [authored_sep]


def test_s4_import_typed_sponsor_handle_is_not_the_sponsor():
    UnverifiedUserFactory(github="sal-sponsor", ladder_role=LadderRole.CORE_MAINTAINER)
    sep, parsed = import_file()
    assert sep.sponsor is None
    assert any("no portal account" in w for w in parsed.warnings)


def test_s4_import_verified_sponsor_handle_is_the_sponsor():
    sal = UserFactory(github="sal-sponsor", ladder_role=LadderRole.MAINTAINER)
    sep, _ = import_file()
    assert sep.sponsor == sal


def test_s7_import_links_authors_to_placeholders_not_typed_claims():
    claimant = UnverifiedUserFactory(github="wren-writer")
    sep, _ = import_file()
    author = sep.authors.get()
    assert author.user is not None
    assert author.user != claimant
    assert author.user.is_placeholder
    assert not sep.is_author(claimant)


def test_s7_import_twice_reuses_the_placeholder():
    import_file()
    import_file()
    from portal.models import User

    assert User.objects.filter(is_placeholder=True, github__iexact="wren-writer").count() == 1


def test_s3_author_known_from_github_withdraws_after_signing_in(client_for):
    sep, _ = import_file(status="Proposal")
    github_sign_in("wren-writer", 4242)
    from portal.models import User

    me = User.objects.get(github_id=4242)
    assert sep.authors.get().user == me
    resp = client_for(me).post(f"/seps/{sep.number}/withdraw/", {"withdraw-reason": "Done"})
    assert resp.status_code == 302
    sep.refresh_from_db()
    assert sep.status == Status.WITHDRAWN


def test_s9_sponsor_filter_uses_verified_handles_only():
    typed = UnverifiedUserFactory(github="typed-sponsor", ladder_role=LadderRole.MAINTAINER)
    sep = SEPFactory(sponsor=typed)
    other = SEPFactory(sponsor=UserFactory(github="typed-sponsor-2", ladder_role=LadderRole.MAINTAINER))
    form = FilterForm({})
    keys = dict(form.fields["sponsor"].choices)
    assert f"id-{typed.pk}" in keys
    assert "typed-sponsor" not in keys
    assert list(FilterForm({"sponsor": f"id-{typed.pk}"}).apply(SEP.objects.all())) == [sep]
    assert list(FilterForm({"sponsor": "typed-sponsor-2"}).apply(SEP.objects.all())) == [other]
