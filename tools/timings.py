"""Time of each section, full mode from the per-cell timings a refresh stores, quick mode as measured with it.

``python -m tools.timings`` prints the table; ``--readme`` writes it into README.md between its
timing markers; ``--check`` fails when README.md's table is not the one the notebooks give;
``--quick [NOTEBOOK ...]`` runs the notebooks (default: all) in quick mode, stores each one's
quick-mode time in its metadata and writes the table into README.md (a refresh does this too).
"""

import argparse
import sys
from datetime import datetime
from pathlib import Path

import nbformat

from tools.notebooks import ROOT, solution_notebook, solution_sources

README = ROOT / "README.md"
START, END = "<!-- timings: start -->", "<!-- timings: end -->"
BUDGET_S = {"section": 240, "cell": 90, "course": 1362, "quick": 30}  # on 2 cores: full mode (COURSE.md), quick mode
# The sections whose quick mode does not fit the quick budget, the ceiling each is held to, and the cells in the way.
# Quick mode shrinks the data, seeds and epochs; what remains is TensorFlow preparing (tracing) the training step of
# each distinct network once, which no amount of data saves.
QUICK_OVER_BUDGET = {
    "02_activation_functions": (55, "cells 28-29 and 41-42: two 100-layer networks (about 5 s each to prepare) and "
                                    "eight activations compared, each a network of its own"),
    "09_practical_guidelines": (60, "cells 24-40: six 20-layer networks (steps b to f, and batch normalization "
                                    "placed before the activation), each prepared once, 5 to 10 s each"),
}


def cell_seconds(cell) -> float | None:
    """How long a code cell ran at the last refresh (nbclient's record_timing), or None if unknown."""
    execution = cell.get("metadata", {}).get("execution", {})
    try:
        start, end = (datetime.fromisoformat(execution[key]) for key in ("iopub.execute_input", "shell.execute_reply"))
    except (KeyError, ValueError):
        return None
    return (end - start).total_seconds()


def section_timing(path) -> dict:
    """Total seconds, longest cell (seconds, 1-based number among code cells) and untimed cells of a notebook in
    full mode, and its quick-mode timing (None if never measured)."""
    notebook = nbformat.read(path, as_version=4)
    cells = [cell for cell in notebook.cells if cell.cell_type == "code"]
    quick = notebook.metadata.get("course", {}).get("outputs", {}).get("quick")
    return {**summary([cell_seconds(cell) for cell in cells]), "quick": quick}


def summary(seconds: list) -> dict:
    """Total, longest (with its 1-based cell number) and untimed count of per-cell seconds (None: untimed)."""
    timed = [s for s in seconds if s is not None]
    longest = max(timed, default=0.0)
    return {
        "total": sum(timed),
        "longest": longest,
        "longest_cell": seconds.index(longest) + 1 if timed else None,
        "untimed": len(seconds) - len(timed),
    }


def timings() -> dict:
    """{notebook name: section_timing} for every solution notebook, in course order."""
    return {solution_notebook(s).stem: section_timing(solution_notebook(s)) for s in solution_sources()}


def table(found: dict) -> str:
    """The Markdown table of full-mode and quick-mode times, with the course's totals."""
    rows = ["| Section | Full mode | Longest cell | Quick mode |",
            "|---------|----------:|-------------:|-----------:|"]
    for name, t in found.items():
        quick = f"{t['quick']['total']:.0f} s" if t["quick"] else "not measured"
        quick += " ¹" if name in QUICK_OVER_BUDGET else ""
        rows.append(f"| `{name}` | {t['total']:.0f} s | {t['longest']:.0f} s | {quick} |")
    full_total = sum(t["total"] for t in found.values())
    quick_total = sum(t["quick"]["total"] for t in found.values() if t["quick"])
    rows.append(f"| **all sections** | **{full_total:.0f} s** | | **{quick_total:.0f} s** |")
    notes = "; ".join(f"`{name}`, {reason}" for name, (_, reason) in QUICK_OVER_BUDGET.items())
    return "\n".join(rows) + (f"\n\n¹ Over the {BUDGET_S['quick']} s aim of quick mode: {notes}." if notes else "")


def readme_block(found: dict) -> str:
    """The README text between (and including) the timing markers."""
    return f"{START}\n{table(found)}\n{END}"


def current_readme_block() -> str | None:
    """The timing block README.md holds now, or None without markers."""
    text = README.read_text(encoding="utf-8")
    if START not in text or END not in text:
        return None
    return text[text.index(START) : text.index(END) + len(END)]


def main(argv=None) -> int:
    """Print the table, or write it into README.md, or check README.md against it."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    group = parser.add_mutually_exclusive_group()
    group.add_argument("--readme", action="store_true", help="write the table into README.md")
    group.add_argument("--check", action="store_true", help="fail if README.md's table is stale")
    group.add_argument("--quick", nargs="*", type=Path, metavar="NOTEBOOK",
                       help="measure these solution notebooks (default: all) in quick mode, store, write README.md")
    args = parser.parse_args(argv)
    if args.quick is not None:
        from tools.refresh import store_quick_timing  # runs notebooks: imported only when asked to

        for path in [p.resolve() for p in args.quick] or [solution_notebook(s) for s in solution_sources()]:
            print(f"{path.stem}: {store_quick_timing(path)['total']:.0f} s in quick mode", flush=True)
        args.readme = True
    found = timings()
    block, current = readme_block(found), current_readme_block()
    if current is None and (args.readme or args.check):
        print(f"error: README.md has no {START} ... {END} block", file=sys.stderr)
        return 1
    if args.check:
        if current != block:
            print("stale: README.md's timing table (run `python -m tools.timings --readme`)", file=sys.stderr)
            return 1
        return 0
    if args.readme:
        README.write_text(README.read_text(encoding="utf-8").replace(current, block), encoding="utf-8")
    print(table(found))
    return 0


if __name__ == "__main__":
    sys.exit(main())
