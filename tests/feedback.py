"""Assertions shared by the tests of each section's checks."""

from utils.exercises import Outcome

GENERIC = "could not be checked"  # the fallback message when a judge itself fails


def assert_incorrect(feedback, *keywords):
    """The answer is judged incorrect, for a specific reason mentioning one of ``keywords``."""
    assert feedback.outcome is Outcome.INCORRECT, feedback
    assert GENERIC not in feedback.message, feedback.message
    message = feedback.message.lower()
    assert any(word.lower() in message for word in keywords), feedback.message
