"""Session store: read from the cache when the cache is shared (Redis), and able to say which keys
a request read, so the response cache knows whether a page depends on session data.

With `REDIS_URL` set, `cached_db`: a signed-in request reads its session from Redis, not
PostgreSQL, and sign-out (which deletes the session from both) takes effect on every worker at
once. Without Redis the cache is per process, so sessions stay in the database (a session deleted
by one process must not live on in another's memory).
"""

import logging

from django.conf import settings
from django.contrib.sessions.backends import cached_db, db
from django.core.exceptions import SuspiciousOperation
from django.db.models.expressions import RawSQL
from django.utils import timezone

_Base = cached_db.SessionStore if settings.SESSIONS_CACHED else db.SessionStore

READ_ALL = "*"


class SessionStore(_Base):
    """Records the keys read while `tracking` is set (the response cache sets it around a view).

    A session read from the database brings the data version along in the same query
    (`data_version`), so a signed-in request without Redis still costs one query before the view.
    """

    tracking = False
    data_version = None

    def _get_session_from_db(self):
        try:
            session = self.model.objects.annotate(
                data_version=RawSQL("SELECT value FROM portal_dataversion WHERE id = 1", [])
            ).get(session_key=self.session_key, expire_date__gt=timezone.now())
        except (self.model.DoesNotExist, SuspiciousOperation) as exc:
            if isinstance(exc, SuspiciousOperation):
                logging.getLogger(f"django.security.{exc.__class__.__name__}").warning(str(exc))
            self._session_key = None
            return None
        self.data_version = session.data_version
        return session

    def _note(self, key):
        if self.tracking:
            self.__dict__.setdefault("read_keys", set()).add(key)

    def __getitem__(self, key):
        self._note(key)
        return super().__getitem__(key)

    def __contains__(self, key):
        self._note(key)
        return super().__contains__(key)

    def get(self, key, default=None):
        self._note(key)
        return super().get(key, default)

    def keys(self):
        self._note(READ_ALL)
        return super().keys()

    def values(self):
        self._note(READ_ALL)
        return super().values()

    def items(self):
        self._note(READ_ALL)
        return super().items()

    def setdefault(self, key, value):
        self._note(key)
        return super().setdefault(key, value)

    def pop(self, key, *args):
        self._note(key)
        return super().pop(key, *args)
