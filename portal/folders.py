"""Reading a folder someone else controls, for every importer (issue 8, kind 3: hostile folders; S7, G5).

- A symlink (or a file reached through a symlinked folder) that resolves outside the folder is refused,
  so an import never reads `/etc/passwd` or another repository's files.
- Every file is capped in size (`MAX_BYTES`) and read only up to the cap.
- Listing order is deterministic (sorted by the path inside the folder), so a choice between two
  files claiming the same thing is the same on every run.
"""

from dataclasses import dataclass
from pathlib import Path

MAX_BYTES = 1_000_000  # the largest real SEP is ~55 KB and the largest charter ~20 KB


@dataclass
class Found:
    path: Path  # the path as listed (inside the folder)
    relative: str  # the path inside the folder, for messages and ordering
    error: str = ""  # why it is refused ('' when it may be read)


def inside(root: Path, path: Path) -> bool:
    """Whether `path`, with every symlink resolved, is `root` or inside it."""
    try:
        real_root = root.resolve(strict=True)
        real = path.resolve(strict=True)
    except (OSError, RuntimeError):  # a dangling link or a loop
        return False
    return real == real_root or real_root in real.parents


def check_file(root: Path, path: Path, *, max_bytes: int = MAX_BYTES) -> str:
    """'' when `path` may be read as part of the import of `root`, else why not."""
    if not inside(root, path):
        return "Refused: a link pointing outside the imported folder."
    try:
        if not path.is_file():
            return "Refused: not a regular file."
        size = path.stat().st_size
    except OSError as exc:
        return f"Cannot read the file: {exc.strerror}."
    if size > max_bytes:
        return f"File is too large ({size / 1_000_000:.1f} MB; the limit is {max_bytes / 1_000_000:g} MB)."
    return ""


def list_files(root: Path, folder: Path | None = None, *, suffixes, max_bytes: int = MAX_BYTES) -> list[Found]:
    """Files directly in `folder` (default `root`) whose suffix is in `suffixes` (lower case), sorted,
    each with the reason it is refused ('' if none). A subfolder that resolves outside `root` lists nothing."""
    folder = folder or root
    if not inside(root, folder):
        return []
    out = []
    for path in sorted(folder.iterdir(), key=lambda p: p.name):
        if path.suffix.lower() not in suffixes:
            continue
        if path.is_dir() and not path.is_symlink():
            continue
        relative = str(path.relative_to(root)) if path.is_relative_to(root) else path.name
        out.append(Found(path=path, relative=relative, error=check_file(root, path, max_bytes=max_bytes)))
    return out


def read_capped(path: Path, max_bytes: int = MAX_BYTES) -> tuple[bytes, int]:
    """(at most max_bytes + 1 bytes of the file, its real size): never more than the cap in memory."""
    size = path.stat().st_size
    with path.open("rb") as fh:
        return fh.read(max_bytes + 1), size
