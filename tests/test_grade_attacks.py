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

ATTACKS_LIMIT_S = 90  # the memory hog needs its time: filling 2 GiB takes this machine 15 s, more under load
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

DRESSED_PROBE = """\
# A cell of its own, dressed as the grader's probe (its metadata), sending the right answer as evidence.
import re

from IPython.display import display

nonce = re.search(r"'([0-9a-f]{32})'\\)", open("/grading/submission.ipynb").read())[1]
record = {"nonce": nonce, "exercise": "glorot_limit", "observed": {"answer": {"t": "float", "v": 0.07440048087}}}
display({"application/vnd.co" "urse.verdict+json": record, "text/plain": ""}, raw=True)
"""

READ_SHADOW = 'print(open("/etc/shadow").read()[:80])'

# The grader's probe stood in for, sending evidence built to exhaust the grader's judge: a Dense layer of 10^9 weights.
JUDGE_BOMB = FORGE_RUNPY.replace(
    '"observed": {"verdict": ["Correct", "well done."]}',
    '"observed": {"answer": {"t": "keras", "name": "Dense", "keras": None, "config": {"module": "keras.layers", '
    '"class_name": "Dense", "config": {"units": 1000}, "build_config": {"input_shape": [None, 1000000]}}}}',
)
MANY_THREADS = """\
import threading, time

threads = [threading.Thread(target=time.sleep, args=(60,), daemon=True) for _ in range(400)]
for thread in threads:
    thread.start()
time.sleep(5)  # while the grader looks
"""
# Every process forks for ever: without the kernel's limit on processes, it would take the machine's.
FORK_BOMB = """\
import os, time

while True:
    try:
        os.fork()
    except OSError:
        time.sleep(0.001)
"""
# A namespace of its own, where it could mount its control groups afresh and lift the limits written in them
# (found by a red team): bubblewrap forbids it that namespace, so it is stopped at the limit all the same.
LIFT_LIMITS = """\
import subprocess

lift = "mkdir -p /tmp/cg && mount -t cgroup -o pids none /tmp/cg && echo max > /tmp/cg/pids.max && mkdir /tmp/cg/x"
print(subprocess.run(["unshare", "-r", "-m", "-C", "sh", "-c", lift], capture_output=True, text=True))
""" + MANY_THREADS
KERNEL_LIMITS = "pids" in sandbox.kernel_limits()  # only there may a fork bomb be let loose


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
        "dressed_probe": dressed(short_notebook(wrong, before={"he_layer": [DRESSED_PROBE]})),
        "read_shadow": short_notebook(wrong, before={"glorot_limit": [READ_SHADOW]}),
        "judge_bomb": short_notebook(wrong, before={"glorot_limit": [JUDGE_BOMB]}),
    }
    if KERNEL_LIMITS:
        attacks["fork_bomb"] = short_notebook(right, before={"glorot_limit": [FORK_BOMB]})
        attacks["lift_limits"] = short_notebook(right, before={"glorot_limit": [LIFT_LIMITS]})
    for name, notebook in attacks.items():
        nbformat.write(notebook, folder / f"{name}.ipynb")
    nbformat.write(short_notebook(classmate), victim)
    compileall.compile_dir(ROOT / "utils", quiet=1)  # as the grader does first, so that the sums compare
    checks_before = grade.grader_fingerprint()
    for name in ("m.txt", "m.txt.md/n.txt", "evil.md/n.txt", "x" * 251 + ".txt"):  # feedback names that collide
        (folder / name).parent.mkdir(exist_ok=True)
        (folder / name).write_text("not a notebook", encoding="utf-8")
    limits = {(sandbox, "MEMORY_BYTES"): 2 * 2**30, (sandbox, "TASKS"): 200,  # lower than a machine's, so that
              (grade, "DECIDE_MEMORY"): 5 * 2**30}  # the hogs cost little
    saved = {key: getattr(*key) for key in limits}
    for (module, name), value in limits.items():
        setattr(module, name, value)
    try:
        status = grade.main([str(folder), "--limit", str(ATTACKS_LIMIT_S), "--out", str(out), "--jobs", "2"])
    finally:
        for (module, name), value in saved.items():
            setattr(module, name, value)
    time.sleep(6)  # longer than the process left behind waits before it writes
    with (out / "grades.csv").open(encoding="utf-8-sig") as file:
        rows = {row["submission"]: row for row in csv.DictReader(file)}
    return {"status": status, "rows": rows, "out": out, "victim": victim, "checks_before": checks_before,
            "grades": (out / "grades.csv").read_text(encoding="utf-8-sig")}


def dressed(notebook):
    """The notebook with its DRESSED_PROBE cell given the metadata the grader's probes once carried."""
    for cell in notebook.cells:
        if cell.source.startswith("# A cell of its own, dressed"):
            cell.metadata["grader"] = "glorot_limit"
    return notebook


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
    hers = attacked["rows"]["zz_classmate.ipynb"]["feedback"]
    for path in (attacked["out"] / "feedback").glob("*.md"):
        if path.name != hers:
            assert SECRET not in path.read_text(encoding="utf-8"), path.name


def test_nothing_outlives_its_sandbox(attacked):
    """The process started to rewrite grades.csv later died with its sandbox: the sheet is the grader's."""
    assert MARKER not in attacked["grades"]
    leftovers = [process.info for process in psutil.process_iter(["pid", "cmdline"])
                 if MARKER in " ".join(process.info["cmdline"] or [])]
    assert not leftovers
    assert not sandbox.leftover_groups(), "a sandbox's control groups were left behind"


@pytest.mark.parametrize("name, why", [("hog_memory", "memory"), ("many_threads", "processes and threads"),
                                       pytest.param("fork_bomb", "processes and threads", marks=pytest.mark.skipif(
                                           not KERNEL_LIMITS, reason="no control group for the sandbox here"))])
def test_a_submission_over_its_limits_is_stopped(attacked, name, why):
    """Memory and processes are limited per submission (by the kernel where the machine allows, and by the grader's
    watch): over a limit, its sandbox is stopped, and it is told why; a fork bomb takes no more than its limit."""
    row = attacked["rows"][f"{name}.ipynb"]
    assert row["status"] == "over the limits" and why in row["notes"], row["notes"]


@pytest.mark.skipif(not KERNEL_LIMITS, reason="no control group for the sandbox here")
def test_a_submission_cannot_lift_its_limits(attacked):
    """A submission that tries to mount its control groups afresh, to lift its limit on processes, is refused the
    namespace it needs: it is stopped at the limit all the same, and flagged for trying."""
    row = attacked["rows"]["lift_limits.ipynb"]
    assert row["status"] == "flagged for review" and "more than 200 processes and threads" in row["notes"], row["notes"]


def test_searching_a_cell_cannot_stall_the_grader():
    """A cell of blank lines took the grader's search for suspicious code quadratic time, holding every other
    grading thread (found by a red team): the search is linear, and a cell too long to search is flagged instead."""
    started = time.monotonic()
    assert not grade.SUSPICIOUS.search("\n" * 100_000)
    assert time.monotonic() - started < 2  # the old pattern took 8 s on 40,000, and grew with the square
    result = grade.Result("long.ipynb")
    cell = nbformat.v4.new_code_cell("\n" * (grade.SCANNED_CHARS + 1))
    prepared = nbformat.v4.new_notebook(cells=[cell])
    grade.collect(prepared, {}, None, grade.Assignment("unstable_gradients", ()), "nonce", result)
    assert result.status == "flagged for review" and "too long to search" in result.notes[0]


def test_a_flood_of_errors_leaves_the_sheet_readable():
    """A notebook that sends back 800,000 errors (forged by a red team) gets a dozen notes and a count."""
    result = grade.Result("flood.ipynb", notes=[f"cell 1 raised E: {n}" for n in range(800_000)])
    grade.cap_notes(result)
    assert len(result.notes) == grade.NOTES + 1 and "799988 more notes" in result.notes[-1]


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
    feedback = (tmp_path / "out" / "feedback" / row["feedback"]).read_text(encoding="utf-8")
    assert "mc_dropout_predict` | incorrect" in feedback


def test_without_a_sandbox_grading_says_so_loudly(tmp_path, monkeypatch, capsys):
    """Where bubblewrap is missing, the grader still grades, and says at the start and the end what that risks."""
    monkeypatch.setattr(sandbox, "bwrap", lambda: None)
    (tmp_path / "in").mkdir()
    nbformat.write(short_notebook(), tmp_path / "in" / "a.ipynb")
    assert grade.main([str(tmp_path / "in"), "--limit", str(LIMIT_S), "--out", str(tmp_path / "out")]) == 0
    captured = capsys.readouterr()
    assert captured.err.count("UNSANDBOXED") == 2 and "WITHOUT A SANDBOX" in captured.out


def test_a_cell_dressed_as_a_probe_is_a_cell_like_any_other(attacked):
    """The grader knows its probes by where it put them: a cell of the submission's own, with the probe's metadata
    and the run's nonce, sending the right answer as evidence, counts for nothing."""
    row = attacked["rows"]["dressed_probe.ipynb"]
    assert row["glorot_limit"] == "incorrect", row["notes"]


def test_no_secret_of_the_machine_is_in_sight(attacked):
    """/etc/shadow (and every other file of /etc but what programs read) is not in the sandbox."""
    notes = attacked["rows"]["read_shadow.ipynb"]["notes"]
    assert "No such file or directory: '/etc/shadow'" in notes and "root:" not in notes


def test_evidence_built_to_exhaust_the_judge_ends_only_its_own_judgement(attacked):
    """A forged record whose evidence would take gigabytes to rebuild runs into the limits of the grader's judge (a
    process of its own), is judged wrong, and the run goes on (the classmate, graded after, keeps her marks)."""
    row = attacked["rows"]["judge_bomb.ipynb"]
    assert verdicts(row) == ("incorrect",) * 3 and row["status"] == grade.FLAGGED, row["notes"]


@pytest.mark.parametrize("judge, why", [(["sleep", "60"], "time"), ([sys.executable, "-c", "bytearray(10**11)"],
                                                                     "memory")])
def test_a_judge_that_dies_or_hangs_costs_only_that_exercise(monkeypatch, judge, why):
    """When the judge's process hangs past DECIDE_S or dies (out of its memory), the exercise is wrong and flagged, and
    the next request starts a new judge."""
    monkeypatch.setattr(grade, "JUDGE", judge)
    monkeypatch.setattr(grade, "DECIDE_S", 2)
    result = grade.Result("x.ipynb")
    problem = grade.problems_of(grade.checks_section("unstable_gradients"))["glorot_limit"]
    observed = {"answer": {"t": "float", "v": 0.0744}}
    assert grade.decision(problem, "unstable_gradients", observed, result)[0] == "incorrect"
    assert result.status == grade.FLAGGED and "past its limits" in result.notes[0]
    grade.Judge.close_all()


def test_feedback_files_never_collide(attacked):
    """Names that would collide as feedback files (m.txt beside m.txt.md/, a 255-byte name) each get their own."""
    rows = attacked["rows"]
    files = {row["feedback"] for row in rows.values()}
    assert len(files) == len(rows) and all((attacked["out"] / "feedback" / name).is_file() for name in files)


def test_grading_again_into_the_same_folder_works(tmp_path):
    """A re-run replaces the feedback folder whole, whatever the names of the last run's submissions were."""
    (tmp_path / "in" / "evil.md").mkdir(parents=True)
    (tmp_path / "in" / "evil.md" / "n.txt").write_text("x", encoding="utf-8")
    (tmp_path / "in" / "a.txt").write_text("x", encoding="utf-8")
    for _ in range(2):
        assert grade.main([str(tmp_path / "in"), "--section", "01", "--out", str(tmp_path / "out")]) == 0
    assert len(list((tmp_path / "out" / "feedback").iterdir())) == 2
