"""Your copy of the course works on this machine: the right libraries, the data, and every section's
checks. (`make test` also runs every exercise notebook, in quick mode.)"""

import re
from importlib.metadata import version
from pathlib import Path

import pytest

import utils
from utils.checks import all_sections
from utils.exercises import problems_of

ROOT = Path(__file__).resolve().parents[1]


def test_the_tested_libraries_are_installed():
    """The environment has the versions requirements.txt pins (`make lab` or `make test` installs them)."""
    pins = re.findall(r"^([\w.-]+)==(\S+)", (ROOT / "requirements.txt").read_text(), re.MULTILINE)
    wrong = {name: (pinned, version(name)) for name, pinned in pins if version(name) != pinned}
    assert not wrong, f"installed versions differ from requirements.txt (pinned, installed): {wrong}"


def test_fashion_mnist_loads():
    """The data is there and verified (in quick mode, a small subset)."""
    data = utils.load_fashion_mnist()
    images, labels = data.train
    assert images.shape[1:] == (28, 28) and len(images) == len(labels) and len(data.class_names) == 10


@pytest.mark.parametrize("section", all_sections(), ids=lambda section: section.key)
def test_every_check_answers(section):
    """Each exercise's check runs: an unanswered exercise is "not attempted", and every hint shows."""
    for problem in problems_of(section).values():
        assert problem.evaluate(...).outcome.value == "Not attempted"
        assert len(problem.hints) >= 3


@pytest.mark.parametrize("section", all_sections(), ids=lambda section: section.key)
def test_solutions_are_not_in_this_copy(section):
    """`.solution()` says plainly that the solutions are not part of this copy."""
    for problem in problems_of(section).values():
        assert "not part of this copy" in problem.reveal().message
