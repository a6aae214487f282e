"""The grader's judge, in a process of its own: ``python -m tools.grade_decide``.

Reads one request per line on standard input, ``{"section": key, "exercise": name, "observed": {...}}``: the
evidence a submission's probe sent out, as data. Writes one line per request, ``{"outcome": ..., "message": ...}``:
the check's verdict on that evidence (Problem.decide). The grader runs it with limits on memory and time, since the
evidence comes from a submission: evidence built to exhaust the judge ends this process, not the grading run.
"""

import json
import sys


def main() -> int:
    """Judge each request until standard input ends."""
    from utils.checks import section
    from utils.exercises.core import problems_of

    for line in sys.stdin:
        request = json.loads(line)
        problem = problems_of(section(request["section"]))[request["exercise"]]
        feedback = problem.decide(request["observed"])
        print(json.dumps({"outcome": feedback.outcome.value, "message": feedback.message}), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
