"""The contract every registered exercise check honours, whatever the section.

Parametrized over ``utils.checks.all_sections()``, so a new section is covered as soon as its
module exists in ``utils/checks/``.
"""

import copy
import json
import html
import logging
import math
import re
import textwrap

import jupytext
import keras
import numpy as np
import pytest
import tensorflow as tf

from tools.markers import parse_regions
from tools.notebooks import source_of
from utils.checks import all_sections
from utils.exercises import Exercise, Feedback, Outcome, Section, core, problems_of

SECTIONS = all_sections()
PROBLEMS = [
    pytest.param(problem, id=f"{section.notebook}::{name}")
    for section in SECTIONS
    for name, problem in problems_of(section).items()
]
ANSWER_OUTCOMES = {Outcome.NOT_ATTEMPTED, Outcome.INCORRECT, Outcome.CORRECT}


# Hostile answers -------------------------------------------------------------------------------


class RaisesOnAnyAttribute:
    """Every attribute access, even ``__class__``, raises."""

    def __getattribute__(self, name):
        raise RuntimeError(f"no attribute {name} for you")


class RaisesInDunders:
    """Comparison, conversion, truth, length and iteration all raise."""

    __hash__ = object.__hash__

    def __eq__(self, other):
        raise RuntimeError("__eq__")

    def __float__(self):
        raise RuntimeError("__float__")

    def __bool__(self):
        raise RuntimeError("__bool__")

    def __len__(self):
        raise RuntimeError("__len__")

    def __iter__(self):
        raise RuntimeError("__iter__")


class RaisesOnClass:
    """Its ``__class__`` property raises."""

    @property
    def __class__(self):
        raise RuntimeError("__class__")


class Unprintable:
    """Its ``__str__`` and ``__repr__`` raise."""

    def __str__(self):
        raise RuntimeError("__str__")

    def __repr__(self):
        raise RuntimeError("__repr__")


def _raises():
    raise ValueError("boom")


def _generator():
    yield 1


# (id, factory, is_a_number): a number may be the right answer to some problem; nothing else is.
HOSTILE = [
    ("ellipsis", lambda: ..., False),
    ("none", lambda: None, False),
    ("empty_str", lambda: "", False),
    ("blank_str", lambda: "   ", False),
    ("str_he_normal", lambda: "he_normal", False),
    ("str_zzz", lambda: "zzz", False),
    ("zero", lambda: 0, True),
    ("minus_one", lambda: -1, True),
    ("1e308", lambda: 1e308, True),
    ("10**400", lambda: 10**400, True),
    ("nan", lambda: float("nan"), True),
    ("inf", lambda: float("inf"), True),
    ("true", lambda: True, False),
    ("complex", lambda: 3 + 4j, False),
    ("bytes", lambda: b"bytes", False),
    ("empty_list", lambda: [], False),
    ("list_1_2", lambda: [1, 2], False),
    ("empty_dict", lambda: {}, False),
    ("empty_set", lambda: set(), False),
    ("zeros_3x3", lambda: np.zeros((3, 3)), False),
    ("empty_array", lambda: np.array([]), False),
    ("tf_constant_2", lambda: tf.constant([1.0, 2.0]), False),
    ("sequential", lambda: keras.Sequential([keras.Input((3,)), keras.layers.Dense(2)]), False),
    ("dense_class", lambda: keras.layers.Dense, False),
    ("dense_sigmoid", lambda: keras.layers.Dense(3, activation="sigmoid"), False),
    ("conv2d", lambda: keras.layers.Conv2D(3, 3), False),
    ("lambda", lambda: lambda x: x, False),
    ("raising_function", lambda: _raises, False),
    ("generator", lambda: _generator(), False),
    ("raises_on_any_attribute", RaisesOnAnyAttribute, False),
    ("raises_in_dunders", RaisesInDunders, False),
    ("raises_on_class", RaisesOnClass, False),
    ("unprintable", Unprintable, False),
    ("type", lambda: type, False),
    ("object", object, False),
]
HOSTILE_PARAMS = [pytest.param(factory, is_number, id=name) for name, factory, is_number in HOSTILE]


# Helpers ---------------------------------------------------------------------------------------


def _source_regions(problem):
    """(stub lines, solution code) of ``problem``'s region in its section's source."""
    notebook = jupytext.read(source_of(core.SOLUTIONS_DIR / f"{problem.notebook}.ipynb"))
    for cell in notebook.cells:
        if cell.cell_type == "code":
            for name, stubs, code in parse_regions(cell.source):
                if name == problem.name:
                    return stubs, "\n".join(code)
    raise AssertionError(f"no region {problem.name!r} in the source of {problem.notebook}")


# What a stub leaves for the learner: `name = ...`, or a function or class to complete.
STUB_TARGET = re.compile(r"([A-Za-z_]\w*)\s*=\s*\.\.\.|(?:def|class)\s+([A-Za-z_]\w*)")


def _reference_answer(problem):
    """The value the solution region gives the name its stub leaves to the learner."""
    stubs, code = _source_regions(problem)
    top_level = textwrap.dedent("\n".join(stubs)).splitlines()
    targets = [m[1] or m[2] for line in top_level if (m := STUB_TARGET.match(line))]
    assert len(targets) == 1, f"{problem.name}: expected one `name = ...`, `def name` or `class name` stub, got {stubs}"
    namespace = {"keras": keras, "np": np, "tf": tf, "math": math}
    exec(compile(code, f"<solution {problem.name}>", "exec"), namespace)
    return namespace[targets[0]]


def python_stderr(capfd) -> list[str]:
    """The lines written to stderr since the last read, but for TensorFlow's C++ start-up notices (which the
    notebooks' `import utils` hides, and these tests, importing TensorFlow first, do not)."""
    return [line for line in capfd.readouterr().err.splitlines() if not re.match(r"[IWEF]\d{4} \d\d:", line)]


@pytest.fixture
def fresh(request):
    """A copy of the problem with no hint shown yet, so tests do not share hint state."""
    problem = copy.copy(request.param)
    problem._hints_shown = 0
    return problem


# check() ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("factory, is_number", HOSTILE_PARAMS)
@pytest.mark.parametrize("problem", PROBLEMS)
def test_check_survives_hostile_answer(problem, factory, is_number):
    """check() never raises and gives a renderable answer outcome with a message."""
    feedback = problem.evaluate(factory())
    assert isinstance(feedback, Feedback)
    assert feedback.outcome in ANSWER_OUTCOMES
    assert feedback.problem == problem.name
    assert isinstance(feedback.message, str) and feedback.message.strip()
    assert "Traceback" not in feedback.message
    assert str(feedback) and feedback._repr_html_()
    if not is_number:
        assert feedback.outcome is not Outcome.CORRECT


@pytest.mark.parametrize("blank", [pytest.param(..., id="ellipsis"), pytest.param(None, id="none")])
@pytest.mark.parametrize("problem", PROBLEMS)
def test_stub_values_are_not_attempted(problem, blank):
    """The stub values ... and None are 'not attempted', never 'incorrect'."""
    assert problem.evaluate(blank).outcome is Outcome.NOT_ATTEMPTED


@pytest.mark.parametrize("problem", PROBLEMS)
def test_check_without_argument_is_not_attempted(problem):
    """check() with no answer at all is 'not attempted'."""
    assert problem.evaluate().outcome is Outcome.NOT_ATTEMPTED


@pytest.mark.parametrize("problem", PROBLEMS)
def test_reference_solution_passes_its_own_check(problem, capfd, caplog):
    """The code of the solution region, run on its own, produces a correct answer, and the check is quiet."""
    answer = _reference_answer(problem)
    capfd.readouterr()
    caplog.clear()
    feedback = problem.evaluate(answer)
    assert feedback.outcome is Outcome.CORRECT, feedback.message
    assert feedback.correct and feedback.message.strip()
    assert not python_stderr(capfd), "the check wrote to stderr: a learner would see it above the verdict"
    assert not [record.getMessage() for record in caplog.records if record.levelno >= logging.WARNING]


# The grader's side: the same verdict from the evidence as data. -------------------------------------


def by_grader(problem, answer) -> tuple:
    """(outcome, message, what crossed) as the grader reaches them: the evidence gathered, through JSON, weighed."""
    observed = json.loads(json.dumps(problem.observe(answer)))
    if "answer" not in observed:
        return (*observed["verdict"], observed)
    feedback = problem.decide(observed)
    return feedback.outcome.value, feedback.message, observed


@pytest.mark.parametrize("problem", PROBLEMS)
def test_every_exercise_is_judged_outside_the_submission(problem):
    """Each problem gathers evidence beside the answer and weighs it in the grader, so that no verdict that counts
    is reached in a submission's kernel."""
    assert problem.judged_outside, f"{problem.name}: split its judge into evidence and weigh (Problem.observe)"


@pytest.mark.parametrize("problem", PROBLEMS)
def test_the_grader_finds_the_reference_solution_correct(problem):
    """The reference solution's evidence, as data, is weighed correct by the grader."""
    outcome, message, _ = by_grader(problem, _reference_answer(problem))
    assert outcome == Outcome.CORRECT.value, message


KERAS_NAME = re.compile(r"\b([a-z_]+)_\d+\b")  # sequential_47: a name Keras numbers as it creates models


@pytest.mark.parametrize("factory, is_number", HOSTILE_PARAMS)
@pytest.mark.parametrize("problem", PROBLEMS)
def test_the_grader_agrees_on_hostile_answers(problem, factory, is_number):
    """On an answer of the wrong kind, the grader reaches the notebook's verdict, word for word (but for the numbers
    Keras gives the models each run creates). An object of a class of the learner's own crosses as its type's name
    alone: there, the verdict only must agree."""
    answer = factory()
    feedback = problem.evaluate(answer)
    outcome, message, crossed = by_grader(problem, answer)
    assert outcome == feedback.outcome.value
    if crossed.get("answer", {}).get("t") == "opaque":
        return
    assert KERAS_NAME.sub(r"\1", message) == KERAS_NAME.sub(r"\1", feedback.message)


# hint() ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("problem", PROBLEMS)
def test_every_problem_has_at_least_three_hints(problem):
    """Each problem offers hints in three levels at least, from gentle to revealing."""
    assert len(problem.hints) >= 3
    assert all(isinstance(hint, str) and hint.strip() for hint in problem.hints)


@pytest.mark.parametrize("problem", PROBLEMS)
def test_no_hint_gives_the_solution_away(problem):
    """No hint holds a line of the solution's code, nor a multiple-choice answer: that is .solution()'s job."""
    _, code = _source_regions(problem)
    lines = {line.strip() for line in code.splitlines() if len(line.strip()) > 12 and not line.strip().startswith("#")}
    for hint in problem.hints:
        assert not [line for line in lines if line in hint], f"hint of {problem.name} holds solution code: {hint}"
        answer = getattr(problem, "answer", None)
        if isinstance(answer, frozenset):
            letters = ", ".join(sorted(answer)).upper()
            assert letters not in hint and " and ".join(sorted(answer)).upper() not in hint, hint


@pytest.mark.parametrize("fresh", PROBLEMS, indirect=True)
def test_hint_without_level_walks_up_then_stays_at_last(fresh):
    """hint() shows levels 1..n in turn, then keeps showing level n."""
    n = len(fresh.hints)
    levels = [fresh.next_hint() for _ in range(n + 2)]
    expected = [*range(1, n + 1), n, n]
    for feedback, level in zip(levels, expected, strict=True):
        assert feedback.outcome is Outcome.HINT
        assert feedback.message.startswith(f"({level}/{n}) ")
        assert fresh.hints[level - 1] in feedback.message
    assert "last hint" in levels[n - 1].message and ".solution()" in levels[n - 1].message
    assert all("no more hints" in feedback.message and ".solution()" in feedback.message for feedback in levels[n:])


@pytest.mark.parametrize("fresh", PROBLEMS, indirect=True)
def test_hint_none_is_the_next_hint(fresh):
    """hint(None) is the same as hint(): the next level."""
    assert fresh.next_hint(None).message.startswith(f"(1/{len(fresh.hints)}) ")
    assert fresh.next_hint(None).message.startswith(f"(2/{len(fresh.hints)}) ")


@pytest.mark.parametrize("fresh", PROBLEMS, indirect=True)
def test_hint_at_each_valid_level(fresh):
    """hint(k) shows hint k for every k from 1 to n, in any order."""
    n = len(fresh.hints)
    for level in [n, *range(1, n + 1)]:
        feedback = fresh.next_hint(level)
        assert feedback.outcome is Outcome.HINT
        assert feedback.message.startswith(f"({level}/{n}) ")
        assert fresh.hints[level - 1] in feedback.message


@pytest.mark.parametrize("fresh", PROBLEMS, indirect=True)
def test_revisiting_a_hint_does_not_rewind(fresh):
    """After hint(n) then hint(1), hint() goes on showing the last level, not level 2."""
    n = len(fresh.hints)
    fresh.next_hint(n)
    fresh.next_hint(1)
    assert fresh.next_hint().message.startswith(f"({n}/{n}) ")


@pytest.mark.parametrize("level", ["x", 0, -1, 99, True, 2.0, "1"])
@pytest.mark.parametrize("fresh", PROBLEMS, indirect=True)
def test_invalid_hint_level_says_the_range(fresh, level):
    """An invalid level gives a Feedback naming the valid range, and does not advance."""
    n = len(fresh.hints)
    feedback = fresh.next_hint(level)
    assert isinstance(feedback, Feedback) and feedback.outcome is Outcome.HINT
    assert re.search(rf"\b1\b.*\b{n}\b", feedback.message), feedback.message
    assert fresh.next_hint().message.startswith(f"(1/{n}) ")


# solution() ------------------------------------------------------------------------------------


@pytest.mark.parametrize("problem", PROBLEMS)
def test_solution_reveals_clean_code(problem):
    """solution() shows the region's code, without markers or stub lines."""
    feedback = problem.reveal()
    assert feedback.outcome is Outcome.SOLUTION
    assert feedback.code.strip()
    for marker in ("# STUB", "BEGIN SOLUTION", "END SOLUTION"):
        assert marker not in feedback.code
    assert html.escape(feedback.code) in feedback._repr_html_()


@pytest.mark.parametrize("problem", PROBLEMS)
def test_solution_notebook_matches_its_source(problem):
    """The .ipynb the reveal reads holds the same solution as the section's source (make sync)."""
    _, code = _source_regions(problem)
    assert problem.reveal().code == code.strip("\n")


@pytest.mark.parametrize("problem", PROBLEMS)
def test_solution_without_solutions_folder(problem, monkeypatch, tmp_path):
    """A copy without solutions says so instead of raising."""
    monkeypatch.setattr(core, "SOLUTIONS_DIR", tmp_path)
    feedback = problem.reveal()
    assert feedback.outcome is Outcome.SOLUTION
    assert "not part of this copy" in feedback.message
    assert not feedback.code


@pytest.mark.parametrize(
    "content",
    [
        pytest.param('{"cells": [', id="truncated_json"),
        pytest.param('{"nbformat": 4}', id="no_metadata"),
        pytest.param('{"metadata": {"course": {"solutions": {}}}}', id="no_solution_for_it"),
        pytest.param('{"metadata": {"course": {"solutions": []}}}', id="solutions_not_a_mapping"),
        pytest.param("[]", id="not_an_object"),
    ],
)
@pytest.mark.parametrize("problem", PROBLEMS)
def test_solution_from_broken_notebook(problem, monkeypatch, tmp_path, content):
    """A damaged solution notebook gives an explanation, not an exception."""
    path = tmp_path / f"{problem.notebook}.ipynb"
    path.parent.mkdir(parents=True)
    path.write_text(content, encoding="utf-8")
    monkeypatch.setattr(core, "SOLUTIONS_DIR", tmp_path)
    feedback = problem.reveal()
    assert feedback.outcome is Outcome.SOLUTION
    assert "could not be read" in feedback.message and not feedback.code


# Feedback rendering ----------------------------------------------------------------------------


@pytest.mark.parametrize("outcome", list(Outcome), ids=lambda o: o.name)
def test_feedback_renders_its_outcome_word(outcome):
    """The text and the HTML forms both show the outcome word, the problem and the message."""
    feedback = Feedback(outcome, "some_problem", "the message")
    for text in (str(feedback), feedback._repr_html_()):
        assert outcome.value in text
        assert "some_problem" in text and "the message" in text


@pytest.mark.parametrize("problem", PROBLEMS)
def test_real_feedback_renders_its_outcome_word(problem):
    """Feedback from real checks shows 'Not attempted', 'Incorrect' and 'Correct'."""
    cases = {
        "Not attempted": problem.evaluate(...),
        "Incorrect": problem.evaluate(object()),
        "Correct": problem.evaluate(_reference_answer(problem)),
    }
    for word, feedback in cases.items():
        assert feedback.outcome.value == word
        assert word in str(feedback)
        assert word in feedback._repr_html_()


def test_feedback_with_code_renders_a_code_block():
    """Feedback carrying code shows it in a <pre> block in HTML and after the text in the text form."""
    feedback = Feedback(Outcome.SOLUTION, "p", "from here:", code="if a < b:\n    x = 1")
    shown = feedback._repr_html_()
    assert "<pre" in shown and "if a &lt; b:\n    x = 1</code></pre>" in shown
    assert "white-space:pre;" in shown and "word-break:normal" in shown, "code lines are never broken mid-word"
    assert str(feedback).endswith("\n\nif a < b:\n    x = 1")


def test_feedback_html_escapes_the_answer_and_marks_code():
    """Text from an answer cannot inject HTML, and `code` spans render as <code>."""
    feedback = Feedback(Outcome.INCORRECT, "p", "got '<script>' where `keras.layers.Dense` belongs")
    rendered = feedback._repr_html_()
    assert "<script>" not in rendered and "&lt;script&gt;" in rendered
    assert "<code>keras.layers.Dense</code>" in rendered


@pytest.mark.parametrize("outcome", list(Outcome), ids=lambda o: o.name)
def test_every_outcome_has_its_own_colour_on_a_badge_with_white_text(outcome):
    """The panel's colour says the outcome; the badge's text is white on it, readable on light and dark themes."""
    rendered = Feedback(outcome, "p", "m")._repr_html_()
    colours = {Feedback(other, "p", "m")._repr_html_().split("border-left:4px solid ")[1][:7] for other in Outcome}
    assert len(colours) == len(Outcome)
    assert "color:#fff" in rendered


# check(), hint() and solution() show themselves ------------------------------------------------


@pytest.mark.parametrize("fresh", PROBLEMS, indirect=True)
def test_check_hint_and_solution_each_show_once_and_return_nothing(fresh, monkeypatch):
    """Wherever they stand in a cell, each call displays its feedback exactly once (and returns None,
    so that a last line is not displayed a second time)."""
    shown = []
    monkeypatch.setattr(core, "show", shown.append)
    assert fresh.hint() is None
    assert fresh.solution() is None
    assert fresh.check(...) is None
    assert [feedback.outcome for feedback in shown] == [Outcome.HINT, Outcome.SOLUTION, Outcome.NOT_ATTEMPTED]
    assert shown[0].message.startswith(f"(1/{len(fresh.hints)}) ")


# Section ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("section", SECTIONS, ids=lambda s: s.notebook)
def test_section_unknown_attribute(section):
    """An unknown exercise name raises AttributeError naming it."""
    with pytest.raises(AttributeError, match="no_such_exercise"):
        section.no_such_exercise  # noqa: B018
    assert not hasattr(section, "no_such_exercise")


@pytest.mark.parametrize("section", SECTIONS, ids=lambda s: s.notebook)
def test_section_lists_and_serves_its_problems(section):
    """dir(section) lists every problem, and each is reached as an attribute."""
    assert problems_of(section)
    listing = dir(section)
    for name, problem in problems_of(section).items():
        assert name in listing
        exercise = getattr(section, name)
        assert isinstance(exercise, Exercise) and exercise.name == name
        assert problem.name == name and problem.notebook == section.notebook


def test_sections_are_registered_once():
    """all_sections() returns Sections with distinct notebooks."""
    assert all(isinstance(section, Section) for section in SECTIONS)
    notebooks = [section.notebook for section in SECTIONS]
    assert len(notebooks) == len(set(notebooks))


@pytest.mark.parametrize("problem", PROBLEMS)
def test_solved_gates_cells_that_confirm_an_answer(problem, capsys):
    """solved() is True for a right answer, silently; otherwise False, saying the cell waits for the answer."""
    assert problem.solved(_reference_answer(problem)) is True
    assert capsys.readouterr().out == ""
    assert problem.solved(...) is False
    assert f"`{problem.name}`" in capsys.readouterr().out


# Errors in plain words ----------------------------------------------------------------------------


class ShapeSlip(keras.layers.Layer):
    """A layer whose call multiplies tensors of shapes that do not match."""

    def call(self, x):
        return x * tf.ones((3,))


def test_errors_are_quoted_in_plain_words():
    """No terminal colour codes, TensorFlow node names or Keras's argument dump reach a learner."""
    quoted = []
    for attempt in (lambda: tf.constant([1.0, 2.0]) * tf.constant([1.0, 2.0, 3.0]),
                    lambda: keras.Sequential([keras.Input((2,)), ShapeSlip()])):
        try:
            attempt()
        except Exception as error:
            quoted.append(core.error_text(error))
    assert len(quoted) == 2
    for text in quoted:
        assert "\x1b" not in text and "{{" not in text and "Arguments received" not in text, text
        assert "in the operation Mul" in text, text


def test_an_error_in_the_learners_code_says_where():
    """A learner's function that raises is named, with the line and the message, not 'could not be checked'."""

    def broken(*args, **kwargs):
        weights = None
        return weights.numpy()

    calling = 0
    for section in SECTIONS:
        for problem in problems_of(section).values():
            message = problem.evaluate(broken).message
            if "AttributeError" in message:
                calling += 1
                assert "could not be checked" not in message, message
                assert "line 3 of `broken`" in message and "weights.numpy()" in message, message
    assert calling >= 5, "the exercises that take a function call it"


@pytest.mark.parametrize("name", ["b_on_a", "fine_tune"])
def test_checks_that_train_stay_quiet_when_run_again(name, capfd, caplog):
    """Re-running a check that builds and trains models shows no TensorFlow retracing warning above its verdict
    (TensorFlow logs it; under pytest the log goes to caplog, in a notebook to stderr)."""
    problem = problems_of(next(section for section in SECTIONS if name in problems_of(section)))[name]
    answer = _reference_answer(problem)
    capfd.readouterr()
    caplog.clear()
    for _ in range(4):
        assert problem.evaluate(answer).correct
    assert not python_stderr(capfd)
    assert not [record.getMessage() for record in caplog.records if record.levelno >= logging.WARNING]


# No answer by attribute ---------------------------------------------------------------------------


@pytest.mark.parametrize("problem", PROBLEMS)
def test_no_answer_is_one_attribute_away(problem):
    """What a notebook reaches as ex.<name> offers check, hint, solution, solved and evaluate, and nothing that holds
    the answer (issue: ex.<name>.answer and .expected() printed it for 17 exercises)."""
    section = next(section for section in SECTIONS if problems_of(section).get(problem.name) is problem)
    exercise = getattr(section, problem.name)
    public = {name for name in dir(exercise) if not name.startswith("_")}
    assert public == {"name", "check", "hint", "solution", "solved", "evaluate", *problem.offers}
    for held in ("answer", "expected", "slips", "reasons", "rules", "hints", "settings", "keras_optimizer"):
        assert not hasattr(exercise, held), held
    with pytest.raises(AttributeError):
        exercise.answer = 1
    assert exercise.evaluate(...).outcome is Outcome.NOT_ATTEMPTED
