from django import forms
from django.test.html import parse_html

from portal.widgets import FastSelect


class _Form(forms.Form):
    pick = forms.ChoiceField(
        label="Pick", required=False, choices=[("", "Any"), ("a&b", "A <and> B"), ("c", "C")], widget=FastSelect
    )
    plain = forms.ChoiceField(label="Plain", required=False, choices=[("", "Any"), ("a&b", "A <and> B"), ("c", "C")])


def test_fast_select_renders_like_django_select():
    form = _Form({"pick": "a&b", "plain": "a&b"})
    fast, plain = str(form["pick"]), str(form["plain"])
    assert parse_html(fast.replace("pick", "X")) == parse_html(plain.replace("plain", "X"))  # same markup
    assert '<option value="a&amp;b" selected>A &lt;and&gt; B</option>' in fast  # escaped, selected


def test_fast_select_keeps_optgroups_working():
    w = FastSelect(choices=[("Fruit", [("a", "Apple")]), ("c", "C")])
    assert "<optgroup" in w.render("x", "a")


def test_fast_select_escapes_values_and_labels_and_keeps_safe_labels():
    from django.utils.safestring import mark_safe

    w = FastSelect(choices=[('x"y', "<b>'q'</b>"), ("s", mark_safe("<em>safe</em>"))])
    out = w.render("x", "s")
    assert '<option value="x&quot;y">&lt;b&gt;&#x27;q&#x27;&lt;/b&gt;</option>' in out
    assert '<option value="s" selected><em>safe</em></option>' in out


# --- MemoChoices: a long list read and rendered once per data version (issue #14) -----------------

import pytest  # noqa: E402
from django.test import RequestFactory  # noqa: E402

from portal import dataversion  # noqa: E402
from portal.widgets import MemoChoices  # noqa: E402

LONG = [("a&b", "A <and> B"), ('x"y', "<b>'q'</b>"), ("c", "C")]


@pytest.fixture
def in_a_get(db, settings):
    token = dataversion.current_request.set(RequestFactory().get("/"))
    yield
    dataversion.current_request.reset(token)


def _memo_form(load):
    class MemoForm(forms.Form):
        pick = forms.ChoiceField(label="Pick", required=False, widget=FastSelect)

        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            self.fields["pick"].choices = MemoChoices("test:long", load, blank=("", "Any"))

    return MemoForm


@pytest.mark.parametrize("value", ["", "a&b", 'x"y', "c"])
def test_14_memo_choices_render_and_select_like_a_plain_select(in_a_get, value):
    form = _memo_form(lambda: LONG)({"pick": value})
    plain = _Form({"plain": value})
    plain.fields["plain"].choices = [("", "Any"), *LONG]
    assert form.is_valid() and plain.is_valid()
    assert parse_html(str(form["pick"]).replace("pick", "X")) == parse_html(str(plain["plain"]).replace("plain", "X"))
    assert str(form["pick"]).count(" selected") == 1  # the blank when nothing is picked


def test_14_memo_choices_reject_a_value_not_in_the_list(in_a_get):
    form = _memo_form(lambda: LONG)({"pick": "not-there"})
    assert not form.is_valid()
    assert "Select a valid choice" in form.errors["pick"][0]


def test_14_memo_choices_load_once_per_data_version_and_not_for_a_warm_render(in_a_get):
    loads = []
    load = lambda: loads.append(1) or LONG  # noqa: E731
    for value in ("", "c", "a&b"):
        form = _memo_form(load)({"pick": value})
        form.is_valid()
        str(form["pick"])
    assert len(loads) == 1  # built once; later forms read the memo
    before = len(loads)
    str(_memo_form(lambda: pytest.fail("a warm render loads nothing"))()["pick"])
    assert len(loads) == before
    from tests.factories import GroupFactory

    GroupFactory()  # any write moves the data version
    dataversion.current_request.get().data_version = None  # a new request reads it afresh
    form = _memo_form(lambda: [*LONG, ("new", "New")])({"pick": "new"})
    assert form.is_valid() and '<option value="new" selected>New</option>' in str(form["pick"])
