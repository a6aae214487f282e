"""The learner's workspace: their own copies of the exercise notebooks, in work/ (git ignores it).

``python -m tools.workspace`` (run by ``make lab``) copies each exercise notebook the workspace
lacks, and never touches one that is there. ``python -m tools.workspace --fresh 03`` starts
section 3 afresh: the learner's copy is kept under a dated name, and a new one takes its place.
"""

import argparse
import hashlib
import json
import sys
from datetime import datetime
from pathlib import Path

from tools.notebooks import CHAPTERS, ROOT, published_exercise

WORK = ROOT / "work"


def fingerprint(path: Path) -> str:
    """SHA-256 of a published exercise notebook, to tell later whether it changed."""
    return hashlib.sha256(path.read_bytes()).hexdigest()


def own_copy(exercise: Path) -> Path:
    """Where the learner's copy of a published exercise notebook lives."""
    return WORK / exercise.relative_to(CHAPTERS)


def copy_exercise(exercise: Path, target: Path) -> None:
    """Write a copy of ``exercise`` at ``target``, noting which version it was copied from."""
    notebook = json.loads(exercise.read_text(encoding="utf-8"))
    notebook["metadata"].setdefault("course", {})["copied_from"] = fingerprint(exercise)
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(json.dumps(notebook, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")


def copied_from(path: Path) -> str | None:
    """The fingerprint of the published version a learner's copy started from, if it says."""
    try:
        return json.loads(path.read_text(encoding="utf-8"))["metadata"]["course"]["copied_from"]
    except (OSError, ValueError, KeyError, TypeError):
        return None


def prepare() -> list[str]:
    """Copy every exercise the workspace lacks; return notices about copies older than the course."""
    notices = []
    for exercise in sorted(CHAPTERS.glob("*/*.ipynb")):
        target = own_copy(exercise)
        if not target.exists():
            copy_exercise(exercise, target)
            print(f"new in your workspace: {target.relative_to(ROOT)}")
        elif copied_from(target) not in (None, fingerprint(exercise)):
            number = exercise.name[:2]
            notices.append(
                f"{exercise.relative_to(ROOT)} has changed since you copied it; your work in "
                f"{target.relative_to(ROOT)} is untouched. `make fresh SECTION={number}` starts that section "
                "afresh and keeps your copy under a dated name."
            )
    return notices


def looks_worked_on(exercise: Path) -> bool:
    """True when a notebook in chapters/ holds outputs or run counts: someone worked in it there."""
    try:
        cells = json.loads(exercise.read_text(encoding="utf-8"))["cells"]
    except (OSError, ValueError, KeyError, TypeError):
        return False
    return any(cell.get("outputs") or cell.get("execution_count") for cell in cells if isinstance(cell, dict))


def rescue(exercise: Path) -> Path:
    """Move a notebook someone worked on in chapters/ into the workspace, under a name that is free."""
    target = own_copy(exercise)
    if target.exists():
        target = target.with_name(f"{target.stem}.from-chapters-{datetime.now():%Y-%m-%d-%H%M%S}.ipynb")
    target.parent.mkdir(parents=True, exist_ok=True)
    exercise.rename(target)
    return target


def fresh(section: str) -> Path:
    """Start ``section`` (its number such as 03, its key or its name) afresh, keeping the learner's copy."""
    exercise = published_exercise(section)
    target = own_copy(exercise)
    if target.exists():
        kept = target.with_name(f"{target.stem}.before-{datetime.now():%Y-%m-%d-%H%M%S}.ipynb")
        target.rename(kept)
        print(f"kept your copy as {kept.relative_to(ROOT)}")
    copy_exercise(exercise, target)
    print(f"fresh copy: {target.relative_to(ROOT)}")
    return target


def main(argv=None) -> int:
    """Prepare the workspace, or start one section afresh."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--fresh", metavar="SECTION", help="start this section afresh (e.g. 03); your copy is kept")
    args = parser.parse_args(argv)
    if args.fresh:
        fresh(args.fresh)
        return 0
    for notice in prepare():
        print(f"note: {notice}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
