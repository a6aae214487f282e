"""Regenerate every exercise notebook from its solution: ``python -m tools.exercises [--check]``."""

import argparse
import sys

from tools.notebooks import ROOT, exercise_notebook, make_exercise, solution_sources
from utils.exercises.markers import MarkerError


def main(argv=None) -> int:
    """Write (or, with --check, compare) each exercise notebook; report every difference."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--check", action="store_true", help="fail if any exercise notebook is stale")
    args = parser.parse_args(argv)
    stale = 0
    for source in solution_sources():
        target = exercise_notebook(source)
        try:
            text = make_exercise(source)
        except MarkerError as error:
            print(f"error: {source.relative_to(ROOT)}: {error}", file=sys.stderr)
            return 1
        current = target.read_text(encoding="utf-8") if target.exists() else None
        if current == text:
            continue
        stale += 1
        if args.check:
            print(f"stale: {target.relative_to(ROOT)} (run `make exercises`)", file=sys.stderr)
        else:
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(text, encoding="utf-8")
            print(f"wrote {target.relative_to(ROOT)}")
    return 1 if args.check and stale else 0


if __name__ == "__main__":
    sys.exit(main())
