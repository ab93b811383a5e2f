"""A stand-in for the few GitHub REST endpoints the sync reads, with the JSON shapes GitHub documents.

Tests drive it through respx (`install(router, hub)`); `python -m tests.github.fakehub SAMPLES`
serves it over HTTP, laying out a samples folder as a repository (read at run time, never copied):

    SAMPLES/seps/*.md                  -> seps/*.md
    SAMPLES/charters/*.mdx             -> docs/community/{working,interest}-groups/*.mdx (by "Group Type")
    SAMPLES/maintainers/MAINTAINERS.md -> MAINTAINERS.md

Each answer carries GitHub's rate-limit headers and an ETag; `If-None-Match` with the same ETag
gets 304. `hub.requests` lists every request as (kind, path) so tests can count blob fetches.
"""

import argparse
import base64
import hashlib
import json
import re
import sys
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

OWNER_REPO = "modelcontextprotocol/modelcontextprotocol"
T0 = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)


def git_blob_sha(data: bytes) -> str:
    """The SHA git itself gives a blob, as GitHub reports it in trees."""
    return hashlib.sha1(b"blob %d\0" % len(data) + data, usedforsecurity=False).hexdigest()


def iso(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass
class Pull:
    number: int
    title: str
    files: dict  # path -> (status, bytes | None)
    labels: list = field(default_factory=list)
    state: str = "open"
    merged: bool = False
    head_sha: str = ""
    updated_at: datetime = T0
    author: str = "someone"
    closed_at: datetime | None = None


class FakeGitHub:
    def __init__(self, repository=OWNER_REPO, branch="main", per_page_cap=100):
        self.repository = repository
        self.branch = branch
        self.files: dict[str, bytes] = {}
        self.history: dict[str, list[tuple[str, datetime]]] = {}
        self.pulls: dict[int, Pull] = {}
        self.requests: list[tuple[str, str]] = []
        self.rate_limit = 5000
        self.rate_remaining = 5000
        self.rate_reset = datetime(2030, 1, 1, tzinfo=UTC)
        self.fail = None  # callable(kind, path?query) -> a status code, an exception to raise, or None
        self.retry_after = None  # seconds, for a 429/403 with Retry-After
        self.per_page_cap = per_page_cap
        self.public_url = "https://api.github.com"  # where Link headers point
        self._commit_counter = 0
        self._blobs: dict[str, bytes] = {}

    # --- building the repository -----------------------------------------------------------------
    def put(self, path: str, text, when: datetime | None = None) -> str:
        data = text.encode("utf-8") if isinstance(text, str) else text
        self.files[path] = data
        self._blobs[git_blob_sha(data)] = data
        self._commit_counter += 1
        sha = hashlib.sha1(f"{path}{self._commit_counter}".encode(), usedforsecurity=False).hexdigest()
        self.history.setdefault(path, []).append((sha, when or T0 + timedelta(days=self._commit_counter)))
        return sha

    def open_pull(self, number, files, *, title="", labels=(), updated_at=None, author="someone"):
        """files: {path: text} (added unless the path is on the default branch) or {path: (status, text)}."""
        shaped = {}
        for path, value in files.items():
            status, text = value if isinstance(value, tuple) else ("modified" if path in self.files else "added", value)
            data = text.encode("utf-8") if isinstance(text, str) else text
            if data is not None:
                self._blobs[git_blob_sha(data)] = data
            shaped[path] = (status, data)
        pull = Pull(number, title or f"Pull request {number}", shaped, list(labels),
                    updated_at=updated_at or T0, author=author)  # fmt: skip
        pull.head_sha = self._head(pull)
        self.pulls[number] = pull
        return pull

    def push_to_pull(self, number, path, text, updated_at=None):
        pull = self.pulls[number]
        data = text.encode("utf-8")
        self._blobs[git_blob_sha(data)] = data
        status = pull.files.get(path, ("added", None))[0]
        pull.files[path] = (status, data)
        pull.head_sha = self._head(pull)
        pull.updated_at = updated_at or pull.updated_at + timedelta(hours=1)

    def close_pull(self, number, *, merged=False, when=None):
        pull = self.pulls[number]
        pull.state, pull.merged, pull.closed_at = "closed", merged, when or pull.updated_at + timedelta(days=1)

    @staticmethod
    def _head(pull):
        digest = hashlib.sha1(usedforsecurity=False)
        for path, (status, data) in sorted(pull.files.items()):
            digest.update(f"{path}{status}".encode() + (data or b""))
        return digest.hexdigest()

    def count(self, kind: str) -> int:
        return sum(1 for k, _ in self.requests if k == kind)

    # --- answering -----------------------------------------------------------------------------
    def handle(self, method: str, url: str, headers: dict) -> tuple[int, dict, bytes]:
        parts = urlsplit(url)
        path, query = parts.path, {k: v[-1] for k, v in parse_qs(parts.query).items()}
        base = f"/repos/{self.repository}"
        kind, body = self._route(path, query, base)
        logged = path + (f"?{parts.query}" if parts.query else "")
        self.requests.append((kind, logged))
        limit_headers = {
            "X-RateLimit-Limit": str(self.rate_limit),
            "X-RateLimit-Reset": str(int(self.rate_reset.timestamp())),
        }
        failure = self.fail(kind, logged) if self.fail else None
        if isinstance(failure, Exception):
            raise failure  # e.g. httpx.ReadTimeout: what the client sees when GitHub does not answer
        if failure:
            limit_headers["X-RateLimit-Remaining"] = str(self.rate_remaining)
            if failure in (403, 429) and self.retry_after is not None:
                limit_headers["Retry-After"] = str(self.retry_after)
            return failure, limit_headers, json.dumps({"message": "Server Error"}).encode()
        if self.rate_remaining <= 0:
            limit_headers["X-RateLimit-Remaining"] = "0"
            msg = {"message": "API rate limit exceeded", "documentation_url": "https://docs.github.com/rest"}
            return 403, limit_headers, json.dumps(msg).encode()
        if body is None:
            limit_headers["X-RateLimit-Remaining"] = str(self.rate_remaining)
            return 404, limit_headers, json.dumps({"message": "Not Found"}).encode()
        payload, link = body
        raw = json.dumps(payload).encode()
        etag = '"' + hashlib.sha256(raw).hexdigest() + '"'
        out = {"Content-Type": "application/json; charset=utf-8"}
        if kind != "blob":
            out["ETag"] = etag
        if link:
            out["Link"] = link
        if kind != "blob" and headers.get("if-none-match") == etag:
            limit_headers["X-RateLimit-Remaining"] = str(self.rate_remaining)  # a 304 costs nothing
            return 304, {**limit_headers, "ETag": etag}, b""
        self.rate_remaining -= 1
        limit_headers["X-RateLimit-Remaining"] = str(self.rate_remaining)
        return 200, {**out, **limit_headers}, raw

    def _route(self, path, query, base):
        if path == base:
            return "repo", ({"id": 1, "name": self.repository.split("/")[1], "full_name": self.repository,
                             "default_branch": self.branch, "private": False}, "")  # fmt: skip
        if path == f"{base}/git/trees/{self.branch}":
            return "tree", (self._tree(), "")
        m = re.fullmatch(rf"{re.escape(base)}/git/blobs/([0-9a-f]{{40}})", path)
        if m:
            data = self._blobs.get(m[1])
            if data is None:
                return "blob", None
            content = base64.encodebytes(data).decode()
            return "blob", ({"sha": m[1], "node_id": "B_" + m[1][:8], "size": len(data), "encoding": "base64",
                             "content": content, "url": f"https://api.github.com{path}"}, "")  # fmt: skip
        if path == f"{base}/pulls":
            items = [self._pull_json(p) for n, p in sorted(self.pulls.items(), reverse=True) if p.state == "open"]
            return "pulls", self._page(path, query, items)
        m = re.fullmatch(rf"{re.escape(base)}/pulls/(\d+)", path)
        if m:
            pull = self.pulls.get(int(m[1]))
            return "pull", ((self._pull_json(pull), "") if pull else None)
        m = re.fullmatch(rf"{re.escape(base)}/pulls/(\d+)/files", path)
        if m:
            pull = self.pulls.get(int(m[1]))
            if pull is None:
                return "pull_files", None
            items = [
                {"sha": git_blob_sha(data) if data is not None else "0" * 40, "filename": p, "status": status,
                 "additions": 1, "deletions": 0, "changes": 1,
                 "blob_url": f"https://github.com/{self.repository}/blob/{pull.head_sha}/{p}"}
                for p, (status, data) in sorted(pull.files.items())
            ]  # fmt: skip
            return "pull_files", self._page(path, query, items)
        if path == f"{base}/commits":
            history = self.history.get(query.get("path", ""), [])
            items = [
                {"sha": sha, "commit": {"author": {"name": "A", "email": "a@example.test", "date": iso(when)},
                                        "committer": {"name": "GitHub", "email": "noreply@github.com",
                                                      "date": iso(when)},
                                        "message": f"Update {query.get('path')}"},
                 "html_url": f"https://github.com/{self.repository}/commit/{sha}"}
                for sha, when in reversed(history)
            ][: int(query.get("per_page", "30"))]  # fmt: skip
            return "commits", (items, "")
        return "unknown", None

    def _tree(self):
        entries, dirs = [], set()
        for path in sorted(self.files):
            parts = path.split("/")
            for i in range(1, len(parts)):
                dirs.add("/".join(parts[:i]))
        for d in sorted(dirs):
            entries.append({"path": d, "mode": "040000", "type": "tree", "sha": hashlib.sha1(d.encode()).hexdigest()})  # noqa: S324
        for path, data in sorted(self.files.items()):
            sha = git_blob_sha(data)
            entries.append({"path": path, "mode": "100644", "type": "blob", "sha": sha, "size": len(data),
                            "url": f"https://api.github.com/repos/{self.repository}/git/blobs/{sha}"})  # fmt: skip
        tree_sha = hashlib.sha1(json.dumps(entries).encode(), usedforsecurity=False).hexdigest()
        return {"sha": tree_sha, "url": f"https://api.github.com/repos/{self.repository}/git/trees/{tree_sha}",
                "tree": sorted(entries, key=lambda e: e["path"]), "truncated": False}  # fmt: skip

    def _pull_json(self, p: Pull):
        return {
            "url": f"https://api.github.com/repos/{self.repository}/pulls/{p.number}",
            "html_url": f"https://github.com/{self.repository}/pull/{p.number}",
            "number": p.number,
            "state": p.state,
            "title": p.title,
            "user": {"login": p.author, "type": "User"},
            "labels": [{"id": i, "name": name, "color": "ededed"} for i, name in enumerate(p.labels)],
            "draft": False,
            "head": {"ref": f"branch-{p.number}", "sha": p.head_sha},
            "base": {"ref": self.branch, "sha": "b" * 40},
            "created_at": iso(T0),
            "updated_at": iso(p.updated_at),
            "closed_at": iso(p.closed_at) if p.closed_at else None,
            "merged_at": iso(p.closed_at) if p.merged and p.closed_at else None,
            "merged": p.merged,
        }

    def _page(self, path, query, items):
        per_page = max(1, min(int(query.get("per_page", "30") or 30), self.per_page_cap))
        page = max(1, int(query.get("page", "1") or 1))
        chunk = items[(page - 1) * per_page : page * per_page]
        link = ""
        if page * per_page < len(items):
            rest = {k: v for k, v in query.items() if k != "page"}
            qs = "&".join(f"{k}={v}" for k, v in rest.items())
            link = f'<{self.public_url}{path}?{qs}&page={page + 1}>; rel="next"'
        return chunk, link


# --- respx adapter (tests) ---------------------------------------------------------------------


def install(router, hub: FakeGitHub):
    import httpx

    def answer(request):
        status, headers, body = hub.handle(request.method, str(request.url), dict(request.headers))
        return httpx.Response(status, headers=headers, content=body)

    router.route().mock(side_effect=answer)
    return hub


# --- the samples as a repository, served over HTTP (the "done means" run) -------------------------


def load_samples(hub: FakeGitHub, samples: Path) -> FakeGitHub:
    for f in sorted((samples / "seps").glob("*.md")):
        hub.put(f"seps/{f.name}", f.read_bytes())
    for f in sorted((samples / "charters").glob("*.mdx")):
        text = f.read_text(encoding="utf-8")
        m = re.search(r"^## Group Type\s*\n(?:\s*\n)*\s*\*\*(Working|Interest) Group\*\*", text, re.M)
        folder = f"docs/community/{m[1].lower()}-groups" if m else "docs/community"
        hub.put(f"{folder}/{f.name}", f.read_bytes())
    maintainers = samples / "maintainers" / "MAINTAINERS.md"
    if maintainers.exists():
        hub.put("MAINTAINERS.md", maintainers.read_bytes())
    return hub


def serve(samples: Path, port: int):
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    hub = load_samples(FakeGitHub(), samples)
    hub.public_url = f"http://127.0.0.1:{port}"

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802 - the http.server API
            if self.path == "/_requests":
                counts = {}
                for kind, _ in hub.requests:
                    counts[kind] = counts.get(kind, 0) + 1
                status, headers, body = 200, {"Content-Type": "application/json"}, json.dumps(counts).encode()
            else:
                status, headers, body = hub.handle("GET", f"http://localhost{self.path}", {
                    k.lower(): v for k, v in self.headers.items()})  # fmt: skip
            self.send_response(status)
            for k, v in headers.items():
                self.send_header(k, v)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, fmt, *args):
            sys.stderr.write(f"fakehub: {self.command} {self.path} -> {args[1] if len(args) > 1 else ''}\n")

    print(f"Stand-in GitHub for {hub.repository}: {len(hub.files)} files from {samples} on http://127.0.0.1:{port}")
    for path in sorted(hub.files):
        print(f"  {path}")
    ThreadingHTTPServer(("127.0.0.1", port), Handler).serve_forever()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("samples", type=Path, help="e.g. ../shared/samples")
    parser.add_argument("--port", type=int, default=8765)
    args = parser.parse_args()
    serve(args.samples, args.port)
