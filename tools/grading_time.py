"""How long grading takes: ``python -m tools.grading_time [--copies 6] [--jobs 2] [--readme] [SECTION ...]``.

For each section (default: all), grades COPIES copies of its exercise notebook answered with the reference
solutions, JOBS at a time, in quick mode and each in its sandbox, as ``make grade`` does; prints the seconds
per submission and what a class of 100 would take, as a Markdown table; ``--readme`` also writes it into
README.md between its grading-time markers. Run it on an otherwise idle machine.
"""

import argparse
import contextlib
import io
import sys
import tempfile
import time
from pathlib import Path

import nbformat

from tools import grade
from tools.notebooks import ROOT, answered_exercise, published_exercise

CLASS = 100
README = ROOT / "README.md"
START, END = "<!-- grading time: start -->", "<!-- grading time: end -->"


def seconds_per_submission(exercise: Path, copies: int, jobs: int) -> float:
    """Wall-clock seconds per submission, grading ``copies`` answered copies of ``exercise``, ``jobs`` at a time."""
    with tempfile.TemporaryDirectory(prefix="grading-time-") as folder:
        handed_in, out = Path(folder) / "in", Path(folder) / "out"
        handed_in.mkdir()
        for number in range(copies):
            nbformat.write(answered_exercise(exercise), handed_in / f"student{number:03d}.ipynb")
        started = time.monotonic()
        with contextlib.redirect_stdout(io.StringIO()):
            status = grade.main([str(handed_in), "--section", exercise.stem[:2], "--out", str(out),
                                 "--jobs", str(jobs)])
        if status != 0:
            raise SystemExit(f"error: grading {exercise.stem} failed")
        return (time.monotonic() - started) / copies


def main(argv=None) -> int:
    """Measure each section and print the table."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("sections", nargs="*", help="sections to measure (03, batch_normalization); default: all")
    parser.add_argument("--copies", type=int, default=6, help="submissions per section (default 6)")
    parser.add_argument("--jobs", type=int, default=2, help="graded at once (default 2)")
    parser.add_argument("--readme", action="store_true", help="write the table into README.md")
    args = parser.parse_args(argv)
    exercises = [published_exercise(section) for section in args.sections] or sorted(
        published_exercise(f"{number:02d}") for number in range(1, 10))
    table = [f"| Section | Per submission | {CLASS} submissions |", "|---------|---------------:|----------------:|"]
    print(*table, sep="\n")
    for exercise in exercises:
        each = seconds_per_submission(exercise, args.copies, args.jobs)
        table.append(f"| `{exercise.stem}` | {each:.0f} s | {each * CLASS / 60:.0f} min |")
        print(table[-1], flush=True)
    if args.readme:
        text = README.read_text(encoding="utf-8")
        before, _, rest = text.partition(START)
        README.write_text(before + START + "\n" + "\n".join(table) + "\n" + END + rest.partition(END)[2],
                          encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
