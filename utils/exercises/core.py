"""Exercises: three outcomes, hints in levels, and a solution reveal.

A problem's ``judge`` signals a wrong answer by raising ``Incorrect`` with a specific reason;
``evaluate`` turns that, and anything else that goes wrong, into ``Feedback`` and never raises.
``check``, ``hint`` and ``solution`` show their feedback wherever they stand in a cell.
"""

import contextlib
import json
import numbers
import os
import linecache
import re
import sys
import sysconfig
import textwrap
import traceback
import warnings
from pathlib import Path

from utils._quiet import retracing_allowed
from utils.exercises.feedback import Feedback, Outcome, show

ROOT = Path(__file__).resolve().parents[2]
GRADER_AGREES = "COURSE_GRADER_AGREES"  # set by the course's tests: every check also asks the grader's verdict
SOLUTIONS_DIR = ROOT / "solutions"


class Incorrect(Exception):
    """Raised by a judge: the answer is wrong, for the reason given."""


class NotAttempted(Exception):
    """Raised by a judge: the answer is still the stub."""


class Later:
    """Evidence that costs time and is needed only sometimes: gathered when the judgement asks for it (in a
    notebook), and always for the grader, which cannot ask back. Once gathered, kept; so is what it raised
    (Incorrect, NotAttempted), raised again at each ask, as the learner's code would have raised it then."""

    def __init__(self, gather):
        self._gather, self._value, self._raised = gather, None, None

    def __call__(self):
        if self._gather is not None:
            gather, self._gather = self._gather, None
            try:
                self._value = gather()
            except (Incorrect, NotAttempted) as error:
                self._raised = error
            except Exception as error:  # as Problem.feedback words it, so that the grader's verdict reads the same
                self._raised = Incorrect(crash_message(error))
        if self._raised is not None:
            raise self._raised
        return self._value

    def settled(self) -> dict:
        """What it gathered (with its own Laters settled in turn), or what it raised, for the grader."""
        try:
            return {"value": settled_tree(self())}
        except Incorrect as wrong:
            return {"incorrect": str(wrong)}
        except NotAttempted:
            return {"not_attempted": ""}

    @classmethod
    def from_settled(cls, data) -> "Later":
        """The Later that ``settled`` described (after the wire): it gives the value, or raises what was raised."""
        if not isinstance(data, dict):
            raise TypeError("evidence that is not a settled value")
        if "value" in data:
            value = revived_tree(data["value"])
            return cls(lambda: value)
        if "incorrect" in data:
            message = str(data["incorrect"])[:2000]

            def wrong():
                raise Incorrect(message)

            return cls(wrong)

        def blank():
            raise NotAttempted

        return cls(blank)


LATER = "__later__"  # marks, in evidence as data, where a Later stood


def settled_tree(value):
    """``value`` with every Later in it (in dicts, at any depth, in order) gathered, and marked, for the grader."""
    if isinstance(value, Later):
        return {LATER: value.settled()}
    if isinstance(value, dict):
        return {key: settled_tree(item) for key, item in value.items()}
    return value


def revived_tree(value):
    """The evidence that ``settled_tree`` made into data, with its Laters back (they give or raise as recorded)."""
    if isinstance(value, dict):
        if set(value) == {LATER}:
            return Later.from_settled(value[LATER])
        return {key: revived_tree(item) for key, item in value.items()}
    return value


def gathered_now(gather) -> Later:
    """A Later gathered at once (where it must be, such as inside a spy), keeping what it raised for the judgement."""
    later = Later(gather)
    with contextlib.suppress(Incorrect, NotAttempted):
        later()
    return later


def gathered(value):
    """``value``, gathered first if it is Later."""
    return value() if isinstance(value, Later) else value


class Problem:
    """One exercise. Subclasses set ``hints`` (gentlest first, at least three) and implement ``judge``.

    Its name, the name of its solution region in the notebook, is the class name in snake_case
    unless the class sets ``name``.
    """

    name = ""
    hints: tuple[str, ...] = ()
    offers: tuple[str, ...] = ()  # methods of its own that the notebook calls too (they must not give the answer)
    stub_message = "replace the `...` in the exercise cell with your answer, then run the check again."

    def __init__(self):
        self.name = self.name or re.sub(r"(?<!^)(?=[A-Z])", "_", type(self).__name__).lower()
        self.notebook = None  # set by the Section that owns the problem
        self._hints_shown = 0

    def judge(self, answer) -> None:
        """Return if ``answer`` is right; raise Incorrect (with a reason) or NotAttempted."""
        raise NotImplementedError

    def praise(self) -> str:
        """The message for a correct answer."""
        return "well done."

    def is_blank(self, answer) -> bool:
        """True for the stub values ``...`` and ``None``."""
        return answer is None or answer is Ellipsis

    # What a notebook calls: each shows its feedback at once. ---------------------------------

    def check(self, answer=Ellipsis) -> None:
        """Judge ``answer`` and show the verdict."""
        feedback = self.evaluate(answer)
        show(feedback)
        if os.environ.get(GRADER_AGREES):
            self.agree(answer, feedback)

    def agree(self, answer, feedback: Feedback) -> None:
        """Write to stderr (which the course's tests fail on) when the grader, judging ``answer`` from its evidence
        as data, would not reach ``feedback``, word for word."""
        verdict = self.grader_verdict(answer)
        if verdict != [feedback.outcome.value, feedback.message]:
            print(f"the grader's verdict on {self.name} differs from this check's: {verdict}", file=sys.stderr)

    def grader_verdict(self, answer) -> list[str]:
        """[outcome, message] as the grader reaches them on ``answer``: observed, through JSON, decided."""
        observed = json.loads(json.dumps(self.observe(answer)))
        if "answer" not in observed:
            return observed["verdict"]
        feedback = self.decide(observed)
        return [feedback.outcome.value, feedback.message]

    def hint(self, level=None) -> None:
        """Show the next hint, or hint ``level`` (1 = gentlest)."""
        show(self.next_hint(level))

    def solution(self) -> None:
        """Show the worked solution, when this copy of the course has it."""
        show(self.reveal())

    def solved(self, answer=Ellipsis) -> bool:
        """True when ``answer`` is correct; otherwise say that the cell waits for it. For cells that
        confirm an answer, so that they show nothing of it before the learner has found it."""
        if self.evaluate(answer).correct:
            return True
        print(f"This cell confirms the answer to `{self.name}`: it runs once your answer passes its check.")
        return False

    # For grading: the answer judged where the learner's code never ran. ------------------------
    # The grader cannot trust a verdict reached beside the learner's code, which may have replaced or read the
    # check. So a problem that is ``judged_outside`` splits its judgement in two: ``evidence`` runs beside the
    # learner's code and gathers, as plain data, all the judgement needs of the answer (the answer itself, or what
    # the learner's function returned on the check's inputs), computing no reference; ``weigh`` runs in the
    # grader, on that data alone, and decides. In a notebook, ``judge`` does both at once.

    judged_outside = False

    def evidence(self, answer):
        """What the judgement needs of ``answer``, as data (utils.exercises.wire): by default the answer itself."""
        return answer

    def weigh(self, evidence) -> None:
        """Return if ``evidence`` shows a right answer; raise Incorrect or NotAttempted (by default: judge it)."""
        self.judge(evidence)

    def observe(self, answer=Ellipsis) -> dict:
        """What the grader needs of ``answer``, made beside the learner's code: the evidence where this problem is
        judged outside (or the verdict, when gathering it already shows the answer wrong), else the verdict."""
        if not self.judged_outside:
            feedback = self.evaluate(answer)
            return {"verdict": [feedback.outcome.value, feedback.message]}
        from utils.exercises import wire

        def gather():
            with warnings.catch_warnings():  # evidence a notebook would not have needed: Keras's remarks on it too
                warnings.simplefilter("ignore")
                found.append({"answer": wire.encode(settled_tree(self.evidence(answer)))})

        found = []
        feedback = self.feedback(gather, answer)
        return found[0] if found else {"verdict": [feedback.outcome.value, feedback.message]}

    def decide(self, observed) -> Feedback:
        """The verdict on the evidence that ``observe`` wrote, as data: the grader's side."""
        from utils.exercises import wire

        try:
            evidence = revived_tree(wire.decode(observed["answer"]))
        except (wire.Unreadable, KeyError, TypeError, ValueError, OverflowError, AttributeError) as error:
            return Feedback(Outcome.INCORRECT, self.name, f"the grader could not read your answer: {error_text(error)}")
        return self.feedback(lambda: self.weigh(evidence), evidence)

    # The same, as values (for tests and grading). ---------------------------------------------

    def evaluate(self, answer=Ellipsis) -> Feedback:
        """The verdict on ``answer``; always Feedback, whatever it is given."""
        return self.feedback(lambda: self.judge(answer), answer)

    def feedback(self, judging, answer) -> Feedback:
        """The Feedback that ``judging()`` comes to on ``answer`` (not attempted if it is blank), whatever it raises."""
        try:
            if self.is_blank(answer):
                raise NotAttempted
            with retracing_allowed():  # a check traces new models on purpose: no warning above its verdict
                judging()
        except NotAttempted:
            return Feedback(Outcome.NOT_ATTEMPTED, self.name, self.stub_message)
        except Incorrect as wrong:
            return Feedback(Outcome.INCORRECT, self.name, error_text(wrong))
        except Exception as error:  # a hostile or broken answer must not crash the notebook
            return Feedback(Outcome.INCORRECT, self.name, crash_message(error))
        return Feedback(Outcome.CORRECT, self.name, self.praise())

    def next_hint(self, level=None) -> Feedback:
        """Hint ``level``, or the one after the last shown; counts it as shown."""
        if not self.hints:
            return Feedback(Outcome.HINT, self.name, "this exercise has no hints.")
        past_the_last = level is None and self._hints_shown >= len(self.hints)
        if level is None:
            level = min(self._hints_shown + 1, len(self.hints))
        if isinstance(level, bool) or not isinstance(level, numbers.Integral) or not 1 <= level <= len(self.hints):
            return Feedback(Outcome.HINT, self.name, f"hints go from 1 to {len(self.hints)}.")
        level = int(level)
        self._hints_shown = max(self._hints_shown, level)
        if level < len(self.hints):
            more = " Call `.hint()` again for the next one."
        elif past_the_last:
            more = " There are no more hints: `.solution()` shows the worked solution."
        else:
            more = " That is the last hint; `.solution()` shows the worked solution."
        return Feedback(Outcome.HINT, self.name, f"({level}/{len(self.hints)}) {self.hints[level - 1]}{more}")

    def reveal(self) -> Feedback:
        """The solution code, read from the published solution notebook when this copy has it."""
        path = SOLUTIONS_DIR / f"{self.notebook}.ipynb"
        if not path.exists():
            return Feedback(
                Outcome.SOLUTION,
                self.name,
                f"the solutions are not part of this copy of the course (no solutions/{self.notebook}.ipynb). "
                "Ask your instructor, or try the hints.",
            )
        try:
            solutions = json.loads(path.read_text(encoding="utf-8"))["metadata"]["course"]["solutions"]
            code = solutions[self.name]
        except (OSError, ValueError, KeyError, TypeError) as error:
            return Feedback(Outcome.SOLUTION, self.name, f"the solution could not be read from {path}: {error!r}")
        return Feedback(Outcome.SOLUTION, self.name, f"from solutions/{self.notebook}.ipynb:", code=code)


class Exercise:
    """What a notebook reaches as ``ex.<name>``: ``check``, ``hint``, ``solution``, ``solved`` and ``evaluate``, and
    nothing of the answer. The problem behind them is not an attribute: ``ex.<name>.answer`` does not exist."""

    _ACTIONS = ("check", "hint", "solution", "solved", "evaluate")

    def __init__(self, problem: Problem):
        object.__setattr__(self, "name", problem.name)
        for action in (*self._ACTIONS, *problem.offers):
            object.__setattr__(self, action, _acting_on(problem, action))

    def __setattr__(self, name, value):
        raise AttributeError(f"ex.{self.name} is read-only: store your answer in a variable of your own")

    def __repr__(self):
        return f"<exercise {self.name}: .check(answer), .hint(), .solution()>"


def _acting_on(problem: Problem, action: str):
    """``problem``'s method ``action`` as a plain function, so that the problem is not one attribute away."""
    method = getattr(type(problem), action)

    def act(*args, **kwargs):
        return getattr(type(problem), action)(problem, *args, **kwargs)  # looked up now: tests may wrap it

    act.__name__, act.__doc__ = action, method.__doc__
    return act


class Section:
    """The exercises of one section, reached as attributes: ``ex.glorot_limit.check(x)``.

    ``key`` is the section's name without its number: ``unstable_gradients`` names the notebook
    ``NN_unstable_gradients.ipynb``, the checks ``utils/checks/unstable_gradients.py`` and the
    tests ``tests/checks/test_unstable_gradients.py``. An attribute gives an ``Exercise``, which
    holds no answer; the problems themselves (for tests and the grader) come from ``problems_of``.
    """

    def __init__(self, key: str, *problems: Problem):
        self.key = key.rsplit(".", 1)[-1]  # a module's __name__ will do
        self.notebook = notebook_of(self.key)
        self._problems = {}
        for problem in problems:
            problem.notebook = self.notebook
            self._problems[problem.name] = problem
        self._exercises = {name: Exercise(problem) for name, problem in self._problems.items()}

    def __getattr__(self, name):
        try:
            return self.__dict__["_exercises"][name]
        except KeyError:
            raise AttributeError(f"section {self.key!r} has no exercise {name!r}") from None

    def __dir__(self):
        return [*super().__dir__(), *self._exercises]

    def __repr__(self):
        return f"Section({self.key!r}: {', '.join(self._exercises)})"


def problems_of(section: Section) -> dict[str, Problem]:
    """{name: problem} of a section: the judging objects themselves, answers included (for tests and the grader)."""
    return section._problems


def notebook_of(key: str) -> str:
    """'chapter/NN_key', the notebook of section ``key`` relative to chapters/ and solutions/."""
    for folder in ("chapters", "solutions"):
        found = sorted((ROOT / folder).glob(f"*/[0-9][0-9]_{key}.ipynb"))
        if found:
            return found[0].relative_to(ROOT / folder).with_suffix("").as_posix()
    return key


ANSI_CODES = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")
TF_NODE = re.compile(r"\{\{function_node [^}]*\}\}\s*")
TF_OP = re.compile(r"\s*\[Op:(\w+)\](?:\s*name:\s*\S*)?")
TF_GRAPH_NODE = re.compile(r"for '\{\{node [^}]*\}\} = (\w+)\[[^\]]*\]\([^)]*\)'")
LIBRARIES = tuple(
    str(Path(folder).resolve())
    for folder in {sysconfig.get_path(kind) for kind in ("stdlib", "platstdlib", "purelib", "platlib")}
    | {str(ROOT / "utils")}
)


def plain(text: str) -> str:
    """An error message in plain words: no terminal colour codes, no TensorFlow node names."""
    text = TF_NODE.sub("", ANSI_CODES.sub("", text))
    text = TF_GRAPH_NODE.sub(r"in the operation \1", TF_OP.sub(r" (in the operation \1)", text))
    # Keras wraps the error of a layer's call in its guess at the cause and a list of the arguments: keep the error.
    text = text.split("Arguments received by ")[0].split("Error encountered:")[-1]
    return re.sub(r"\n\s*\n+", "\n", text).strip()


def error_text(error: BaseException, limit: int = 400) -> str:
    """What an exception says, in plain words and at most ``limit`` characters, even if its __str__ misbehaves."""
    try:
        return textwrap.shorten(plain(str(error)), limit) or type(error).__name__
    except Exception:
        return type(error).__name__


def learner_frame(error: BaseException):
    """(frame, line number) of the innermost traceback entry in code the learner wrote (not Python's, a library's
    or the course's), or None."""
    own = [
        (frame, line)
        for frame, line in traceback.walk_tb(error.__traceback__)
        if not str(Path(frame.f_code.co_filename).resolve()).startswith(LIBRARIES)
    ]
    return own[-1] if own else None


def crash_message(error: BaseException) -> str:
    """What a check says when judging an answer raised ``error``: whose code raised what, and where."""
    whose = "your code" if learner_frame(error) is not None else "your answer could not be checked: it"
    return f"{whose} raised {raised(error)}"


def raised(error: BaseException) -> str:
    """'TypeError at line 3 of `step` (`v = g * g`): the message', or without the place when the error did not
    come from a function the learner wrote."""
    found, what = learner_frame(error), type(error).__name__
    if found is not None and found[0].f_code.co_name != "<module>":
        frame, line = found
        code = linecache.getline(frame.f_code.co_filename, line, frame.f_globals).strip()
        what += f" at line {line - frame.f_code.co_firstlineno + 1} of `{frame.f_code.co_name}`"
        what += f" (`{code}`)" if code else ""
    return f"{what}: {error_text(error, 300)}"
