"""Derive the published notebooks from the sources: ``python -m tools.derive [--check]``.

For each ``solutions/<chapter>/source/NN_key.py``: the solution notebook beside the source folder
(markers removed, stored outputs kept for unchanged cells) and the exercise notebook in chapters/.
"""

import argparse
import sys

from tools import workspace
from tools.markers import MarkerError
from tools.notebooks import (
    ROOT,
    exercise_notebook,
    make_exercise,
    make_solution,
    readme_badges,
    read_notebook,
    solution_notebook,
    solution_sources,
)


def derived(source) -> dict:
    """{path: text} of the two notebooks a source yields."""
    solution = solution_notebook(source)
    return {solution: make_solution(source, read_notebook(solution)), exercise_notebook(source): make_exercise(source)}


def main(argv=None) -> int:
    """Write (or, with --check, compare) every derived notebook; report every difference."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--check", action="store_true", help="fail if any derived notebook is stale; write nothing")
    args = parser.parse_args(argv)
    stale = 0
    for source in solution_sources():
        try:
            notebooks = derived(source)
        except MarkerError as error:
            print(f"error: {source.relative_to(ROOT)}: {error}", file=sys.stderr)
            return 1
        for target, text in notebooks.items():
            if target.exists() and target.read_text(encoding="utf-8") == text:
                continue
            stale += 1
            if args.check:
                print(f"stale: {target.relative_to(ROOT)} (run `make sync`)", file=sys.stderr)
            else:
                if target.parent.parent == workspace.CHAPTERS and target.exists() and workspace.looks_worked_on(target):
                    kept = workspace.rescue(target)  # answers typed into chapters/ are someone's work: keep them
                    print(f"moved the work in {target.relative_to(ROOT)} to {kept.relative_to(ROOT)}")
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_text(text, encoding="utf-8")
                print(f"wrote {target.relative_to(ROOT)}")
    stale += sync_readme_badges(check=args.check)
    return 1 if args.check and stale else 0


def sync_readme_badges(check: bool) -> int:
    """Point README.md's badges at the repository pyproject.toml names; 1 if they were stale."""
    readme = ROOT / "README.md"
    if not readme.exists():  # a bare course tree, as in the tools' own tests
        return 0
    text = readme.read_text(encoding="utf-8")
    wanted = readme_badges(text)
    if wanted == text:
        return 0
    if check:
        print("stale: README.md's badges (run `make sync`)", file=sys.stderr)
    else:
        readme.write_text(wanted, encoding="utf-8")
        print("wrote README.md's badges")
    return 1


if __name__ == "__main__":
    sys.exit(main())
