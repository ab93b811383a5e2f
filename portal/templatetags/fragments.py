"""`{% fragment %}`: Django's template fragment cache (`{% cache %}`, whose CacheNode this reuses),
keyed so that a fragment is shared by every viewer who would see the same HTML (issue #14).

    {% load fragments %}
    {% fragment "group-members" group.pk %} ... {% endfragment %}
    {% fragment "sep-body" sep.pk timeless %} ... {% endfragment %}

The key always holds, before the listed vary values:
- `portal.dataversion.cache_key(request)`: the data version (any write by any path moves it), the
  database and the code version, so nothing is ever invalidated by hand and nothing is stale;
- the viewer's time zone name (times render in it);
- the minute bucket of the response cache, unless the fragment says `timeless`: a fragment that
  shows "in 3 hours", "overdue" or lists upcoming meetings moves on with the clock exactly as a
  cached page does. Say `timeless` only for content that never depends on the clock.

What is NOT in the key is the viewer: anything that depends on who is looking (an edit link for
leads, the viewer's own rows) stays outside the fragment or is named in the vary list
(`request.user.pk`, a role flag).

Default-safe: a fragment whose output carries this request's CSRF token (`{% csrf_token %}` or
`{{ csrf_token }}`) or CSP nonce is never stored (it would hand one viewer's token to another); under
DEBUG or in tests it raises `UnsafeFragment` naming the fragment, so the template gets fixed. Forms
and scripts stay outside fragments.

`settings.FRAGMENT_CACHE = False` (env FRAGMENT_CACHE=false) turns the cache off: the tag just renders.
A fragment rendered without a request in its context (mail), or in the answer to a POST (rendered
after the POST's write, while the request's data version was read before it), is rendered, never
cached.
"""

import re

from django import template
from django.conf import settings
from django.middleware.csrf import CSRF_SECRET_LENGTH, CSRF_TOKEN_LENGTH, _unmask_cipher_token
from django.template import NodeList, TemplateSyntaxError
from django.templatetags.cache import CacheNode
from django.utils import timezone

from portal import dataversion

register = template.Library()

TIMEOUT_MINUTE = 120  # a minute-keyed fragment is useless after its minute (and the next)
TIMEOUT_TIMELESS = 3600  # keyed on the data version: never stale, the timeout only bounds memory
_MASKED = re.compile(rf"(?<![A-Za-z0-9])[A-Za-z0-9]{{{CSRF_TOKEN_LENGTH}}}(?![A-Za-z0-9])")


class UnsafeFragment(Exception):
    """A fragment rendered a per-request secret (CSRF token, CSP nonce): it must not be cached."""


class _Unstorable(Exception):
    def __init__(self, output, why):
        super().__init__(why)
        self.output, self.why = output, why


def unsafe_reason(request, output: str) -> str:
    """Why `output` must not be shared with another request ('' when it may)."""
    if "csrfmiddlewaretoken" in output:
        return "a {% csrf_token %} form field"
    secret = request.META.get("CSRF_COOKIE") or ""
    if len(secret) == CSRF_SECRET_LENGTH and any(
        _unmask_cipher_token(m.group(0)) == secret for m in _MASKED.finditer(output)
    ):
        return "the CSRF token"
    nonce = getattr(request, "_csp_nonce", None)
    if nonce and str(nonce) in output:  # a LazyNonce is true only once generated
        return "the CSP nonce"
    return ""


class _CheckedNodeList(NodeList):
    """The fragment's nodes (a NodeList, so template partials and node walks see inside), checked
    after rendering, before CacheNode stores the output."""

    def render(self, context):
        output = super().render(context)
        why = unsafe_reason(context["request"], output)
        if why:
            raise _Unstorable(output, why)
        return output


class _Fixed:
    """A vary value computed by the tag itself (CacheNode resolves each vary value)."""

    def __init__(self, compute):
        self.compute = compute

    def resolve(self, context):
        return self.compute(context)


def _bucket(context):
    return dataversion.bucket()


class FragmentNode(CacheNode):
    def __init__(self, nodelist, name, vary_on, timeless):
        key_parts = [
            _Fixed(lambda context: dataversion.cache_key(context["request"])),
            _Fixed(lambda context: timezone.get_current_timezone_name()),
            _Fixed(lambda context: "timeless") if timeless else _Fixed(_bucket),
        ]
        expire = template.Variable(str(TIMEOUT_TIMELESS if timeless else TIMEOUT_MINUTE))
        super().__init__(_CheckedNodeList(nodelist), expire, f"fragment.{name}", key_parts + vary_on, None)
        self.name = name

    def render(self, context):
        request = context.get("request")
        if request is None or not getattr(settings, "FRAGMENT_CACHE", True) or request.method not in ("GET", "HEAD"):
            # A POST renders after its own write, but the request's data version was read before
            # it: keyed on that, a fragment would replay the state the POST just changed.
            return NodeList.render(self.nodelist, context)
        try:
            return super().render(context)
        except _Unstorable as unsafe:
            if settings.DEBUG or getattr(settings, "TESTING", False):
                raise UnsafeFragment(
                    f"fragment {self.name!r} renders {unsafe.why}: keep forms and scripts outside fragments"
                ) from None
            return unsafe.output


@register.tag("fragment")
def do_fragment(parser, token):
    """{% fragment "name" [vary ...] [timeless] %} ... {% endfragment %}"""
    bits = token.split_contents()
    if len(bits) < 2 or bits[1][0] not in "\"'" or bits[1][-1] != bits[1][0]:
        raise TemplateSyntaxError('{% fragment %} needs a quoted name: {% fragment "name" vary... %}')
    name, rest = bits[1][1:-1], bits[2:]
    timeless = "timeless" in rest
    rest = [b for b in rest if b != "timeless"]
    nodelist = parser.parse(("endfragment",))
    parser.delete_first_token()
    return FragmentNode(nodelist, name, [parser.compile_filter(b) for b in rest], timeless)
