"""Atom feeds of SEP status changes, for the whole portal and per group (Django syndication)."""

from django.conf import settings
from django.contrib.syndication.views import Feed
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.feedgenerator import Atom1Feed
from django.views.decorators.http import require_safe

from groups.models import Group
from portal import feedcache
from portal.models import Event
from portal.syndication import SafeAtom1Feed

from .models import status_label
from .services import STATUS_CHANGED

FEED_SIZE = 50


def _absolute(path: str) -> str:
    """Links in the feed use the site's own address (settings.SITE_URL, as the calendars do), not the
    sites framework's placeholder domain."""
    return settings.SITE_URL + path


class StatusChangesFeed(Feed):
    feed_type = SafeAtom1Feed  # any text a person typed stays valid XML (S6)
    title = "SEP status changes"
    subtitle = "Every status change of a Specification Enhancement Proposal, with who and why."

    def link(self):
        return _absolute(reverse("seps:index"))

    def feed_url(self):
        return _absolute(reverse("seps:feed"))

    def items(self):
        return (
            Event.objects.filter(verb=STATUS_CHANGED).select_related("actor").order_by("-created_at", "-id")[:FEED_SIZE]
        )

    def item_title(self, item):
        d = item.data
        return (
            f"SEP-{d.get('number')}: {d.get('title', '')} — {status_label(d.get('from'))} → {status_label(d.get('to'))}"
        )

    def item_description(self, item):
        who = item.actor.name if item.actor_id else "The portal"
        return f"{who}: {item.data.get('reason', '')}"

    def item_link(self, item):
        # Also the entry's id (an absolute IRI, as RFC 4287 requires): unique per status change.
        return _absolute(reverse("seps:detail", args=[item.data.get("number")]) + f"#event-{item.pk}")

    def item_pubdate(self, item):
        return item.created_at

    def item_updateddate(self, item):
        return item.created_at

    def item_author_name(self, item):
        return item.actor.name if item.actor_id else "portal"


class GroupStatusChangesFeed(StatusChangesFeed):
    def get_object(self, request, slug):
        return get_object_or_404(Group, slug=slug)

    def title(self, obj):
        return f"SEP status changes — {obj.name}"

    def link(self, obj):
        return _absolute(reverse("seps:index") + f"?group={obj.slug}")

    def feed_url(self, obj):
        return _absolute(reverse("seps:group_feed", args=[obj.slug]))

    def items(self, obj):
        events = Event.objects.filter(verb=STATUS_CHANGED, group=obj).select_related("actor")
        return events.order_by("-created_at", "-id")[:FEED_SIZE]


def cached(feed):
    """The feed view, rendered once per data version, answering conditional GETs by a hash of its
    body (`portal.feedcache`): a group renamed in the admin or a status reason fixed by raw SQL
    changes the ETag; an unrelated write does not (M6)."""

    @require_safe
    def view(request, **kwargs):
        etag, body = feedcache.versioned(request, ("atom", request.path), lambda: feed(request, **kwargs).content)
        return feedcache.conditional(request, etag, body, Atom1Feed.content_type)

    return view
