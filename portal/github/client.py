"""A small client for the few GitHub REST endpoints the sync reads (plain httpx).

Every response's rate-limit headers are kept; a 403/429 that says the limit is reached raises
`RateLimited` with the moment to resume, and once GitHub said none are left the client refuses to
send another request before the reset (never hammer). A timeout, a connection error or a 5xx
raises `Unavailable`. GETs that GitHub answers with an ETag are repeated conditionally
(`If-None-Match`): a 304 costs no rate limit and the cached body is used.
"""

import base64
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from urllib.parse import urlencode

import httpx
from django.conf import settings
from django.utils import timezone

API_VERSION = "2022-11-28"


class GitHubError(Exception):
    """GitHub answered something we cannot use (404, 401, a malformed body...)."""


class Unavailable(GitHubError):
    """A timeout, a connection error or a 5xx: try again at the next run."""


class RateLimited(GitHubError):
    def __init__(self, reset_at: datetime, message: str = ""):
        self.reset_at = reset_at
        super().__init__(message or f"GitHub's rate limit is reached until {reset_at:%Y-%m-%d %H:%M} UTC.")


@dataclass
class Reply:
    data: object
    link: str = ""
    cached: bool = False


class MemoryCache:
    """ETag cache kept for one client (the dry run); the sync uses `DbCache`."""

    def __init__(self):
        self.rows = {}

    def get(self, url):
        return self.rows.get(url)

    def put(self, url, etag, body, link):
        self.rows[url] = (etag, body, link)


class DbCache:
    def __init__(self, read_only=False):
        self.read_only = read_only

    def get(self, url):
        from .models import CachedResponse

        row = CachedResponse.objects.filter(url=url[:500]).first()
        return (row.etag, row.body, row.link) if row else None

    def put(self, url, etag, body, link):
        from .models import CachedResponse

        if self.read_only or len(url) > 500 or len(etag) > 200:
            return
        CachedResponse.objects.update_or_create(
            url=url, defaults={"etag": etag, "body": body, "link": link, "fetched_at": timezone.now()}
        )


def _next_link(link: str) -> str:
    """The `rel="next"` URL of a Link header, or ""."""
    for part in (link or "").split(","):
        bits = part.split(";")
        if len(bits) >= 2 and any(b.strip() == 'rel="next"' for b in bits[1:]):
            return bits[0].strip().strip("<>")
    return ""


def _epoch(value) -> datetime | None:
    try:
        return datetime.fromtimestamp(int(value), tz=UTC)
    except (TypeError, ValueError, OverflowError, OSError):
        return None


def parse_time(value) -> datetime | None:
    if not value or not isinstance(value, str):
        return None
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


class GitHubClient:
    def __init__(self, *, api_url=None, repository=None, token=None, timeout=None, cache=None, transport=None):
        self.api_url = (api_url or settings.GITHUB_API_URL).rstrip("/")
        self.repository = repository or settings.GITHUB_REPOSITORY
        token = settings.GITHUB_TOKEN if token is None else token
        headers = {
            "Accept": "application/vnd.github+json",
            "X-GitHub-Api-Version": API_VERSION,
            "User-Agent": "mcp-groups-portal-sync",
        }
        if token:
            headers["Authorization"] = f"Bearer {token}"
        self.http = httpx.Client(
            base_url=self.api_url,
            headers=headers,
            timeout=timeout or settings.GITHUB_TIMEOUT_SECONDS,
            follow_redirects=True,
            transport=transport,
        )
        self.cache = cache if cache is not None else MemoryCache()
        self.requests_made = 0
        self.rate_limit = None
        self.rate_remaining = None
        self.rate_reset_at = None

    def close(self):
        self.http.close()

    # --- transport -----------------------------------------------------------------------------
    def _absolute(self, path_or_url: str, params=None) -> str:
        url = path_or_url if path_or_url.startswith(("http://", "https://")) else f"{self.api_url}{path_or_url}"
        if params:
            url += ("&" if "?" in url else "?") + urlencode(params)
        return url

    def _note_limits(self, response, now):
        h = response.headers
        if h.get("x-ratelimit-limit", "").isdigit():
            self.rate_limit = int(h["x-ratelimit-limit"])
        if h.get("x-ratelimit-remaining", "").isdigit():
            self.rate_remaining = int(h["x-ratelimit-remaining"])
        reset = _epoch(h.get("x-ratelimit-reset"))
        if reset:
            self.rate_reset_at = reset
        if response.status_code in (403, 429):
            retry_after = h.get("retry-after", "")
            if retry_after.isdigit():
                raise RateLimited(now + timedelta(seconds=int(retry_after)))
            if self.rate_remaining == 0:
                raise RateLimited(reset or now + timedelta(minutes=1))

    def get(self, path_or_url: str, params=None, *, conditional=True) -> Reply:
        now = timezone.now()
        if self.rate_remaining == 0 and self.rate_reset_at and self.rate_reset_at > now:
            raise RateLimited(self.rate_reset_at)  # GitHub said none are left: do not ask again
        url = self._absolute(path_or_url, params)
        cached = self.cache.get(url) if conditional else None
        headers = {"If-None-Match": cached[0]} if cached else {}
        try:
            self.requests_made += 1
            response = self.http.get(url, headers=headers)
        except httpx.TimeoutException as exc:
            raise Unavailable(f"GitHub did not answer in time ({url}).") from exc
        except httpx.TransportError as exc:
            raise Unavailable(f"Cannot reach GitHub ({type(exc).__name__}: {exc}).") from exc
        self._note_limits(response, now)
        if response.status_code == 304 and cached:
            return Reply(cached[1], cached[2], cached=True)
        if response.status_code >= 500:
            raise Unavailable(f"GitHub answered {response.status_code} for {url}.")
        if response.status_code != 200:
            raise GitHubError(f"GitHub answered {response.status_code} for {url}: {response.text[:200]}")
        try:
            data = response.json()
        except ValueError as exc:
            raise GitHubError(f"GitHub sent a body that is not JSON for {url}.") from exc
        link = response.headers.get("link", "")
        etag = response.headers.get("etag", "")
        if conditional and etag:
            self.cache.put(url, etag, data, link)
        return Reply(data, link)

    def get_all(self, path: str, params=None) -> list:
        """A list endpoint, following the Link header's next page."""
        out, url, seen = [], self._absolute(path, params), set()
        while url and url not in seen:
            seen.add(url)
            reply = self.get(url)
            if not isinstance(reply.data, list):
                raise GitHubError(f"Expected a list from {url}.")
            out += reply.data
            url = _next_link(reply.link)
        return out

    # --- the endpoints the sync reads ------------------------------------------------------------
    @property
    def repo_path(self) -> str:
        return f"/repos/{self.repository}"

    def default_branch(self) -> str:
        data = self.get(self.repo_path).data
        branch = data.get("default_branch") if isinstance(data, dict) else None
        if not branch:
            raise GitHubError("The repository has no default branch.")
        return branch

    def tree(self, branch: str) -> dict:
        data = self.get(f"{self.repo_path}/git/trees/{branch}", {"recursive": "1"}).data
        if not isinstance(data, dict) or not isinstance(data.get("tree"), list):
            raise GitHubError("The tree answer has no `tree` list.")
        return data

    def blob(self, sha: str) -> bytes:
        """Blobs never change for a SHA: no ETag needed, and the sync asks only for new SHAs."""
        data = self.get(f"{self.repo_path}/git/blobs/{sha}", conditional=False).data
        if not isinstance(data, dict) or "content" not in data:
            raise GitHubError(f"Blob {sha} has no content.")
        if data.get("encoding") == "base64":
            try:
                return base64.b64decode(data["content"])
            except (ValueError, TypeError) as exc:
                raise GitHubError(f"Blob {sha} is not valid base64.") from exc
        return str(data["content"]).encode("utf-8")

    def open_pulls(self) -> list:
        return self.get_all(f"{self.repo_path}/pulls", {"state": "open", "per_page": "100"})

    def pull(self, number: int) -> dict:
        data = self.get(f"{self.repo_path}/pulls/{number}").data
        if not isinstance(data, dict):
            raise GitHubError(f"Pull request #{number}: unexpected answer.")
        return data

    def pull_files(self, number: int) -> list:
        return self.get_all(f"{self.repo_path}/pulls/{number}/files", {"per_page": "100"})

    def last_commit(self, path: str, branch: str) -> tuple[str, datetime | None]:
        """(sha, committed at) of the last commit touching `path` on `branch`, or ("", None)."""
        data = self.get(f"{self.repo_path}/commits", {"path": path, "sha": branch, "per_page": "1"}).data
        if not isinstance(data, list) or not data or not isinstance(data[0], dict):
            return "", None
        commit = data[0].get("commit") or {}
        when = (commit.get("committer") or {}).get("date") or (commit.get("author") or {}).get("date")
        return str(data[0].get("sha", ""))[:40], parse_time(when)
