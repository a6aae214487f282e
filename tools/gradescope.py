"""A Gradescope autograder for one section: ``python -m tools.gradescope build --section 03 [--points name=2 ...]``.

``build`` writes ``dist/gradescope/NN_key/`` and its zip, to upload as the assignment's autograder: Gradescope
runs ``setup.sh`` once to build its image (Python 3.11, the course's packages, the data, bubblewrap) and
``run_autograder`` for each submission, in a container of its own. The zip holds the course's helpers with the
checks sealed, the grader, and the section's published exercise notebook; never ``solutions/``.

``run`` (what ``run_autograder`` calls) grades the notebook in ``/autograder/submission`` exactly as
``make grade`` grades one (tools.grade: in a bubblewrap sandbox where the container allows one, else as an
unprivileged user), and writes ``/autograder/results/results.json``: one test per exercise (its name, score,
max_score and the check's reason as output), and the notes as the submission's output. A submission flagged
for review scores 0, and says that the instructor will read it.
"""

import argparse
import json
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

from tools import grade, sandbox
from tools.handout import copy, seal_checks
from tools.notebooks import ROOT, published_exercise

SETTINGS = "gradescope.json"
COPIED = (
    "chapters",
    "utils",
    "tools/__init__.py",
    "tools/notebooks.py",
    "tools/markers.py",
    "tools/handout.py",
    "tools/grade.py",
    "tools/grade_probe.py",
    "tools/grade_run.py",
    "tools/grade_decide.py",
    "tools/demos.py",
    "tools/sandbox.py",
    "tools/gradescope.py",
    "tools/get_data.sh",
    "requirements.txt",
    "pyproject.toml",
    "LICENSE",
)
SETUP = """\
#!/usr/bin/env bash
# Gradescope runs this once, as root, to build the autograder's image (Ubuntu): Python, the course's
# packages, Fashion-MNIST, and bubblewrap for the sandbox (used where the container allows it).
set -euo pipefail
cd /autograder/source
export DEBIAN_FRONTEND=noninteractive
apt-get update -q
apt-get install -y -q bubblewrap || echo "bubblewrap unavailable: submissions will run as the user nobody"
# Python 3.11, which the course is tested on, where the image's Ubuntu has it; else its own Python 3.
apt-get install -y -q python3.11 python3.11-venv || apt-get install -y -q python3 python3-venv
"$(command -v python3.11 || command -v python3)" -m venv .venv
.venv/bin/python -m pip install --upgrade pip
.venv/bin/python -m pip install -r requirements.txt
bash tools/get_data.sh .venv/bin/python
chmod -R a+rX /autograder/source  # readable by the unprivileged user that runs submissions without a sandbox
"""
RUN = """\
#!/usr/bin/env bash
# Gradescope runs this for each submission: grade /autograder/submission into /autograder/results/results.json.
set -uo pipefail
root=${AUTOGRADER_ROOT:-/autograder}
cd "$root/source"
exec "${COURSE_PYTHON:-$root/source/.venv/bin/python}" -m tools.gradescope run --root "$root"
"""
VISIBLE = "visible"


def build(key: str, weights: dict, limit: float, full: bool, into: Path) -> Path:
    """Write the autograder for section ``key`` into ``into``/NN_key/ and its zip; return the folder."""
    exercise = published_exercise(key)
    target = into / exercise.stem
    if target.exists():
        shutil.rmtree(target)
    for name in COPIED:
        copy(ROOT / name, target / name)
    for path in (target / "utils" / "checks").glob("*.py"):
        if path.name != "__init__.py":
            path.write_text(seal_checks(path.read_text(encoding="utf-8")), encoding="utf-8")
    settings = {"section": exercise.stem, "points": weights, "limit": limit, "full": full}
    (target / SETTINGS).write_text(json.dumps(settings, indent=2), encoding="utf-8")
    for name, text in (("setup.sh", SETUP), ("run_autograder", RUN)):
        (target / name).write_text(text, encoding="utf-8")
        (target / name).chmod(0o755)
    shutil.make_archive(str(target), "zip", root_dir=target)  # the files at the zip's root, as Gradescope wants
    return target


def run(root: Path) -> dict:
    """Grade the submission under ``root`` (Gradescope's /autograder) and write results/results.json."""
    started = time.monotonic()
    settings = json.loads((ROOT / SETTINGS).read_text(encoding="utf-8"))
    assignment = grade.assignment_of(published_exercise(settings["section"]))
    weights = {name: float(points) for name, points in settings["points"].items()}
    notebook = handed_in(root / "submission", settings["section"])
    if notebook is None:
        result = grade.Result("(nothing)", status="not a notebook")
        result.notes.append("your submission holds no notebook (.ipynb): upload the notebook itself.")
    else:
        with tempfile.TemporaryDirectory(prefix="submission-") as private:
            (submission,) = grade.staged([notebook], notebook.parent, Path(private))
            sandboxed = sandbox.bwrap()
            if not sandboxed and os.geteuid() == 0:  # Docker without user namespaces: at least not as root
                sandbox.UNPRIVILEGED = "nobody"
                print("bubblewrap cannot make a sandbox in this container: the notebook runs as the user nobody, "
                      "which cannot write the results; Gradescope's container keeps it from other submissions.")
            with grade.judges():
                result = grade.grade(submission, assignment, settings["limit"], settings["full"], sandboxed)
    results = results_json(result, assignment, weights, time.monotonic() - started)
    (root / "results").mkdir(parents=True, exist_ok=True)
    (root / "results" / "results.json").write_text(json.dumps(results, indent=2), encoding="utf-8")
    print(f"{result.submission}: {result.status}, {result.correct}/{len(assignment.checks)} correct")
    return results


def handed_in(folder: Path, stem: str) -> Path | None:
    """The notebook to grade: the one named as the section's, else the first (hidden files and checkpoints aside)."""
    found = [path for path in grade.submissions(folder) if path.suffix == ".ipynb"] if folder.is_dir() else []
    named = [path for path in found if path.name == f"{stem}.ipynb"]
    return (named or found or [None])[0]


def results_json(result: grade.Result, assignment: grade.Assignment, weights: dict, seconds: float) -> dict:
    """Gradescope's results.json: a test per exercise, and the whole submission's score and notes."""
    tests = []
    for number, check in enumerate(assignment.checks, start=1):
        outcome, reason = result.verdicts.get(check.name, ("not graded", "the notebook could not be run."))
        points = weights.get(check.name, 1.0)
        tests.append({
            "name": check.name,
            "number": str(number),
            "score": points if outcome == "correct" else 0.0,
            "max_score": points,
            "status": "passed" if outcome == "correct" else "failed",
            "output": f"{outcome}: {reason}",
            "visibility": VISIBLE,
        })
    lines = [f"Status: {result.status}."]
    if result.status == grade.FLAGGED:
        lines.append("Flagged for review: your instructor will read your notebook and set the score.")
    if result.judged_inside:
        lines.append(f"Judged inside your notebook's sandbox: {', '.join(result.judged_inside)}.")
    lines += [f"- {note}" for note in result.notes]
    results = {
        "execution_time": round(seconds),
        "output": "\n".join(lines),
        "visibility": VISIBLE,
        "stdout_visibility": "hidden",
        "tests": tests,
    }
    if result.status == grade.FLAGGED:
        results["score"] = 0.0  # overrides the tests' sum: a forged verdict must not become a grade
    return results


def main(argv=None) -> int:
    """``build`` an autograder, or ``run`` one on a submission."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    commands = parser.add_subparsers(dest="command", required=True)
    building = commands.add_parser("build", help="write the autograder of a section (its folder and zip)")
    building.add_argument("--section", required=True, help="the section (03, batch_normalization)")
    building.add_argument("--points", nargs="*", default=[], metavar="NAME=POINTS", help="points of an exercise")
    building.add_argument("--limit", type=float, default=600, help="seconds a notebook may run (default 600)")
    building.add_argument("--full", action="store_true", help="run in full mode (default: quick mode)")
    building.add_argument("--into", type=Path, default=ROOT / "dist" / "gradescope")
    running = commands.add_parser("run", help="grade /autograder/submission (what run_autograder calls)")
    running.add_argument("--root", type=Path, default=Path("/autograder"))
    args = parser.parse_args(argv)
    if args.command == "run":
        run(args.root)
        return 0
    assignment = grade.assignment_of(published_exercise(args.section))
    weights = grade.parse_points(args.points, assignment.checks)
    target = build(args.section, weights, args.limit, args.full, args.into.resolve())
    print(f"wrote {target} and {target.with_suffix('.zip')}: upload the zip as the assignment's autograder "
          f"(Gradescope › Configure Autograder › Zip file upload), {len(assignment.checks)} tests")
    return 0


if __name__ == "__main__":
    sys.exit(main())
