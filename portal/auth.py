"""Signed-in requests without the session tax: the user is read from the cache, per data version.

`CachedAuthenticationMiddleware` replaces Django's AuthenticationMiddleware. It resolves
`request.user` exactly as `django.contrib.auth.get_user` does (session keys, allowed backend,
session hash verified against the password, fallback secrets), except that the user row comes from
the cache under the current data version. Any write to the user table (a role change in the admin,
a deactivation, a new password, raw SQL) bumps the version, so the next request on every worker
reads the user afresh; sign-out deletes the session, so the next request is anonymous.
"""

from functools import partial

from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, _get_user_session_key, load_backend
from django.contrib.auth.middleware import AuthenticationMiddleware, auser
from django.contrib.auth.models import AnonymousUser
from django.utils.crypto import constant_time_compare
from django.utils.functional import SimpleLazyObject

from . import dataversion

USER_CACHE_SECONDS = 3600


def cached_backend_user(request, backend_path: str, user_id):
    """The backend's user for `user_id`, read once per data version from the shared cache (this
    process's memory first: the key carries the data version, so no copy is ever stale)."""
    key = f"user:{dataversion.cache_key(request)}:{backend_path}:{user_id}"
    cache = dataversion.versioned_cache()
    user = cache.get(key)
    if user is None:
        user = load_backend(backend_path).get_user(user_id)
        if user is not None:
            cache.set(key, user, timeout=USER_CACHE_SECONDS)
    return user


def get_user(request):
    """`django.contrib.auth.get_user`, with the user read through `cached_backend_user`."""
    user = None
    try:
        user_id = _get_user_session_key(request)
        backend_path = request.session[BACKEND_SESSION_KEY]
    except KeyError:
        pass
    else:
        if backend_path in settings.AUTHENTICATION_BACKENDS:
            user = cached_backend_user(request, backend_path, user_id)
            if hasattr(user, "get_session_auth_hash"):
                session_hash = request.session.get(HASH_SESSION_KEY)
                if not session_hash:
                    verified = False
                else:
                    session_auth_hash = user.get_session_auth_hash()
                    verified = constant_time_compare(session_hash, session_auth_hash)
                if not verified:
                    if session_hash and any(
                        constant_time_compare(session_hash, fallback)
                        for fallback in user.get_session_auth_fallback_hash()
                    ):
                        request.session.cycle_key()
                        request.session[HASH_SESSION_KEY] = session_auth_hash
                    else:
                        request.session.flush()
                        user = None
    return user or AnonymousUser()


def _lazy_user(request):
    if not hasattr(request, "_cached_user"):
        request._cached_user = get_user(request)
    return request._cached_user


class CachedAuthenticationMiddleware(AuthenticationMiddleware):
    def process_request(self, request):
        super().process_request(request)  # its checks, and request.auser for async views
        request.user = SimpleLazyObject(partial(_lazy_user, request))
        request.auser = partial(auser, request)
