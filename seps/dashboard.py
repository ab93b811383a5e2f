"""Dashboard panel: the person's open SEPs; review queue size for core maintainers."""

from django.db.models import Count, Exists, IntegerField, OuterRef, Subquery, Value
from django.db.models.functions import Coalesce

from .models import SEP, SEPAuthor, Status

OPEN = [Status.PROPOSAL, Status.DRAFT, Status.IN_REVIEW, Status.ACCEPTED]


def _total(qs):
    counted = qs.order_by().values(k=Value(1)).annotate(n=Count("pk")).values("n")
    return Coalesce(Subquery(counted, output_field=IntegerField()), 0)


def facts(person) -> dict:
    """The dashboard's facts from SEPs (folded into portal.views' one query): whether the person
    sponsors or writes an open SEP, and for core maintainers the review queue's counts. `person` is a
    portal.views.FactsPerson: its verified handle (a parameter), whether it is a core maintainer."""
    authors = SEPAuthor.objects.filter(sep__status__in=OPEN)
    mine = Exists(SEP.objects.filter(sponsor=OuterRef("pk"), status__in=OPEN)) | Exists(
        authors.filter(user=OuterRef("pk"))
    )
    if person.handle:
        mine = mine | Exists(authors.filter(github__iexact=person.handle))
    out = {"s_mine": mine}
    if person.is_core_maintainer:
        queue = SEP.objects.filter(status__in=[Status.IN_REVIEW, Status.DRAFT])
        out.update(
            s_in_review=_total(queue.filter(status=Status.IN_REVIEW)),
            s_draft=_total(queue.filter(status=Status.DRAFT)),
        )
    return out


def panels(request):
    facts = getattr(request, "dashboard_facts", None)
    return [{"template": "seps/_dashboard_panel.html", "title": "Your SEPs", "order": 30, "facts": facts}]
