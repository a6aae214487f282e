"""Grade the exercise notebooks students hand back: ``python -m tools.grade FOLDER [--section 03]``.

Every file under FOLDER is a submission, copied and hashed before any runs. Each notebook runs in a
fresh kernel inside a bubblewrap sandbox of its own (tools.sandbox; quick mode unless ``--full``, at
most ``--limit`` seconds), with the grader's probe after each exercise's check cell (tools.grade_probe) and
without the course's demonstrations that no exercise needs (tools.demos).
The probe sends out the exercise's evidence as data (Problem.observe); the grader rebuilds it and
decides the verdict itself (Problem.decide), where the submission's code never ran: stored outputs,
edited check cells, a redefined ``ex`` and a faked probe count for nothing. A submission that is not a
notebook, is malformed, is another section, raises, hangs, kills its kernel or goes over its limits is
recorded with its reason; the run goes on. Writes ``grades.csv`` (one row per submission: its student,
as Canvas, Moodle or nbgrader name the files, its status, one column per exercise, the points,
``--points`` setting them per exercise, the notes and the file's SHA-256; a submission flagged for
review has no total) and ``feedback/<submission>.md`` into ``grades/<section>/`` (or ``--out``).
"""

import argparse
import compileall
import contextlib
import csv
import hashlib
import json
import os
import queue
import re
import resource
import shutil
import secrets
import subprocess
import sys
import sysconfig
import tempfile
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import nbformat

from tools import grade_probe, sandbox
from tools.demos import published_demos, without_demos
from tools.grade_probe import MIME
from tools.notebooks import ROOT, published_exercise, without_colab
from utils.checks import section as checks_section
from utils.exercises.core import problems_of

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
    r"|get_ipython|\bIPython\b(?!\.display import display$)|display_pub|^[ \t]*[!%][ \t]*pip\b|\bunshare\b",
    re.MULTILINE,
)
# The files whose code judges the answers, compiled ones included: a submission that changes them
# stops the run. (utils/ is compiled before the first submission, so an honest run changes none.)
GRADER_FILES = ("utils/**/*.py", "utils/**/*.pyc", "tools/grade_probe.py")
DECIDE_MEMORY = 8 * 2**30  # address space of the judge's process (TensorFlow alone maps about 3 GiB)
DECIDE_S = 120  # for the judge to weigh one exercise's evidence (honest evidence takes a few seconds at most)
JUDGE = [sys.executable, "-m", "tools.grade_decide"]
MAX_BYTES = 50 * 2**20  # a notebook handed in, outputs included; beyond, it is not read
IGNORED = {"timestamp.txt"}  # nbgrader's note beside each submission
PASSED_ON = ("COURSE_DATA_DIR", "CUDA_VISIBLE_DEVICES")  # the only settings of the grader's a submission sees
STARTUP_S = 60  # for the sandbox to start its kernel, and to print the executed notebook
SCANNED_CHARS = 100_000  # a cell longer than this is not searched (it could stall the grader), but flagged
NOTES = 12  # per submission, in grades.csv and the feedback: past these, how many more (a sheet must stay readable)
# An error that says the submission tried to write where it may not: the course's code, its environment.
READ_ONLY = re.compile(r"Read-only file system|Permission denied")


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
    """A published exercise notebook as the grader needs it: its section, its checks, and its demonstrations
    ({cell id: source}: the cells a grading run may leave out, tools.demos)."""

    key: str
    checks: tuple[Check, ...]
    demos: dict = field(default_factory=dict)


FLAGGED = "flagged for review"


@dataclass
class Result:
    """What grading one submission found."""

    submission: str
    status: str = "graded"
    sha256: str = ""  # of the file as handed in, taken before any submission ran
    judged_inside: list = field(default_factory=list)  # exercises whose verdict was reached in the sandbox
    left_out: int = 0  # the course's demonstrations not run, which no exercise needs
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
    """The section of a published notebook, its exercises, in order, from its check cells, and its demonstrations."""
    notebook = nbformat.read(exercise, as_version=4)
    code = [cell for cell in notebook.cells if cell.cell_type == "code"]
    checks = [Check(name, variable, cell.id) for cell in code for name, variable in CHECK_CALL.findall(cell.source)]
    return Assignment(exercise.stem[3:], tuple(checks), published_demos(notebook))


def grader_fingerprint() -> str:
    """A SHA-256 sum over the code that judges the answers, and the names, sizes and times of what the Python
    environment has installed (where a `.pth` file planted would run in every later Python)."""
    digest = hashlib.sha256()
    for path in sorted(path for pattern in GRADER_FILES for path in ROOT.glob(pattern)):
        digest.update(path.relative_to(ROOT).as_posix().encode() + b"\0" + path.read_bytes())
    for folder in sorted({sysconfig.get_path("purelib"), sysconfig.get_path("platlib")}):
        for entry in sorted(os.scandir(folder), key=lambda entry: entry.name):
            stat = entry.stat(follow_symlinks=False)
            digest.update(f"{entry.name}\0{stat.st_size}\0{stat.st_mtime_ns}\0".encode())
    return digest.hexdigest()


def read_submission(path: Path, name: str = ""):
    """The notebook in ``path`` (handed in as ``name``), or Unusable saying why it is not one."""
    name = Path(name or path.name).name
    if path.suffix != ".ipynb":
        raise Unusable("not a notebook", f"{name} is not a Jupyter notebook (.ipynb): hand in the notebook.")
    try:
        notebook = nbformat.reads(path.read_text(encoding="utf-8"), as_version=4)
        nbformat.validate(notebook)
    except UnicodeDecodeError:
        raise Unusable("malformed", f"{name} is not text: it cannot be a notebook.") from None
    except Exception as error:  # JSON errors, and JSON that is not a notebook
        reason = str(error).splitlines()[0][:200]
        raise Unusable("malformed", f"{name} cannot be read as a notebook ({reason}).") from None
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
    """(the submission, outputs cleared, with the grader's probe after each exercise's check cell; {the position of
    each probe: its exercise}). Probes are known by the positions the grader put them at, never by anything in the
    submission, which may dress a cell of its own as one."""
    cells = [cell for cell in notebook.cells if cell.cell_type in ("code", "markdown", "raw")]
    for cell in cells:
        cell.metadata.pop("grader", None)
        if cell.cell_type == "code":
            cell.outputs, cell.execution_count = [], None
    probes = []
    for check in assignment.checks:
        probe = nbformat.v4.new_code_cell(
            f'__import__("runpy").run_path({str(PROBE_FILE)!r})["verdict"]({assignment.key!r}, {check.name!r}, '
            f"lambda: {check.variable}, {nonce!r})"
        )
        at = next((i for i, c in enumerate(cells) if c.get("id") == check.cell_id and c.cell_type == "code"), None)
        if at is None:  # moved or renamed: look for the call itself, else judge at the end
            at = next((i for i, c in enumerate(cells) if c.cell_type == "code" and f".{check.name}.check(" in c.source),
                      len(cells) - 1)
        cells.insert(at + 1, probe)
        probes.append((probe, check.name))
    positions = {index: name for index, cell in enumerate(cells) for probe, name in probes if cell is probe}
    return nbformat.v4.new_notebook(cells=cells, metadata=notebook.metadata), positions


def run(notebook, limit: float, full: bool, result: Result, sandboxed: str | None):
    """Execute the notebook in a fresh kernel, in a sandbox of its own (bwrap at ``sandboxed``; None: a plain
    process), within ``limit`` seconds; the notebook as executed, or None when nothing readable came back."""
    env = {
        "PYTHONPATH": str(ROOT),
        "COURSE_QUICK": "" if full else "1",
        "PIP_NO_INDEX": "1",  # a `%pip install` in a submission cannot reach a package index
        **{name: os.environ[name] for name in PASSED_ON if name in os.environ},
    }
    with tempfile.TemporaryDirectory(prefix="submission-") as folder:
        nbformat.write(notebook, Path(folder) / "submission.ipynb")
        where = sandbox.INSIDE if sandboxed else Path(folder)
        argv = [sys.executable, "-m", "tools.grade_run", str(where / "submission.ipynb"), str(limit)]
        # The sandbox's own deadline is a backstop: the runner inside stops the kernel at ``limit``, keeping
        # the verdicts reached so far, and needs some seconds to start and to print.
        outcome = sandbox.run(argv, Path(folder), env, limit + STARTUP_S, sandboxed)
    if outcome.stopped:
        result.status = "timed out" if "time limit" in outcome.stopped else "over the limits"
        result.notes.append(f"{outcome.stopped}.")
        return None
    try:
        report = json.loads(outcome.stdout)
        executed = nbformat.from_dict(report["notebook"])
        status = report["status"]
    except (ValueError, KeyError, TypeError, AttributeError):
        result.status = "kernel died"
        result.notes.append("the notebook's run gave no readable result (its Python process was ended, or it "
                            f"printed over the grader's record){last_line(outcome.stderr)}.")
        return None
    if status == "timed out":
        result.status = "timed out"
        result.notes.append(f"stopped after the time limit of {limit:.0f} s.")
    elif status == "kernel died":
        result.status = "kernel died"
        result.notes.append("the notebook's Python process died (out of memory, or a call that ended it).")
    return executed


def last_line(text: str) -> str:
    """': <the last line of text>', for a note, or nothing."""
    lines = [line for line in text.splitlines() if line.strip()]
    return f": {lines[-1][:200]}" if lines else ""


def collect(prepared, probes: dict, executed, assignment: Assignment, nonce: str, result: Result) -> None:
    """The grader's verdicts and the errors the learner's cells raised: cells, sources and probes (``probes``: their
    positions) from the notebook the grader prepared, only outputs from the one the sandbox sent back (which may have
    been rewritten)."""
    problems = problems_of(checks_section(assignment.key))
    outputs = [[] for _ in prepared.cells]
    if executed is not None:
        if len(executed.cells) == len(prepared.cells):
            outputs = [cell.get("outputs", []) for cell in executed.cells]
        else:
            result.flag("the notebook sent back from its sandbox is not the one sent in: read it")
    number = 0
    for position, (cell, cell_outputs) in enumerate(zip(prepared.cells, outputs, strict=True)):
        if position in probes:
            judged(problems[probes[position]], assignment.key, cell_outputs, nonce, result)
            continue
        if cell.cell_type != "code":
            continue
        number += 1
        where = cell_label(number, cell.source)
        if len(cell.source) > SCANNED_CHARS:
            result.flag(f"{where} is over {SCANNED_CHARS:,} characters, too long to search: read it")
        elif SUSPICIOUS.search(without_colab(cell.source)):
            result.flag(f"{where} touches Python's internals or installs packages: read it before trusting the grade")
        for output in cell_outputs:
            if output.get("output_type") == "error":
                result.notes.append(f"{where} raised {output.get('ename')}: {output.get('evalue')}"[:300])
                if READ_ONLY.search(str(output.get("evalue", ""))[:1000]):
                    result.flag(f"{where} tried to write into the course's files or environment: read it")
                if result.status == "graded":
                    result.status = "raised"
    for check in assignment.checks:
        result.verdicts.setdefault(check.name, (UNREACHED, "the notebook stopped before this exercise's check."))


def cell_label(number: int, source: str) -> str:
    """How a note names a learner's cell: its number among the code cells, and its first line."""
    first_line = source.strip().partition("\n")[0]
    return f"cell {number} (`{first_line[:60]}`)"


def judged(problem, key: str, outputs: list, nonce: str, result: Result) -> None:
    """The verdict on one exercise, from what its probe recorded: exactly one record, of its own exercise, with
    this run's nonce."""
    name = problem.name
    records = [
        output["data"][MIME]
        for output in outputs
        if output.get("output_type") == "display_data" and isinstance(output.get("data"), dict)
        and MIME in output["data"]
    ]
    errors = [str(output.get("ename")) for output in outputs if output.get("output_type") == "error"]
    if errors:
        result.verdicts[name] = ("incorrect", f"the check could not run after your notebook: {errors[0][:100]}")
    elif len(records) == 1 and isinstance(records[0], dict) and records[0].get("nonce") == nonce \
            and records[0].get("exercise") == name:
        result.verdicts[name] = decision(problem, key, records[0].get("observed"), result)
    elif records:
        interfered(name, result, f"the check showed {len(records)} records, or a forged one")


def decision(problem, key: str, observed, result: Result) -> tuple[str, str]:
    """(outcome, reason): decided by the grader's judge from the evidence, as data, where the problem allows it;
    otherwise the verdict reached in the sandbox, which counts as given only where the grader cannot judge outside,
    or says "wrong"."""
    if problem.judged_outside and isinstance(observed, dict) and "answer" in observed:
        decided = Judge.of_this_thread().decide(key, problem.name, observed)
        if decided is None:
            return interfered(problem.name, result, "its evidence took the grader's judge past its limits of "
                                                    f"{DECIDE_MEMORY // 2**30} GiB or {DECIDE_S} s")
        return OUTCOMES.get(decided[0], "incorrect"), decided[1]
    verdict = observed.get("verdict") if isinstance(observed, dict) else None
    if not (isinstance(verdict, list) and len(verdict) == 2 and all(isinstance(part, str) for part in verdict)):
        return interfered(problem.name, result, "its record is not one the grader writes")
    outcome, reason = OUTCOMES.get(verdict[0], "incorrect"), verdict[1][:1000]
    if problem.judged_outside and outcome == "correct":
        return interfered(problem.name, result, "a verdict of correct came from the notebook, not the grader")
    if not problem.judged_outside:
        result.judged_inside.append(problem.name)
    return outcome, reason


class Judge:
    """The grader's judge (tools.grade_decide), a process of its own per grading thread, with limits on its memory
    and time: evidence built to exhaust it ends that process, which the next request starts afresh."""

    _local = threading.local()
    _all: list = []

    def __init__(self):
        self.process = None

    @classmethod
    def of_this_thread(cls) -> "Judge":
        """This thread's judge."""
        if getattr(cls._local, "judge", None) is None:
            cls._local.judge = cls()
            cls._all.append(cls._local.judge)
        return cls._local.judge

    def decide(self, key: str, name: str, observed) -> tuple[str, str] | None:
        """(outcome, message) of the check on ``observed``; None when the judge died or ran out of time on it."""
        if self.process is None or self.process.poll() is not None:
            self.process = subprocess.Popen(
                JUDGE, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                stderr=subprocess.DEVNULL, text=True, cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)},
                preexec_fn=limit_judge,
            )
        answers = queue.Queue()
        reader = threading.Thread(target=lambda: answers.put(self.process.stdout.readline()), daemon=True)
        try:
            self.process.stdin.write(json.dumps({"section": key, "exercise": name, "observed": observed}) + "\n")
            self.process.stdin.flush()
            reader.start()
            line = answers.get(timeout=DECIDE_S)
            answer = json.loads(line)
            return str(answer["outcome"]), str(answer["message"])
        except (OSError, ValueError, KeyError, TypeError, queue.Empty):
            self.close()
            return None

    def close(self) -> None:
        """End the judge's process."""
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait()
        self.process = None

    @classmethod
    def close_all(cls) -> None:
        """End every thread's judge."""
        for judge in cls._all:
            judge.close()
        cls._all.clear()
        cls._local = threading.local()


@contextlib.contextmanager
def judges():
    """Within: a judge per grading thread, as needed; after: none left running."""
    try:
        yield
    finally:
        Judge.close_all()


def limit_judge() -> None:
    """In the judge's process before it starts: its address space and no core dumps."""
    resource.setrlimit(resource.RLIMIT_AS, (DECIDE_MEMORY, DECIDE_MEMORY))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))


def interfered(name: str, result: Result, how: str) -> tuple[str, str]:
    """Mark the exercise wrong and the submission flagged: something stood in for the grader's probe."""
    result.verdicts[name] = ("incorrect", "the grader's check was interfered with.")
    result.flag(f"`{name}`: {how}: read the notebook.")
    return result.verdicts[name]


@dataclass(frozen=True)
class Submission:
    """A file handed in: its name (its path in the submissions folder), its private copy, and its SHA-256."""

    name: str
    copy: Path
    sha256: str
    refused: tuple = ()  # (status, reason) when staging found it cannot be graded: a link, a file it could not read


def staged(files: list[Path], folder: Path, into: Path) -> list[Submission]:
    """Copy every submission into ``into`` and hash it, before any runs: each is graded as it was handed in. Of a
    file over MAX_BYTES, only enough to tell so is copied; a link (or a device, a pipe) is not followed."""
    copies = []
    for number, path in enumerate(files):
        copy, digest, refused = into / f"{number:05d}{path.suffix}", hashlib.sha256(), ()
        name = printable(path.relative_to(folder).as_posix())
        with copy.open("wb") as target:
            if path.is_symlink() or not path.is_file():  # a link could point at anyone's file: it is not followed
                refused = ("not a notebook", f"{Path(name).name} is a link to another file, not a file handed in: "
                                             "hand in the notebook itself.")
            else:
                try:
                    with path.open("rb") as source:
                        while chunk := source.read(2**20):
                            digest.update(chunk)
                            if target.tell() <= MAX_BYTES:
                                target.write(chunk)
                except OSError as error:
                    refused = ("unreadable", f"{Path(name).name} could not be read ({error.strerror}).")
        copies.append(Submission(name, copy, "" if refused else digest.hexdigest(), refused))
    return copies


def grade(submission: Submission, assignment: Assignment, limit: float, full: bool, sandboxed: str | None) -> Result:
    """Grade one submission; never raises for anything the submission is or does."""
    result = Result(submission.name, sha256=submission.sha256)
    try:
        if submission.refused:
            raise Unusable(*submission.refused)
        if submission.copy.stat().st_size > MAX_BYTES:
            raise Unusable("too large", f"{Path(submission.name).name} is over {MAX_BYTES // 2**20} MB: clear the "
                                        "notebook's outputs (Edit › Clear Outputs of All Cells), save it, and hand it "
                                        "in again.")
        notebook = read_submission(submission.copy, submission.name)
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
    result.left_out = without_demos(notebook, assignment.demos)  # before the probes, which use names by string
    prepared, probes = with_probes(notebook, assignment, nonce)
    try:
        executed = run(prepared, limit, full, result, sandboxed)
        collect(prepared, probes, executed, assignment, nonce, result)
        cap_notes(result)
    except Exception as error:  # the sandbox would not start, say: this submission only
        result.status = "grader error"
        result.notes.append(f"the grader failed on this submission: {type(error).__name__}: {error}"[:300])
    return result


def cap_notes(result: Result) -> None:
    """Keep the first NOTES notes, and say how many more there were (a notebook may send back thousands of errors)."""
    if len(result.notes) > NOTES:
        result.notes[NOTES:] = [f"and {len(result.notes) - NOTES} more notes: read the notebook."]


def printable(name: str) -> str:
    """A file name as text that can be printed and written (a zip from Windows may leave undecodable bytes,
    shown as \\xe9)."""
    return name.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")  # distinct names stay so


def submissions(folder: Path) -> list[Path]:
    """Every file under ``folder`` (links included, not followed into folders), but hidden ones, Jupyter's
    checkpoints and nbgrader's timestamps."""
    found = []
    for where, folders, files in os.walk(folder):  # never into a linked folder: it may lead anywhere
        folders[:] = [name for name in folders if not name.startswith(".")]
        found += [Path(where) / name for name in files if not name.startswith(".") and name not in IGNORED]
    return sorted(found)


def infer_section(files: list[Path]) -> str:
    """The section most submissions name, for a run without --section."""
    named = Counter()
    for path in files:
        with contextlib.suppress(Unusable, OSError):
            if path.is_symlink() or not path.is_file() or path.stat().st_size > MAX_BYTES:
                continue
            named[named_section(read_submission(path))] += 1
    named.pop(None, None)
    if len(named) != 1:  # never a majority: a few notebooks of another section must not decide everyone's
        found = ", ".join(f"{key} ({count})" for key, count in named.most_common()) or "none"
        raise SystemExit(f"error: cannot tell which section these submissions are (they name: {found}); name it, "
                         "e.g. SECTION=03")
    return next(iter(named))


# How learning platforms name the files they hand back: Canvas "smithjohn_12345_67890_name.ipynb" (with "_late" after
# the name when late), Moodle a folder "John Smith_12345_assignsubmission_file_", nbgrader "submitted/<student>/...".
CANVAS = re.compile(r"^(?P<student>[^_/]+?)(?:_late)?_\d+_\d+_.+$")
MOODLE = re.compile(r"^(?P<student>.+?)_\d+_assignsubmission_\w+?_?$")


def student_of(submission: str, folder: str = "") -> str:
    """The student a submission's path (in ``folder``) names, as Canvas, Moodle or nbgrader lay them out; else its
    file name. The outermost folder that names a student wins: a student's own subfolders cannot name another."""
    parts = submission.split("/")
    if folder == "submitted" and len(parts) >= 2:  # nbgrader's submitted/ itself: <student>/<assignment>/<file>
        return parts[0]
    if len(parts) >= 3 and parts[0] == "submitted":
        return parts[1]
    for part in parts[:-1]:
        if found := MOODLE.match(part):
            return found["student"]
    if len(parts) == 1 and (found := CANVAS.match(parts[0])):  # Canvas's files lie flat
        return found["student"]
    return parts[-1].rsplit(".", 1)[0]


def sheet_header(checks) -> list[str]:
    """The columns of grades.csv: the submission, its student, its status, one per exercise, the points, the notes,
    the SHA-256 of the file graded and the name of its feedback file."""
    return ["submission", "student", "status", *(check.name for check in checks), "total", "notes", "sha256",
            "feedback"]


def sheet_row(result: Result, checks, weights: dict, folder: str = "", feedback_file: str = "") -> list:
    """One submission's row of grades.csv, every text a spreadsheet would read as a formula made plain text."""
    verdicts = [result.verdicts.get(check.name, ("", ""))[0] for check in checks]
    texts = [result.submission, student_of(result.submission, folder), result.status, *verdicts]
    notes = " | ".join(one_line(note) for note in result.notes)
    return [*map(as_text, texts), result.points(weights), as_text(notes), result.sha256, feedback_file]


def one_line(text: str) -> str:
    """``text`` on one line, its runs of spaces and line breaks made one space (a note cannot fake a row or a line)."""
    return " ".join(str(text).split())


def feedback_name(number: int, submission: str) -> str:
    """The feedback file of the ``number``-th submission: numbered, so that no two submissions share one, and named
    after it in characters any file system takes, short enough for any."""
    readable = re.sub(r"[^\w.@+-]+", "_", submission.replace("/", "__"))[-120:]
    return f"{number + 1:04d}-{readable}.md"


def as_text(text: str) -> str:
    """``text`` as a spreadsheet shows it, never as a formula: a leading =, +, -, @ (a file name such as
    "=HYPERLINK(...).ipynb", an error a student raised) gets an apostrophe first, as Excel's own escape."""
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


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
    if result.verdicts and result.left_out:
        how += (f" Left out: {result.left_out} of the course's demonstrations, which you had not changed and no "
                "exercise needs.")
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
            lines.append(f"| `{check.name}` | {outcome} | {one_line(reason).replace('|', '/')} |")
    if result.judged_inside:
        inside = ", ".join(f"`{name}`" for name in result.judged_inside)
        lines += ["", f"Judged inside your notebook's sandbox (its code runs where the answer is checked): {inside}."]
    if result.notes:
        lines += ["", "Notes:", *(f"- {one_line(note)}" for note in result.notes)]
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
    if (out / "feedback").is_dir():  # a re-run replaces the last run's feedback: the folder is the grader's own
        shutil.rmtree(out / "feedback")
    (out / "feedback").mkdir(parents=True)
    mode = "full mode" if args.full else "quick mode"
    jobs = max(1, args.jobs)
    sandboxed = sandbox.bwrap()
    if not sandboxed:
        print(sandbox.risk_without_sandbox(), file=sys.stderr)
    held = "the kernel holding its processes and memory" if {"pids", "memory"} <= sandbox.kernel_limits() else \
        "its processes and memory watched"
    print(f"grading {len(files)} submissions of section {exercise.stem} in {mode}, {args.limit:.0f} s each, "
          f"{jobs} at a time, {f'each in a bubblewrap sandbox, {held}' if sandboxed else 'WITHOUT A SANDBOX'}")
    compileall.compile_dir(ROOT / "utils", quiet=1)
    fingerprint, started = grader_fingerprint(), time.monotonic()

    with tempfile.TemporaryDirectory(prefix="submissions-") as private, judges():
        handed_in = staged(files, args.folder, Path(private))

        def timed_grade(submission: Submission) -> tuple[Result, float]:
            """Grade one submission (in a thread: its sandbox is a process of its own); the result and the seconds."""
            begun = time.monotonic()
            return grade(submission, assignment, args.limit, args.full, sandboxed), time.monotonic() - begun

        with (out / "grades.csv").open("w", newline="", encoding="utf-8-sig") as sheet, \
                ThreadPoolExecutor(max_workers=jobs) as pool:  # the BOM: Excel reads UTF-8
            writer = csv.writer(sheet)
            writer.writerow(sheet_header(checks))
            results = pool.map(timed_grade, handed_in)  # in the files' order, each as soon as it can be
            for number, (result, seconds) in enumerate(results):
                name = feedback_name(number, result.submission)
                writer.writerow(sheet_row(result, checks, weights, args.folder.resolve().name, name))
                sheet.flush()  # the rows so far survive an interrupted run
                (out / "feedback" / name).write_text(feedback(result, checks, assignment.key, mode), encoding="utf-8")
                print(f"  {result.submission}: {result.status}, {result.correct}/{len(checks)} correct "
                      f"({seconds:.0f} s)")
                if grader_fingerprint() != fingerprint:  # only possible without a sandbox
                    pool.shutdown(wait=True, cancel_futures=True)
                    which = result.submission if jobs == 1 else f"{result.submission} (or one graded beside it)"
                    print(f"error: the course's checks or Python environment changed while {which} ran; grading "
                          "stopped. Restore them (git checkout -- utils tools; make clean test), read that notebook, "
                          "and grade again, in a sandbox.", file=sys.stderr)
                    return 1
    elapsed = time.monotonic() - started
    print(f"wrote {out / 'grades.csv'} and {len(files)} feedback files in {out / 'feedback'} "
          f"({elapsed:.0f} s, {elapsed / len(files):.0f} s per submission)")
    if not sandboxed:
        print(sandbox.risk_without_sandbox(), file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
