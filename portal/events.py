"""Writing to the site-wide event log."""

import json

from django.contrib.contenttypes.models import ContentType
from django.core.serializers.json import DjangoJSONEncoder

from .models import Event


def _jsonable(data):
    return json.loads(json.dumps(data or {}, cls=DjangoJSONEncoder))


def record(*, actor, verb: str, target=None, group=None, data: dict | None = None, at=None) -> Event:
    """Append one row to the event log. Call it inside the transaction of the change it records."""
    kwargs = {}
    if at is not None:
        kwargs["created_at"] = at
    if target is not None:
        kwargs["target_type"] = ContentType.objects.get_for_model(target)
        kwargs["target_id"] = str(target.pk)
        kwargs["target_repr"] = str(target)[:200]
    if group is None and target is not None:
        group = _group_of(target)
    return Event.objects.create(
        actor=actor if (actor is not None and actor.pk) else None,
        verb=verb,
        group=group,
        data=_jsonable(data),
        **kwargs,
    )


def _group_of(target):
    from groups.models import Group

    if isinstance(target, Group):
        return target
    group_id = getattr(target, "group_id", None)
    if group_id:
        return Group(pk=group_id)
    return None
