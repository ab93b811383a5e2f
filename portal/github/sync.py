"""One sync run: read the repository through the client, hand each changed file to its app's importer.

The blob SHA is the change detector: a file whose SHA equals the one last applied is neither
fetched nor applied, so an unchanged repository costs a handful of (mostly 304) requests, and a
status decided later in the portal is never undone by an unchanged file. Each file is applied in
its own transaction together with the SHA that records it: a run stopped half-way (rate limit,
timeout, 5xx) keeps what it applied, and the next run picks up the rest.
"""

import logging
import re
import uuid
from pathlib import Path

from django.db import transaction
from django.utils import timezone

from groups.charter_import import CharterFormatError, CharterSkipped, apply_charter, parse_charter
from groups.models import Group
from portal.events import record
from seps.importer import parse_sep
from seps.models import SEP, SEPPullRequest
from seps.services import sep_pull_request_closed, sep_pull_request_seen
from seps.text_import import import_sep_text

from . import maintainers
from .client import GitHubClient, GitHubError, RateLimited, Unavailable, parse_time
from .models import SyncedFile, SyncedPull, SyncRun, SyncState

log = logging.getLogger(__name__)

SEP_PATH = re.compile(r"^seps/[^/]+\.md$")
CHARTER_PATH = re.compile(r"^docs/community/(?P<kind>working|interest)-groups/[^/]+\.mdx?$")
MAINTAINERS_PATH = "MAINTAINERS.md"
MAX_FILE_BYTES = 1_000_000
FROM_REPOSITORY = "synced from the repository"
PULL_ACTIONS = {"opened", "edited", "synchronize", "closed", "reopened"}


def classify(path: str) -> str | None:
    if path == MAINTAINERS_PATH:
        return SyncedFile.Kind.MAINTAINERS
    if CHARTER_PATH.match(path):
        return SyncedFile.Kind.CHARTER
    if SEP_PATH.match(path):
        return SyncedFile.Kind.SEP
    return None


# Groups first (SEPs name their group), then the ladder (sponsors must be in the steering group), then SEPs.
ORDER = {SyncedFile.Kind.CHARTER: 0, SyncedFile.Kind.MAINTAINERS: 1, SyncedFile.Kind.SEP: 2}


class _Rollback(Exception):
    pass


class Sync:
    def __init__(self, client: GitHubClient, run: SyncRun, *, dry_run=False, token="", actor=None):
        self.client = client
        self.actor = actor  # a core maintainer, or None
        self.run = run
        self.dry_run = dry_run
        self.token = token
        self.default_seps: dict[str, SyncedFile | None] = {}

    # --- bookkeeping ----------------------------------------------------------------------------
    def changed(self, line: str):
        self.run.changes.append(line[:500])
        self.run.files_changed += 1

    def error(self, line: str):
        self.run.errors.append(line[:500])

    def remember(self, path, kind, sha, **fields):
        if self.dry_run:
            return
        defaults = {"kind": kind, "blob_sha": sha, "synced_at": timezone.now(), "error": "", **fields}
        SyncedFile.objects.update_or_create(path=path, defaults=defaults)

    def atomic(self, fn):
        """Run `fn` in one transaction; in a dry run roll it back. Returns fn's result."""
        result = None
        try:
            with transaction.atomic():
                result = fn()
                if self.dry_run:
                    raise _Rollback
        except _Rollback:
            pass
        return result

    def blob_text(self, path, sha, size) -> str | None:
        if size and size > MAX_FILE_BYTES:
            self.error(f"{path}: {size} bytes is too large to be one of our files; not fetched.")
            return None
        data = self.client.blob(sha)
        self.run.blobs_fetched += 1
        try:
            return data.decode("utf-8-sig")
        except UnicodeDecodeError:
            self.error(f"{path}: not UTF-8 text; not applied.")
            return None

    # --- the run --------------------------------------------------------------------------------
    def __call__(self):
        branch = self.client.default_branch()
        if not self.dry_run:
            SyncState.objects.filter(pk=1).update(default_branch=branch)
        tree = self.client.tree(branch)
        if tree.get("truncated"):
            self.error("GitHub truncated the repository tree; some files may be missing from this run.")
        entries = []
        for entry in tree["tree"]:
            if not isinstance(entry, dict) or entry.get("type") != "blob":
                continue
            kind = classify(str(entry.get("path", "")))
            if kind and isinstance(entry.get("sha"), str):
                entries.append((kind, entry))
        known = {f.path: f for f in SyncedFile.objects.filter(path__in=[e["path"] for _, e in entries])}
        self.default_seps = {e["path"]: known.get(e["path"]) for k, e in entries if k == SyncedFile.Kind.SEP}
        for kind, entry in sorted(entries, key=lambda ke: (ORDER[ke[0]], ke[1]["path"])):
            path, sha = entry["path"], entry["sha"]
            if path in known and known[path].blob_sha == sha:
                continue
            text = self.blob_text(path, sha, entry.get("size"))
            if text is None:
                self.remember(path, kind, sha, error="not applied: too large or not UTF-8")
                continue
            try:
                if kind == SyncedFile.Kind.SEP:
                    self.apply_sep(path, sha, text, branch)
                elif kind == SyncedFile.Kind.CHARTER:
                    self.apply_charter(path, sha, text)
                else:
                    self.apply_maintainers(path, sha, text)
            except GitHubError:
                raise
            except Exception as exc:  # noqa: BLE001 - one file's failure must not stop the others
                log.exception("GitHub sync: applying %s failed", path)
                self.error(f"{path}: {type(exc).__name__}: {exc}")
            if self.token:
                SyncState.extend(self.token)
        self.sync_pulls()

    # --- default branch files -------------------------------------------------------------------
    def apply_sep(self, path, sha, text, branch):
        first = parse_sep(path.rsplit("/", 1)[-1], text.encode("utf-8"))
        if first.error:  # a template, a 0000- file, no preamble: recorded, not retried until it changes
            if not first.skipped:
                self.error(f"{path}: {first.error}")
            self.remember(path, SyncedFile.Kind.SEP, sha, error=first.error)
            return
        commit_sha, committed_at = self.client.last_commit(path, branch)  # S5 counts from repository time
        detail = f"commit {commit_sha[:7]}" if commit_sha else ""

        def work():
            parsed, outcome = import_sep_text(
                path, text, source=FROM_REPOSITORY, detail=detail, activity_at=committed_at,
                extra={"commit": commit_sha, "path": path}, by=self.actor,
            )  # fmt: skip
            if outcome is None:
                self.error(f"{path}: {parsed.error}")
            self.remember(path, SyncedFile.Kind.SEP, sha, commit_sha=commit_sha, committed_at=committed_at,
                          sep_number=parsed.number, error=parsed.error or "")  # fmt: skip
            return parsed, outcome

        parsed, outcome = self.atomic(work) or (first, None)
        if self.dry_run:
            self.changed(f"{path}: SEP-{first.number} would be applied (dry run)")
            return
        if outcome in ("created", "updated"):
            what = f" ({', '.join(parsed.changed)})" if parsed.changed else ""
            self.changed(f"{path}: SEP-{parsed.number} {outcome}{what}, {detail or 'no commit found'}")

    def apply_charter(self, path, sha, text):
        kind = Group.Kind.WORKING if CHARTER_PATH.match(path)["kind"] == "working" else Group.Kind.INTEREST
        try:
            parsed = parse_charter(text, Path(path), kind)
        except CharterSkipped as exc:
            self.remember(path, SyncedFile.Kind.CHARTER, sha, error=f"skipped: {exc}")
            return
        except CharterFormatError as exc:
            self.error(f"{path}: {exc}")
            self.remember(path, SyncedFile.Kind.CHARTER, sha, error=str(exc))
            return

        if self.actor is None:  # G5: an imported charter is approved by a core maintainer, named
            self.error(f"{path}: not applied: charters are approved by a core maintainer; set GITHUB_SYNC_USER "
                       "or use “Sync now” / sync_github --by.")  # fmt: skip
            return

        def work():
            changes = apply_charter(parsed, by=self.actor)
            group = Group.objects.filter(slug=parsed.slug).first()
            if changes and group is not None:
                record(actor=self.actor, verb="group.synced", target=group, group=group,
                       data={"file": path, "blob": sha, "source": FROM_REPOSITORY, "changes": changes})  # fmt: skip
            self.remember(path, SyncedFile.Kind.CHARTER, sha)
            return changes

        changes = self.atomic(work)
        if self.dry_run:
            self.changed(f"{path}: charter of {parsed.slug} would be applied (dry run)")
        elif changes:
            self.changed(f"{path}: {parsed.name}: {'; '.join(changes)}")

    def apply_maintainers(self, path, sha, text):
        if self.dry_run:
            self.changed(f"{path}: maintainers list would be applied (dry run)")
            return

        def work():
            result = maintainers.apply(text, path=path, by=self.actor)
            if result.changes:
                record(actor=self.actor, verb="maintainers.synced",
                       data={"file": path, "blob": sha, "source": FROM_REPOSITORY, "changes": result.changes})  # fmt: skip
            if not result.missing:
                self.remember(path, SyncedFile.Kind.MAINTAINERS, sha, error=result.error)
            return result

        result = self.atomic(work)
        if result.error:
            self.error(f"{path}: {result.error}")
        if result.changes:
            self.changed(f"{path}: {'; '.join(result.changes)}")

    # --- pull requests ---------------------------------------------------------------------------
    def sync_pulls(self):
        pulls = [p for p in self.client.open_pulls() if isinstance(p, dict) and isinstance(p.get("number"), int)]
        numbers = [p["number"] for p in pulls]
        known = {p.number: p for p in SyncedPull.objects.filter(number__in=numbers)}
        for pr in pulls:
            head = str((pr.get("head") or {}).get("sha", ""))[:40]
            sp = known.get(pr["number"])
            if sp is not None and sp.head_sha == head and sp.state == "open":
                self.refresh_pull(pr)  # labels and title come with the list: no request
                continue
            self.read_pull(pr, sp, head)
            if self.token:
                SyncState.extend(self.token)
        gone = SyncedPull.objects.filter(state="open").exclude(number__in=numbers).order_by("number")
        for sp in gone:
            self.close_pull(sp)

    def _pr_facts(self, pr):
        return {
            "title": str(pr.get("title") or ""),
            "url": str(pr.get("html_url") or ""),
            "author": str((pr.get("user") or {}).get("login") or ""),
            "labels": [str(label.get("name")) for label in pr.get("labels") or [] if isinstance(label, dict)],
            "head_sha": str((pr.get("head") or {}).get("sha", ""))[:40],
            "updated_at": parse_time(pr.get("updated_at")),
        }

    def refresh_pull(self, pr):
        if self.dry_run:
            return
        facts = self._pr_facts(pr)
        for row in SEPPullRequest.objects.filter(number=pr["number"]).select_related("sep"):
            sep_pull_request_seen(sep=row.sep, number=row.number, kind=row.kind,
                                  proposed_status=row.proposed_status, **facts)  # fmt: skip

    def read_pull(self, pr, sp, head):
        number = pr["number"]
        facts = self._pr_facts(pr)
        files = self.client.pull_files(number)
        applied = dict(sp.sep_files) if sp else {}
        now_applied = {}
        proposes = None
        for f in files:
            path = str(f.get("filename", "")) if isinstance(f, dict) else ""
            if not SEP_PATH.match(path) or f.get("status") == "removed" or not isinstance(f.get("sha"), str):
                continue
            sha = f["sha"]
            changes_existing = path in self.default_seps or f.get("previous_filename") in self.default_seps
            if not changes_existing:
                if proposes is not None:
                    self.error(f"#{number}: adds more than one SEP file; only {proposes} is SEP-{number}.")
                    continue
                proposes = path
            if applied.get(path) == sha:
                now_applied[path] = sha
                continue
            text = self.blob_text(path, sha, 0)
            if text is None:
                continue
            try:
                if changes_existing:
                    base = path if path in self.default_seps else f.get("previous_filename")
                    self.proposed_change(number, base, text, facts)
                else:
                    self.proposed_sep(number, path, text, facts)
            except GitHubError:
                raise
            except Exception as exc:  # noqa: BLE001 - one pull request must not stop the others
                log.exception("GitHub sync: pull request #%s failed", number)
                self.error(f"#{number} {path}: {type(exc).__name__}: {exc}")
                continue
            now_applied[path] = sha
        if not self.dry_run:
            SyncedPull.objects.update_or_create(
                number=number,
                defaults={"head_sha": head, "state": "open", "updated_at": facts["updated_at"],
                          "sep_files": now_applied},
            )  # fmt: skip

    def proposed_sep(self, number, path, text, facts):
        """A SEP file an open pull request adds is SEP-<pull request number> (S1), even as 0000-...."""
        source = f"pull request #{number}"

        def work():
            parsed, outcome = import_sep_text(
                path, text, number=number, source=source, activity_at=facts["updated_at"], pr_url=facts["url"],
                extra={"pull_request": number, "path": path}, by=self.actor,
            )  # fmt: skip
            if outcome is None:
                self.error(f"#{number} {path}: {parsed.error}")
                return parsed, outcome
            sep = SEP.objects.get(number=number)
            sep_pull_request_seen(sep=sep, number=number, kind=SEPPullRequest.Kind.PROPOSES, **facts)
            return parsed, outcome

        parsed, outcome = self.atomic(work) or (None, None)
        if self.dry_run:
            self.changed(f"#{number} {path}: SEP-{number} would be applied (dry run)")
        elif outcome in ("created", "updated"):
            self.changed(f"#{number} {path}: SEP-{number} {outcome}")

    def proposed_change(self, number, base_path, text, facts):
        """A pull request changing a SEP on the default branch: shown on it, not applied before it merges."""
        synced = self.default_seps.get(base_path) or SyncedFile.objects.filter(path=base_path).first()
        sep = SEP.objects.filter(number=synced.sep_number).first() if synced and synced.sep_number else None
        if sep is None:
            self.error(f"#{number}: changes {base_path}, which is not an imported SEP; not shown.")
            return
        parsed = parse_sep(base_path.rsplit("/", 1)[-1], text.encode("utf-8"))
        if self.dry_run:
            self.changed(f"#{number}: proposed change to SEP-{sep.number} would be shown (dry run)")
            return
        row = sep_pull_request_seen(sep=sep, number=number, kind=SEPPullRequest.Kind.CHANGES,
                                    proposed_status=parsed.status or "", **facts)  # fmt: skip
        self.changed(f"#{number}: proposes a change to SEP-{sep.number}" + (
            f" (file says {row.proposed_status})" if row.proposed_status else ""))  # fmt: skip

    def close_pull(self, sp):
        """A pull request no longer open: merged or closed; recorded on its SEPs, nothing deleted."""
        if not SEPPullRequest.objects.filter(number=sp.number).exists():
            if not self.dry_run:
                SyncedPull.objects.filter(pk=sp.pk).update(state="closed")
            return
        data = self.client.pull(sp.number)
        if data.get("state") == "open":
            return
        merged = bool(data.get("merged") or data.get("merged_at"))
        if self.dry_run:
            self.changed(f"#{sp.number}: {'merged' if merged else 'closed'} (dry run)")
            return
        with transaction.atomic():
            rows = sep_pull_request_closed(number=sp.number, merged=merged, closed_at=parse_time(data.get("closed_at")))
            SyncedPull.objects.filter(pk=sp.pk).update(state="merged" if merged else "closed")
        for row in rows:
            self.changed(f"#{sp.number}: {'merged' if merged else 'closed without merging'}, on SEP-{row.sep.number}")


def sync_actor(requested_by=None):
    """Who a run acts as: the core maintainer who asked for it, else GITHUB_SYNC_USER if that is a
    core maintainer, else nobody (charters then wait; SEPs and the maintainers list still sync)."""
    from django.conf import settings

    from portal.models import User

    if requested_by is not None and requested_by.is_core_maintainer:
        return requested_by
    username = settings.GITHUB_SYNC_USER
    user = User.objects.filter(username=username).first() if username else None
    return user if user is not None and user.is_core_maintainer else None


def run_sync(*, trigger=SyncRun.Trigger.COMMAND, dry_run=False, client=None, requested_by=None) -> SyncRun:
    """One run, at most one at a time. Returns the run (a dry run's is not saved); `run.rerun` says
    that a sync was asked for while this one ran, so one more should follow (the task queues it)."""
    now = timezone.now()
    state = SyncState.load()
    run = SyncRun(trigger=trigger, started_at=now, requested_by=requested_by, changes=[], errors=[])
    run.rerun = False
    if state.resume_after and state.resume_after > now:
        run.status, run.finished_at, run.resume_after = SyncRun.Status.WAITING, now, state.resume_after
        if not dry_run:
            run.save()
        return run
    token = "" if dry_run else uuid.uuid4().hex
    if token and not SyncState.acquire(token, now):
        SyncState.objects.filter(pk=1).update(rerun_requested=True)  # the running sync queues one more
        run.status, run.finished_at = SyncRun.Status.SKIPPED, now
        run.save()
        return run
    own_client = client is None
    if own_client:
        from .client import DbCache

        client = GitHubClient(cache=DbCache(read_only=dry_run))
    if not dry_run:
        run.save()
    rerun = False
    try:
        Sync(client, run, dry_run=dry_run, token=token, actor=sync_actor(requested_by))()
        run.status = SyncRun.Status.OK
    except RateLimited as exc:
        run.status, run.resume_after = SyncRun.Status.RATE_LIMITED, exc.reset_at
        run.errors.append(f"{exc} The rest waits for the next run after that.")
    except Unavailable as exc:
        run.status = SyncRun.Status.FAILED
        run.errors.append(f"{exc} What was applied stays; the rest is left for the next run.")
    except GitHubError as exc:
        run.status = SyncRun.Status.FAILED
        run.errors.append(str(exc))
    finally:
        run.finished_at = timezone.now()
        run.requests_made = client.requests_made
        run.rate_remaining = client.rate_remaining
        if own_client:
            client.close()
        if not dry_run:
            if run.status == SyncRun.Status.RUNNING:  # an unexpected exception is on its way up
                run.status = SyncRun.Status.FAILED
                run.errors.append("The sync stopped on an unexpected error (see the logs).")
            run.save()
            updates = {"resume_after": run.resume_after}
            if client.rate_remaining is not None:
                updates.update(rate_limit=client.rate_limit, rate_remaining=client.rate_remaining,
                               rate_reset_at=client.rate_reset_at)  # fmt: skip
            if run.status == SyncRun.Status.OK:
                updates["last_success_at"] = run.finished_at
            SyncState.objects.filter(pk=1).update(**updates)
            rerun = bool(SyncState.objects.filter(pk=1, rerun_requested=True).update(rerun_requested=False))
            SyncState.release(token)
    run.rerun = rerun and run.status == SyncRun.Status.OK  # the task queues one more run
    return run
