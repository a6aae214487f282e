"""Sealed checks: how the students' copy stores each section's checks.

A check has to know its answer, so in a copy handed out without solutions the check modules are
stored compressed and encoded: the answers cannot be read at a glance. This hides, it does not
protect: the code below turns a sealed module back into its source, as it must to run it.
"""

import base64
import zlib

LINE = 100  # characters of encoded text per line of a sealed module


def seal(source: str) -> str:
    """``source`` compressed and encoded as printable text."""
    return base64.b85encode(zlib.compress(source.encode("utf-8"), 9)).decode("ascii")


def unseal(sealed: str) -> str:
    """The source that ``seal`` encoded."""
    return zlib.decompress(base64.b85decode(sealed)).decode("utf-8")


def sealed_module(source: str, summary: str) -> str:
    """The text of a module that runs ``source`` when imported, with ``summary`` as its docstring."""
    text = seal(source)
    encoded = "\n".join(f'    "{text[start : start + LINE]}"' for start in range(0, len(text), LINE))
    return (
        f'"""{summary} Sealed in this copy: see README.md, "What the checks hold"."""\n\n'
        "from utils.exercises.sealed import unseal\n\n"
        f"exec(compile(unseal(\n{encoded}\n), __file__, \"exec\"))\n"
    )
