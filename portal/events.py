"""Writing to the site-wide event log."""

import json

from django.contrib.contenttypes.models import ContentType
from django.core.serializers.json import DjangoJSONEncoder

from .models import Event


def _jsonable(data):
    return json.loads(json.dumps(data or {}, cls=DjangoJSONEncoder))


def record(*, actor, verb: str, target=None, group=None, data: dict | None = None, at=None) -> Event:
    """Append one row to the event log. Call it inside the transaction of the change it records.

    `group` is the group whose timeline shows the event: pass it when the target is a Group itself (this
    core module knows no app); for any other target its `group_id`, when it has one, is used."""
    kwargs = {}
    if at is not None:
        kwargs["created_at"] = at
    if target is not None:
        kwargs["target_type"] = ContentType.objects.get_for_model(target)
        kwargs["target_id"] = str(target.pk)
        kwargs["target_repr"] = str(target)[:200]
    if group is not None:
        kwargs["group_id"] = group.pk
    elif target is not None:  # a group's meeting, nomination, membership, SEP...: its group_id says which
        kwargs["group_id"] = getattr(target, "group_id", None)
    return Event.objects.create(
        actor=actor if (actor is not None and actor.pk) else None,
        verb=verb,
        data=_jsonable(data),
        **kwargs,
    )
