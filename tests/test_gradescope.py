"""The Gradescope autograder (`make gradescope`): built, then run offline as Gradescope runs it, on a folder laid
out as its /autograder (source, submission, results), for a right, a wrong, a broken and a missing submission;
each results.json is checked against Gradescope's documented format."""

import json
import os
import shutil
import subprocess
import sys
import zipfile

import jsonschema
import nbformat
import pytest

from tests.test_grade import short_notebook, solutions
from tools import gradescope, sandbox
from tools.notebooks import ROOT

# https://gradescope-autograders.readthedocs.io/en/latest/specs/ (Output format): the fields this autograder writes.
VISIBILITY = {"enum": ["hidden", "after_due_date", "after_published", "visible"]}
RESULTS_SCHEMA = {
    "type": "object",
    "properties": {
        "score": {"type": "number"},
        "execution_time": {"type": "number"},
        "output": {"type": "string"},
        "visibility": VISIBILITY,
        "stdout_visibility": VISIBILITY,
        "tests": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {
                    "score": {"type": "number"},
                    "max_score": {"type": "number"},
                    "status": {"enum": ["passed", "failed"]},
                    "name": {"type": "string"},
                    "number": {"type": "string"},
                    "output": {"type": "string"},
                    "visibility": VISIBILITY,
                },
                "required": ["score", "max_score", "name", "output"],
                "additionalProperties": False,
            },
        },
    },
    "required": ["tests"],
    "additionalProperties": False,
}


@pytest.fixture(scope="module")
def autograder(tmp_path_factory):
    """Section 1's autograder, built with glorot_limit worth 2 points and a short time limit."""
    into = tmp_path_factory.mktemp("gradescope")
    assert gradescope.main(["build", "--section", "01", "--points", "glorot_limit=2", "--limit", "60",
                            "--into", str(into)]) == 0
    return into / "01_unstable_gradients"


def graded(autograder, tmp_path, files: dict) -> dict:
    """Run run_autograder on a fresh /autograder-like folder whose submission holds ``files``; its results.json."""
    source = tmp_path / "autograder" / "source"
    shutil.copytree(autograder, source)
    (tmp_path / "autograder" / "submission").mkdir()
    (tmp_path / "autograder" / "results").mkdir()
    for name, content in files.items():
        (tmp_path / "autograder" / "submission" / name).write_text(content, encoding="utf-8")
    env = {**os.environ, "AUTOGRADER_ROOT": str(tmp_path / "autograder"), "COURSE_PYTHON": sys.executable,
           "COURSE_DATA_DIR": str(ROOT / "data")}
    env.pop("PYTHONPATH", None)
    done = subprocess.run(["bash", str(source / "run_autograder")], env=env, capture_output=True, text=True,
                          timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    results = json.loads((tmp_path / "autograder" / "results" / "results.json").read_text(encoding="utf-8"))
    jsonschema.validate(results, RESULTS_SCHEMA)
    return results


def scores(results) -> dict:
    """{exercise: (score, max_score)}."""
    return {test["name"]: (test["score"], test["max_score"]) for test in results["tests"]}


def test_the_zip_holds_what_gradescope_runs_and_no_solutions(autograder):
    """setup.sh and run_autograder at the zip's root, executable; the checks sealed; nothing of solutions/."""
    with zipfile.ZipFile(autograder.with_suffix(".zip")) as archive:
        names = set(archive.namelist())
        modes = {info.filename: info.external_attr >> 16 for info in archive.infolist()}
    assert {"setup.sh", "run_autograder", "gradescope.json"} <= names
    assert modes["run_autograder"] & 0o111 and modes["setup.sh"] & 0o111
    assert not any(name.startswith("solutions/") for name in names)
    checks = (autograder / "utils" / "checks" / "unstable_gradients.py").read_text(encoding="utf-8")
    assert "GLOROT" not in checks and "6 / (784" not in checks  # sealed


@pytest.mark.skipif(sandbox.bwrap() is None and not os.environ.get("COURSE_REQUIRE_SANDBOX"),
                    reason="bubblewrap cannot make a sandbox on this machine")
def test_right_wrong_broken_and_missing_submissions(autograder, tmp_path):
    """Full marks for the right answers (glorot_limit worth 2), none for wrong ones, and a broken or missing
    notebook says why; every results.json in Gradescope's format."""
    right = nbformat.writes(short_notebook(solutions()))
    wrong = nbformat.writes(short_notebook({"glorot_limit": "glorot_limit = 1.0",
                                            "he_layer": 'he_layer = keras.layers.Dense(100, activation="relu")',
                                            "steady_spread": 'steady_choice = "A"'}))
    found = scores(graded(autograder, tmp_path / "right", {"01_unstable_gradients.ipynb": right}))
    assert found == {"glorot_limit": (2.0, 2.0), "he_layer": (1.0, 1.0), "steady_spread": (1.0, 1.0)}
    results = graded(autograder, tmp_path / "wrong", {"mine.ipynb": wrong})
    assert all(score == 0 for score, _ in scores(results).values())
    assert "is not the Glorot uniform limit" in results["tests"][0]["output"]
    broken = graded(autograder, tmp_path / "broken", {"01_unstable_gradients.ipynb": '{"cells": [{"cell_'})
    assert "cannot be read as a notebook" in broken["output"] and all(t["score"] == 0 for t in broken["tests"])
    missing = graded(autograder, tmp_path / "missing", {"answers.py": "glorot_limit = 0.0744"})
    assert "holds no notebook" in missing["output"]


def test_without_a_sandbox_the_notebook_runs_as_nobody(tmp_path, monkeypatch):
    """In a container where bubblewrap cannot work, Gradescope's runs drop to an unprivileged user."""
    if os.geteuid() != 0 or shutil.which("setpriv") is None:
        pytest.skip("needs root and setpriv, as in Gradescope's container")
    monkeypatch.setattr(sandbox, "UNPRIVILEGED", "nobody")
    outcome = sandbox.run(["id", "-u"], tmp_path, {}, 30, None)
    assert outcome.stdout.decode().strip() == "65534"
