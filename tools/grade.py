"""Grade the exercise notebooks students hand back: ``python -m tools.grade FOLDER [--section 03]``.

Every file under FOLDER is a submission. Each notebook runs in a fresh kernel (quick mode unless
``--full``, at most ``--limit`` seconds), and after each exercise's check cell the grader judges the
answer itself (tools.grade_probe): stored outputs, edited check cells and a redefined ``ex`` count
for nothing. A submission that is not a notebook, is malformed, is another section, raises, hangs
or kills its kernel is recorded with its reason; the run goes on. Writes ``grades.csv`` (one row per
submission: its student, as Canvas, Moodle or nbgrader name the files, its status, one column per
exercise, the points, ``--points`` setting them per exercise; a submission flagged for review has
no total) and ``feedback/<submission>.md`` into ``grades/<section>/`` (or ``--out``).
"""

import argparse
import compileall
import contextlib
import csv
import hashlib
import os
import re
import secrets
import sys
import tempfile
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import nbformat
from nbclient import NotebookClient
from nbclient.exceptions import CellTimeoutError, DeadKernelError

from tools import grade_probe
from tools.grade_probe import MIME
from tools.notebooks import ROOT, published_exercise, without_colab

CHECK_CALL = re.compile(r"^ex\.(\w+)\.check\((\w+)\)\s*$", re.MULTILINE)
SETUP_CALL = re.compile(r"""utils\.setup\(\s*["'](\w+)["']""")
OUTCOMES = {"Correct": "correct", "Incorrect": "incorrect", "Not attempted": "not attempted"}
UNREACHED = "not reached"
# Loaded from its file by every probe, so a notebook that plants its own `tools.grade_probe` in
# sys.modules forges nothing.
PROBE_FILE = Path(grade_probe.__file__).resolve()
# Code that reaches into the interpreter's plumbing or the grader's, or installs packages: the probes
# cannot rule out every trick of code in the same Python (the grader is no sandbox), so such a cell is
# flagged for a human to read. A name spelt in pieces escapes this; it is a net, not a wall.
SUSPICIOUS = re.compile(
    r"grade_probe|vnd\.course|sys\.modules|\bbuiltins\b|__import__|\brunpy\b|\bimportlib\b|__path__"
    r"|get_ipython|\bIPython\b(?!\.display import display$)|display_pub|^\s*[!%]\s*pip\b",
    re.MULTILINE,
)
# The files whose code judges the answers, compiled ones included: a submission that changes them
# stops the run. (utils/ is compiled before the first submission, so an honest run changes none.)
GRADER_FILES = ("utils/**/*.py", "utils/**/*.pyc", "tools/grade_probe.py")
IGNORED = {"timestamp.txt"}  # nbgrader's note beside each submission


class Unusable(Exception):
    """A submission that cannot be graded: its status and the reason."""

    def __init__(self, status: str, reason: str):
        super().__init__(reason)
        self.status, self.reason = status, reason


@dataclass(frozen=True)
class Check:
    """One exercise of the published notebook: its name, the variable its check judges, its cell."""

    name: str
    variable: str
    cell_id: str


@dataclass(frozen=True)
class Assignment:
    """A published exercise notebook as the grader needs it: its section and its checks."""

    key: str
    checks: tuple[Check, ...]


FLAGGED = "flagged for review"


@dataclass
class Result:
    """What grading one submission found."""

    submission: str
    status: str = "graded"
    verdicts: dict = field(default_factory=dict)  # exercise -> (outcome, reason)
    notes: list = field(default_factory=list)

    @property
    def correct(self) -> int:
        """The number of exercises answered correctly."""
        return sum(outcome == "correct" for outcome, _ in self.verdicts.values())

    def points(self, weights: dict) -> float | str:
        """The points of the exercises answered correctly (``weights``: exercise -> points, 1 if not given); empty
        for a submission flagged for review, so that a gradebook import cannot take a number that may be forged."""
        if self.status == FLAGGED:
            return ""
        total = sum(weights.get(name, 1) for name, (outcome, _) in self.verdicts.items() if outcome == "correct")
        return int(total) if float(total).is_integer() else total

    def flag(self, note: str) -> None:
        """Record ``note`` and set the status that holds the total back until someone has read the notebook."""
        self.notes.append(note)
        self.status = FLAGGED


def assignment_of(exercise: Path) -> Assignment:
    """The section of a published notebook and its exercises, in order, from its check cells."""
    code = [cell for cell in nbformat.read(exercise, as_version=4).cells if cell.cell_type == "code"]
    checks = [Check(name, variable, cell.id) for cell in code for name, variable in CHECK_CALL.findall(cell.source)]
    return Assignment(exercise.stem[3:], tuple(checks))


def grader_fingerprint() -> str:
    """A SHA-256 sum over the code that judges the answers."""
    digest = hashlib.sha256()
    for path in sorted(path for pattern in GRADER_FILES for path in ROOT.glob(pattern)):
        digest.update(path.relative_to(ROOT).as_posix().encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()


def read_submission(path: Path):
    """The notebook in ``path``, or Unusable saying why it is not one."""
    if path.suffix != ".ipynb":
        raise Unusable("not a notebook", f"{path.name} is not a Jupyter notebook (.ipynb): hand in the notebook.")
    try:
        notebook = nbformat.reads(path.read_text(encoding="utf-8"), as_version=4)
        nbformat.validate(notebook)
    except UnicodeDecodeError:
        raise Unusable("malformed", f"{path.name} is not text: it cannot be a notebook.") from None
    except Exception as error:  # JSON errors, and JSON that is not a notebook
        reason = str(error).splitlines()[0][:200]
        raise Unusable("malformed", f"{path.name} cannot be read as a notebook ({reason}).") from None
    return notebook


def named_section(notebook) -> str | None:
    """The section a notebook's set-up cell names, if it has one."""
    for cell in notebook.cells:
        if cell.cell_type == "code":
            found = SETUP_CALL.search(cell.source)
            if found:
                return found[1]
    return None


def with_probes(notebook, assignment: Assignment, nonce: str):
    """The submission, outputs cleared, with the grader's check after each exercise's check cell."""
    cells = [cell for cell in notebook.cells if cell.cell_type in ("code", "markdown", "raw")]
    for cell in cells:
        if cell.cell_type == "code":
            cell.outputs, cell.execution_count = [], None
    for check in assignment.checks:
        probe = nbformat.v4.new_code_cell(
            f'__import__("runpy").run_path({str(PROBE_FILE)!r})["verdict"]({assignment.key!r}, {check.name!r}, '
            f"lambda: {check.variable}, {nonce!r})"
        )
        probe.metadata["grader"] = check.name
        at = next((i for i, c in enumerate(cells) if c.get("id") == check.cell_id and c.cell_type == "code"), None)
        if at is None:  # moved or renamed: look for the call itself, else judge at the end
            at = next((i for i, c in enumerate(cells) if c.cell_type == "code" and f".{check.name}.check(" in c.source),
                      len(cells) - 1)
        cells.insert(at + 1, probe)
    return nbformat.v4.new_notebook(cells=cells, metadata=notebook.metadata)


def run(notebook, limit: float, full: bool, result: Result) -> None:
    """Execute the notebook in a fresh kernel of its own, in a folder of its own, within ``limit`` seconds."""
    deadline = time.monotonic() + limit
    env = {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "COURSE_QUICK": "" if full else "1",
        "PIP_NO_INDEX": "1",  # a `%pip install` in a submission cannot change the grader's libraries
    }
    with tempfile.TemporaryDirectory(prefix="grading-", ignore_cleanup_errors=True) as folder:
        client = NotebookClient(
            notebook,
            kernel_name="python3",
            allow_errors=True,  # a cell that raises still leaves the later exercises to grade
            timeout_func=lambda cell: max(1, int(deadline - time.monotonic())),
            shutdown_kernel="immediate",
            resources={"metadata": {"path": folder}},
        )
        try:
            client.execute(env=env)
        except CellTimeoutError:
            result.status = "timed out"
            result.notes.append(f"stopped after the time limit of {limit:.0f} s.")
        except DeadKernelError:
            result.status = "kernel died"
            result.notes.append("the notebook's Python process died (out of memory, or a call that ended it).")


def collect(notebook, assignment: Assignment, nonce: str, result: Result) -> None:
    """The grader's verdicts from the executed notebook, and the errors the learner's cells raised."""
    number = 0
    for cell in notebook.cells:
        if cell.cell_type != "code":
            continue
        if "grader" in cell.metadata:
            judged(cell, nonce, result)
            continue
        number += 1
        where = cell_label(number, cell.source)
        if SUSPICIOUS.search(without_colab(cell.source)):
            result.flag(f"{where} touches Python's internals or installs packages: read it before trusting the grade")
        for output in cell.get("outputs", []):
            if output.output_type == "error":
                result.notes.append(f"{where} raised {output.ename}: {output.evalue}"[:300])
                if result.status == "graded":
                    result.status = "raised"
    for check in assignment.checks:
        result.verdicts.setdefault(check.name, (UNREACHED, "the notebook stopped before this exercise's check."))


def cell_label(number: int, source: str) -> str:
    """How a note names a learner's cell: its number among the code cells, and its first line."""
    first_line = source.strip().partition("\n")[0]
    return f"cell {number} (`{first_line[:60]}`)"


def judged(probe, nonce: str, result: Result) -> None:
    """The verdict a probe cell showed: exactly one record, of its own exercise, with this run's nonce."""
    name = probe.metadata["grader"]
    records = [
        output.data[MIME]
        for output in probe.get("outputs", [])
        if output.output_type == "display_data" and MIME in output.get("data", {})
    ]
    errors = [output.ename for output in probe.get("outputs", []) if output.output_type == "error"]
    if errors:
        result.verdicts[name] = ("incorrect", f"the check could not run after your notebook: {errors[0]}")
    elif len(records) == 1 and records[0].get("nonce") == nonce and records[0].get("exercise") == name:
        result.verdicts[name] = (OUTCOMES.get(records[0].get("outcome"), "incorrect"), str(records[0].get("reason")))
    elif records:
        result.verdicts[name] = ("incorrect", "the grader's check was interfered with.")
        result.flag(f"`{name}`: the check showed {len(records)} verdicts, or a forged one: read the notebook.")


def grade(path: Path, folder: Path, assignment: Assignment, limit: float, full: bool) -> Result:
    """Grade one submission; never raises for anything the submission is or does."""
    result = Result(printable(path.relative_to(folder).as_posix()))
    try:
        notebook = read_submission(path)
        found = named_section(notebook)
        if found != assignment.key:
            what = f"section `{found}`" if found else "no section of this course (no `utils.setup(...)` call)"
            expected = f"these submissions are section `{assignment.key}`"
            raise Unusable("wrong section", f"this notebook is {what}; {expected}.")
    except Unusable as unusable:
        result.status = unusable.status
        result.notes.append(unusable.reason)
        return result
    nonce = secrets.token_hex(16)
    prepared = with_probes(notebook, assignment, nonce)
    try:
        run(prepared, limit, full, result)
        collect(prepared, assignment, nonce, result)
    except Exception as error:  # the kernel would not start, say: this submission only
        result.status = "grader error"
        result.notes.append(f"the grader failed on this submission: {type(error).__name__}: {error}"[:300])
    return result


def printable(name: str) -> str:
    """A file name as text that can be printed and written (a zip from Windows may leave undecodable bytes)."""
    return name.encode("utf-8", "surrogateescape").decode("utf-8", "replace")


def submissions(folder: Path) -> list[Path]:
    """Every file under ``folder``, but hidden ones, Jupyter's checkpoints and nbgrader's timestamps."""
    return sorted(
        path
        for path in folder.rglob("*")
        if path.is_file()
        and path.name not in IGNORED
        and not any(part.startswith(".") for part in path.relative_to(folder).parts)
    )


def infer_section(files: list[Path]) -> str:
    """The section most submissions name, for a run without --section."""
    named = Counter()
    for path in files:
        with contextlib.suppress(Unusable):
            named[named_section(read_submission(path))] += 1
    named.pop(None, None)
    ranked = named.most_common(2)
    if not ranked or (len(ranked) == 2 and ranked[0][1] == ranked[1][1]):
        raise SystemExit("error: cannot tell which section these submissions are; name it, e.g. SECTION=03")
    return ranked[0][0]


# How learning platforms name the files they hand back: Canvas "smithjohn_12345_67890_name.ipynb" (with "_late" after
# the name when late), Moodle a folder "John Smith_12345_assignsubmission_file_", nbgrader "submitted/<student>/...".
CANVAS = re.compile(r"^(?P<student>[^_/]+?)(?:_late)?_\d+_\d+_.+$")
MOODLE = re.compile(r"^(?P<student>.+?)_\d+_assignsubmission_\w+?_?$")


def student_of(submission: str) -> str:
    """The student a submission's path names, as Canvas, Moodle or nbgrader lay them out; else its file name."""
    parts = submission.split("/")
    if len(parts) >= 3 and parts[0] == "submitted":
        return parts[1]
    for part in parts[:-1]:
        if found := MOODLE.match(part):
            return found["student"]
    if found := CANVAS.match(parts[-1]):
        return found["student"]
    return parts[-1].rsplit(".", 1)[0]


def sheet_header(checks) -> list[str]:
    """The columns of grades.csv: the submission, its student, its status, one per exercise, the points and notes."""
    return ["submission", "student", "status", *(check.name for check in checks), "total", "notes"]


def sheet_row(result: Result, checks, weights: dict) -> list:
    """One submission's row of grades.csv."""
    verdicts = [result.verdicts.get(check.name, ("", ""))[0] for check in checks]
    return [result.submission, student_of(result.submission), result.status, *verdicts, result.points(weights),
            " | ".join(result.notes)]


def parse_points(settings: list[str], checks) -> dict:
    """{exercise: points} from "name=points" settings; every exercise not named is worth 1."""
    names, weights = {check.name for check in checks}, {}
    for setting in settings:
        name, _, value = setting.partition("=")
        if name not in names:
            raise SystemExit(f"error: --points {setting}: no exercise {name!r}; this section's are {sorted(names)}")
        try:
            weights[name] = float(value)
        except ValueError:
            raise SystemExit(f"error: --points {setting}: give name=number, for instance {name}=2") from None
    return weights


def feedback(result: Result, checks: list[Check], key: str, mode: str) -> str:
    """The feedback file for one submission, in Markdown."""
    how = (
        f"in {mode}: your notebook ran again from the top in a fresh Python, and each exercise was judged by the "
        "course's own checks."
        if result.verdicts
        else "it could not be run (see the notes)."
    )
    lines = [
        f"# Feedback on {result.submission}",
        "",
        f"Section `{key}`, graded {datetime.now():%Y-%m-%d %H:%M} {how}",
        "",
        f"**{result.correct} of {len(checks)} correct.** Status: {result.status}.",
    ]
    if result.verdicts:
        lines += ["", "| Exercise | Verdict | Why |", "|---|---|---|"]
        for check in checks:
            outcome, reason = result.verdicts[check.name]
            lines.append(f"| `{check.name}` | {outcome} | {reason.replace('|', '/').replace(chr(10), ' ')} |")
    if result.notes:
        lines += ["", "Notes:", *(f"- {note}" for note in result.notes)]
    return "\n".join(lines) + "\n"


def main(argv=None) -> int:
    """Grade a folder of submissions and write the grades and the feedback."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("folder", type=Path, help="the submissions (any layout; every file is one)")
    parser.add_argument("--section", help="the section handed in (03, batch_normalization); default: the one most name")
    parser.add_argument("--full", action="store_true", help="run in full mode (default: quick mode)")
    parser.add_argument("--limit", type=float, default=600, help="seconds each notebook may run (default 600)")
    parser.add_argument("--out", type=Path, help="where to write (default grades/<section>)")
    parser.add_argument("--jobs", type=int, default=1, help="submissions graded at once (default 1; one per core)")
    parser.add_argument("--points", nargs="*", default=[], metavar="NAME=POINTS",
                        help="points of an exercise (default 1 each), e.g. --points glorot_limit=2 he_layer=0.5")
    args = parser.parse_args(argv)
    if not args.folder.is_dir():
        print(f"error: {args.folder} is not a folder of submissions", file=sys.stderr)
        return 2
    files = submissions(args.folder)
    if not files:
        print(f"error: {args.folder} holds no submissions", file=sys.stderr)
        return 2
    exercise = published_exercise(args.section or infer_section(files))
    assignment = assignment_of(exercise)
    checks = assignment.checks
    weights = parse_points(args.points, checks)
    out = args.out or ROOT / "grades" / exercise.stem
    (out / "feedback").mkdir(parents=True, exist_ok=True)
    for stale in (out / "feedback").rglob("*.md"):  # a re-run replaces the last run's feedback
        stale.unlink()
    mode = "full mode" if args.full else "quick mode"
    jobs = max(1, args.jobs)
    print(f"grading {len(files)} submissions of section {exercise.stem} in {mode}, {args.limit:.0f} s each, "
          f"{jobs} at a time")
    compileall.compile_dir(ROOT / "utils", quiet=1)
    fingerprint, started = grader_fingerprint(), time.monotonic()

    def timed_grade(path: Path) -> tuple[Result, float]:
        """Grade one submission (in a thread: its kernel is a process of its own); the result and the seconds."""
        begun = time.monotonic()
        return grade(path, args.folder, assignment, args.limit, args.full), time.monotonic() - begun

    with (out / "grades.csv").open("w", newline="", encoding="utf-8-sig") as sheet, \
            ThreadPoolExecutor(max_workers=jobs) as pool:  # the BOM: Excel reads UTF-8
        writer = csv.writer(sheet)
        writer.writerow(sheet_header(checks))
        for result, seconds in pool.map(timed_grade, files):  # in the files' order, each as soon as it can be
            writer.writerow(sheet_row(result, checks, weights))
            sheet.flush()  # the rows so far survive an interrupted run
            target = out / "feedback" / f"{result.submission}.md"
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(feedback(result, checks, assignment.key, mode), encoding="utf-8")
            print(f"  {result.submission}: {result.status}, {result.correct}/{len(checks)} correct ({seconds:.0f} s)")
            if grader_fingerprint() != fingerprint:
                pool.shutdown(wait=True, cancel_futures=True)
                which = result.submission if jobs == 1 else f"{result.submission} (or one graded beside it)"
                print(f"error: the course's checks changed while {which} ran; grading stopped. Restore utils/ and "
                      "tools/ (git checkout -- utils tools), read that notebook, and grade again.", file=sys.stderr)
                return 1
    elapsed = time.monotonic() - started
    print(f"wrote {out / 'grades.csv'} and {len(files)} feedback files in {out / 'feedback'} "
          f"({elapsed:.0f} s, {elapsed / len(files):.0f} s per submission)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
