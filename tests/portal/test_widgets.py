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
