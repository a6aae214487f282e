"""Grading against hostile submissions: each attack is built as a submission and graded beside an honest
classmate, in one run. None may earn a mark it did not answer for, touch the classmate's grade, change the
course, or leave anything behind. The sandbox (bubblewrap) is required in CI (COURSE_REQUIRE_SANDBOX=1)."""

import compileall
import copy
import csv
import os
import sys
import time

import nbformat
import psutil
import pytest

from tests.test_grade import LIMIT_S, short_notebook, solutions
from tools import grade, sandbox
from tools.notebooks import CHAPTERS, ROOT

SECRET = "VICTIM-SECRET-7431"  # in the classmate's notebook only
MARKER = "attack-marker-5519"  # in the command line of every process an attack leaves behind

if sandbox.bwrap() is None:
    if os.environ.get("COURSE_REQUIRE_SANDBOX"):
        raise RuntimeError("COURSE_REQUIRE_SANDBOX is set, but bubblewrap (bwrap) cannot make a sandbox here")
    pytest.skip("bubblewrap (bwrap) cannot make a sandbox on this machine", allow_module_level=True)

FORGE_RUNPY = """\
# The grader's probe calls runpy.run_path: stand in for it, with every name spelt in pieces.
loader = getattr(__builtins__, "__imp" "ort__") if not isinstance(__builtins__, dict) else __builtins__["__imp" "ort__"]
run_module = loader("run" "py")
show = loader("IPython.disp" "lay", fromlist=["display"]).display


def fake_path(path, *args, **kwargs):
    def verdict(key, name, answer_of, nonce):
        record = {"nonce": nonce, "exercise": name, "observed": {"verdict": ["Correct", "well done."]}}
        show({"application/vnd.co" "urse.verdict+json": record, "text/plain": "ok"}, raw=True)
    return {"verdict": verdict}


run_module.run_path = fake_path
"""

READ_SOLUTIONS = f"""\
import json, pathlib

found = []
for path in pathlib.Path({str(ROOT)!r}).glob("solutions/**/01_unstable_gradients.ipynb"):
    found.append(json.loads(path.read_text())["metadata"]["course"]["solutions"])
for answers in found:
    for code in answers.values():
        exec(code)
leak = [getattr(ex.glorot_limit, name, None) for name in ("answer", "expected", "_problem", "problem")]
"""

DISK_PATCH = f"""\
import os, pathlib

target = pathlib.Path({str(ROOT)!r}) / "utils" / "checks" / "unstable_gradients.py"
before, times = target.read_bytes(), os.stat(target)
try:
    target.write_text("raise SystemExit")  # would make every later check fail, or pass
finally:
    target.write_bytes(before)
    os.utime(target, ns=(times.st_atime_ns, times.st_mtime_ns))  # and hide it
"""

PLANT_PTH = f"""\
import pathlib

folder = next(pathlib.Path({str(sys.prefix)!r}).glob("lib/python3*/site-packages"))
(folder / "zz_course_patch.pth").write_text("import os; os.environ['COURSE_OWNED'] = '1'\\n")
"""

SNOOP_PROC = """\
import pathlib

seen = []
for entry in pathlib.Path("/proc").iterdir():
    try:
        seen.append((entry / "cmdline").read_bytes().replace(b"\\0", b" ").decode())
    except OSError:
        pass
grader = [line for line in seen if "tools.grade " in line or "pytest" in line or "submissions" in line]
if grader:
    raise RuntimeError("FOUND THE GRADER: " + " | ".join(grader))
"""


def rewrite_classmate(victim: str) -> str:
    """A cell that overwrites the classmate's notebook, at the path it has on the grader's disk."""
    return f"""\
import pathlib

blank = pathlib.Path({victim!r})
blank.write_text('{{"cells": [], "metadata": {{}}, "nbformat": 4, "nbformat_minor": 5}}')
"""


def leave_behind(grades: str) -> str:
    """A cell that starts a process meant to outlive the grader and rewrite grades.csv."""
    return f"""\
import subprocess

script = "sleep 4; echo '{MARKER}' > {grades}"
subprocess.Popen(["sh", "-c", script, "{MARKER}"], start_new_session=True,
                 stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
"""


def carry_out(victim: str) -> str:
    """A cell that raises with the classmate's notebook as its message, to read it in its own feedback."""
    return f"raise RuntimeError(open({victim!r}).read()[-2000:])"


FRAME_WALK = """\
import inspect

import numpy as np


def mc_dropout_predict(model, X, passes=100):
    # Walk up the callers' frames for an array shaped like the answer: the check's reference, if it is there.
    frame = inspect.currentframe().f_back
    while frame is not None:
        for value in list(frame.f_locals.values()):
            if isinstance(value, np.ndarray) and value.shape == (len(X), 4) and value.dtype == np.float64:
                return value
        frame = frame.f_back
    return model(X, training=True).numpy()  # one pass: not the answer
"""

HOG_MEMORY = "import numpy as np\n\nhog = np.ones(3 * 2**30, dtype=np.uint8)"
MANY_THREADS = """\
import threading, time

threads = [threading.Thread(target=time.sleep, args=(60,), daemon=True) for _ in range(400)]
for thread in threads:
    thread.start()
"""


@pytest.fixture(scope="module")
def attacked(tmp_path_factory):
    """Section 1: the attacks, an honest classmate whose file sorts last, and what one grading run wrote."""
    folder, out = tmp_path_factory.mktemp("submissions"), tmp_path_factory.mktemp("grades")
    right = solutions()
    victim = folder / "zz_classmate.ipynb"
    classmate = {**right, "glorot_limit": f"{right['glorot_limit']}  # {SECRET}"}
    wrong = {"glorot_limit": "glorot_limit = 1.0"}
    attacks = {
        "forge_runpy": short_notebook(wrong, before={"glorot_limit": [FORGE_RUNPY]}),
        "read_solutions": short_notebook(before={"glorot_limit": [READ_SOLUTIONS]}),
        "disk_patch": short_notebook(wrong, before={"glorot_limit": [DISK_PATCH]}),
        "plant_pth": short_notebook(wrong, before={"glorot_limit": [PLANT_PTH]}),
        "snoop_proc": short_notebook(wrong, before={"glorot_limit": [SNOOP_PROC]}),
        "rewrite_classmate": short_notebook(wrong, before={"glorot_limit": [rewrite_classmate(str(victim))]}),
        "leave_behind": short_notebook(wrong, before={"glorot_limit": [leave_behind(str(out / "grades.csv"))]}),
        "carry_out": short_notebook(wrong, before={"glorot_limit": [carry_out(str(victim))]}),
        "hog_memory": short_notebook(right, before={"glorot_limit": [HOG_MEMORY]}),
        "many_threads": short_notebook(right, before={"glorot_limit": [MANY_THREADS]}),
    }
    for name, notebook in attacks.items():
        nbformat.write(notebook, folder / f"{name}.ipynb")
    nbformat.write(short_notebook(classmate), victim)
    compileall.compile_dir(ROOT / "utils", quiet=1)  # as the grader does first, so that the sums compare
    checks_before = grade.grader_fingerprint()
    limits = {"MEMORY_BYTES": 2 * 2**30, "TASKS": 200}  # lower than a machine's, so that the hogs cost little
    saved = {name: getattr(sandbox, name) for name in limits}
    for name, value in limits.items():
        setattr(sandbox, name, value)
    try:
        status = grade.main([str(folder), "--limit", str(LIMIT_S), "--out", str(out), "--jobs", "2"])
    finally:
        for name, value in saved.items():
            setattr(sandbox, name, value)
    time.sleep(6)  # longer than the process left behind waits before it writes
    with (out / "grades.csv").open(encoding="utf-8-sig") as file:
        rows = {row["submission"]: row for row in csv.DictReader(file)}
    return {"status": status, "rows": rows, "out": out, "victim": victim, "checks_before": checks_before,
            "grades": (out / "grades.csv").read_text(encoding="utf-8-sig")}


def verdicts(row) -> tuple:
    """The verdicts of section 1's three exercises in a row of grades.csv."""
    return row["glorot_limit"], row["he_layer"], row["steady_spread"]


def test_the_run_goes_on_and_the_classmate_keeps_her_marks(attacked):
    """Whatever the others did, the run ends normally and the honest notebook, graded last, gets 3 of 3."""
    assert attacked["status"] == 0
    row = attacked["rows"]["zz_classmate.ipynb"]
    assert (row["status"], verdicts(row), row["total"]) == ("graded", ("correct",) * 3, "3"), row["notes"]


def test_a_verdict_forged_in_the_kernel_earns_nothing(attacked):
    """A stand-in for the grader's probe, names spelt in pieces so that no pattern flags it, can only send data:
    its "correct" is refused, and the submission is flagged with an empty total."""
    row = attacked["rows"]["forge_runpy.ipynb"]
    assert "correct" not in verdicts(row)
    assert row["status"] == grade.FLAGGED and row["total"] == "", row["notes"]
    assert "not the grader" in row["notes"]


def test_the_solutions_are_not_in_the_sandbox(attacked):
    """solutions/ does not exist where the submission runs, and ex.<name> holds no answer."""
    row = attacked["rows"]["read_solutions.ipynb"]
    assert verdicts(row) == ("not attempted",) * 3, row["notes"]


@pytest.mark.parametrize("name", ["disk_patch", "plant_pth"])
def test_the_course_and_its_environment_are_read_only(attacked, name):
    """Writing into utils/ or the Python environment fails, is flagged, and changes nothing for anyone."""
    row = attacked["rows"][f"{name}.ipynb"]
    assert row["status"] == grade.FLAGGED and "tried to write" in row["notes"], row["notes"]
    assert grade.grader_fingerprint() == attacked["checks_before"]
    assert not list(ROOT.glob(".venv/lib/python3*/site-packages/zz_course_patch.pth"))


def test_the_grader_and_other_submissions_are_out_of_sight(attacked):
    """In /proc the submission sees its own processes only; the classmate's file is not there to rewrite or read."""
    rows = attacked["rows"]
    assert "FOUND THE GRADER" not in rows["snoop_proc.ipynb"]["notes"]
    assert "No such file or directory" in rows["rewrite_classmate.ipynb"]["notes"]
    assert nbformat.read(attacked["victim"], as_version=4).cells  # her notebook as she handed it in


def test_nothing_of_a_classmate_comes_out_in_feedback(attacked):
    """No feedback file but the classmate's own holds her answers."""
    for path in (attacked["out"] / "feedback").glob("*.md"):
        if path.name != "zz_classmate.ipynb.md":
            assert SECRET not in path.read_text(encoding="utf-8"), path.name


def test_nothing_outlives_its_sandbox(attacked):
    """The process started to rewrite grades.csv later died with its sandbox: the sheet is the grader's."""
    assert MARKER not in attacked["grades"]
    leftovers = [process.info for process in psutil.process_iter(["pid", "cmdline"])
                 if MARKER in " ".join(process.info["cmdline"] or [])]
    assert not leftovers


@pytest.mark.parametrize("name, why", [("hog_memory", "memory"), ("many_threads", "processes and threads")])
def test_a_submission_over_its_limits_is_stopped(attacked, name, why):
    """Memory and processes are limited per submission: over a limit, its sandbox is stopped, and it is told why."""
    row = attacked["rows"][f"{name}.ipynb"]
    assert row["status"] == "over the limits" and why in row["notes"], row["notes"]


def test_the_check_reference_is_not_on_the_call_stack(tmp_path):
    """Section 8: an mc_dropout_predict that walks its callers' frames for the check's reference finds none, for
    the reference is computed by the grader, outside the sandbox; it is judged as the one pass it returns."""
    published = nbformat.read(CHAPTERS / "11_training_deep_networks" / "08_regularization.ipynb", as_version=4)
    code = [cell for cell in published.cells if cell.cell_type == "code"]
    check = next(cell for cell in code if cell.source.endswith("ex.mc_dropout_predict.check(mc_dropout_predict)"))
    cells = [copy.deepcopy(code[0]), nbformat.v4.new_code_cell(FRAME_WALK), copy.deepcopy(check)]
    (tmp_path / "in").mkdir()
    nbformat.write(nbformat.v4.new_notebook(cells=cells, metadata=published.metadata), tmp_path / "in" / "walk.ipynb")
    assert grade.main([str(tmp_path / "in"), "--limit", "120", "--out", str(tmp_path / "out")]) == 0
    with (tmp_path / "out" / "grades.csv").open(encoding="utf-8-sig") as file:
        row = next(csv.DictReader(file))
    assert row["mc_dropout_predict"] == "incorrect", row["notes"]
    feedback = (tmp_path / "out" / "feedback" / "walk.ipynb.md").read_text(encoding="utf-8")
    assert "mc_dropout_predict` | incorrect" in feedback


def test_without_a_sandbox_grading_says_so_loudly(tmp_path, monkeypatch, capsys):
    """Where bubblewrap is missing, the grader still grades, and says at the start and the end what that risks."""
    monkeypatch.setattr(sandbox, "bwrap", lambda: None)
    (tmp_path / "in").mkdir()
    nbformat.write(short_notebook(), tmp_path / "in" / "a.ipynb")
    assert grade.main([str(tmp_path / "in"), "--limit", str(LIMIT_S), "--out", str(tmp_path / "out")]) == 0
    captured = capsys.readouterr()
    assert captured.err.count("UNSANDBOXED") == 2 and "WITHOUT A SANDBOX" in captured.out
