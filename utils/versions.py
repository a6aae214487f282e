"""Which TensorFlow and Keras the course runs on, and what to do when another one is installed.

The course is written for Keras 3 (``tf.keras`` is Keras 3 from TensorFlow 2.16 on) and tested
with the versions pinned in ``requirements.txt``. Older ones cannot run it: importing the helpers
stops with what to install. Newer or other Keras 3 releases run it, with a note that numbers may
differ from the stored outputs.
"""

import re
from pathlib import Path

REQUIREMENTS = Path(__file__).resolve().parents[1] / "requirements.txt"
OLDEST = {"tensorflow": (2, 16), "keras": (3, 0)}  # the first TensorFlow whose tf.keras is Keras 3


class UnsupportedVersions(ImportError):
    """TensorFlow or Keras is too old for the course."""


def tested_versions(requirements: Path = REQUIREMENTS) -> dict[str, str]:
    """{"tensorflow": ..., "keras": ...} as requirements.txt pins them (empty where it has no pin)."""
    try:
        text = requirements.read_text(encoding="utf-8")
    except OSError:
        return {}
    return dict(re.findall(r"^(tensorflow|keras)==(\S+)", text, re.MULTILINE))


def release(version: str) -> tuple[int, int]:
    """(major, minor) of a version string such as '2.21.0' or '3.10.0rc1'."""
    numbers = [int(part) for part in re.findall(r"\d+", version)[:2]]
    return (numbers + [0, 0])[0], (numbers + [0, 0])[1]


def install_command(tested: dict[str, str]) -> str:
    """The pip command that installs the tested versions."""
    pins = " ".join(f"{name}=={tested[name]}" for name in ("tensorflow", "keras") if name in tested)
    return f"pip install {pins or 'tensorflow keras'}"


def version_note(found: dict[str, str], tested: dict[str, str] | None = None) -> str:
    """"" for the tested versions; a note for other Keras 3 ones. Raises UnsupportedVersions for older ones."""
    tested = tested_versions() if tested is None else tested
    command = install_command(tested)
    too_old = [f"{name} {found[name]}" for name in OLDEST if release(found[name]) < OLDEST[name]]
    if too_old:
        raise UnsupportedVersions(
            f"This course needs Keras 3 (TensorFlow 2.16 or later), but this Python has {' and '.join(too_old)}. "
            f"On Colab, run `%{command}` in a cell, then Runtime > Restart session and run the notebook again. "
            "On your machine, `make lab` sets up the versions the course was tested with."
        )
    differ = [f"{name} {found[name]}" for name in found if tested.get(name) not in (None, found[name])]
    if not differ:
        return ""
    tried = " and ".join(f"{name} {tested[name]}" for name in ("tensorflow", "keras") if name in tested)
    return (
        f"Note: this Python has {' and '.join(differ)}; the course was tested with {tried}. It should run, but "
        f"numbers may differ from the stored solutions. If a cell fails, `%{command}`, restart, and run again."
    )
