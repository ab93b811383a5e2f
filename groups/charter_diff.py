"""Line diff between two charter versions, shared by the public history page and the admin review."""

import difflib


def diff_lines(a, b, context: int = 3) -> list[tuple[str, str]]:
    """[(css class, line)]: changed hunks with `context` lines around them; "gap" marks skipped text."""
    old, new = a.as_text().splitlines(), b.as_text().splitlines()
    rows = []
    for i, group in enumerate(difflib.SequenceMatcher(None, old, new, autojunk=False).get_grouped_opcodes(context)):
        if i or (group and (group[0][1] > 0 or group[0][3] > 0)):
            rows.append(("gap", "…"))
        for tag, i1, i2, j1, j2 in group:
            if tag == "equal":
                rows += [("", line) for line in old[i1:i2]]
                continue
            rows += [("del", line) for line in old[i1:i2]]
            rows += [("ins", line) for line in new[j1:j2]]
    return rows
