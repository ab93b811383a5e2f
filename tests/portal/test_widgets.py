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
