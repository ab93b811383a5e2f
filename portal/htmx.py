"""The one way a view answers htmx: the whole page, or one of its `{% partialdef %}` parts.

Every view in groups/, meetings/, seps/ and portal/ decides with `wants_partial` and renders with
`render_page`, so the rules below hold everywhere:

- A partial goes only to htmx swapping a region in place (`HX-Request`).
- A history restore (`HX-History-Restore-Request`: the back button after `hx-push-url` when htmx's
  snapshot cache is gone) always gets the whole page: htmx puts the answer in place of `<body>`.
- A boosted request (`hx-boost` link or form) gets the whole page too, unless the view says it
  targets a region (`boosted=True`).
- htmx 2 swaps only 2xx responses, so a partial carrying form or domain errors is answered 200;
  the full page for a plain request keeps its 4xx status.
"""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render


def wants_partial(request: HttpRequest, *, boosted: bool = False) -> bool:
    """Should this request get a partial? False without htmx, for history restores, and for boosted
    requests unless `boosted` (the view knows its boosted target is a region)."""
    htmx = getattr(request, "htmx", None)
    if not htmx:
        return False
    if htmx.history_restore_request:
        return False
    return boosted or not htmx.boosted


def partial_status(request: HttpRequest, status: int, *, boosted: bool = False) -> int:
    """The status to answer with: an error status becomes 200 for a partial (htmx swaps 2xx only)."""
    if status >= 400 and wants_partial(request, boosted=boosted):
        return 200
    return status


def render_page(
    request: HttpRequest,
    template: str,
    context: dict | None = None,
    *,
    partial: str | None = None,
    status: int = 200,
    boosted: bool = False,
) -> HttpResponse:
    """Render `template`, or `template#partial` when `partial` is given and `wants_partial(request)`.
    `status` is the full page's status (e.g. 400 for form errors); a partial gets 200 instead."""
    if partial and wants_partial(request, boosted=boosted):
        return render(
            request, f"{template}#{partial}", context, status=partial_status(request, status, boosted=boosted)
        )
    return render(request, template, context, status=status)


def redirect_response(request: HttpRequest, url: str, *, boosted: bool = False) -> HttpResponse | None:
    """For htmx (a partial request): 204 with `HX-Redirect` so htmx navigates to `url`; None otherwise
    (the caller answers with a plain redirect)."""
    if wants_partial(request, boosted=boosted):
        return HttpResponse(status=204, headers={"HX-Redirect": url})
    return None


def render_fragment(request: HttpRequest, template: str, context: dict | None = None) -> HttpResponse:
    """For endpoints that only ever answer htmx with a piece of a page (a live preview): always the
    fragment, always 200 (an error is shown inside it)."""
    return render(request, template, context)
