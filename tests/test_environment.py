"""The set-up files agree with each other and with what is installed."""

import re
import tomllib
from importlib.metadata import version
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
PIN = re.compile(r"^([A-Za-z0-9_.-]+)==([^\s;#]+)$")


def pins(lines) -> dict[str, str]:
    """{package: version} from requirement lines of the form name==version."""
    found = {}
    for line in lines:
        match = PIN.match(line.strip())
        if match:
            found[match[1].lower().replace("_", "-")] = match[2]
    return found


def requirements() -> dict[str, str]:
    """The pins of requirements.txt; every non-comment line must be a pin."""
    lines = [line for line in (ROOT / "requirements.txt").read_text().splitlines() if line.strip()]
    loose = [line for line in lines if not line.startswith("#") and not PIN.match(line.strip())]
    assert not loose, f"unpinned requirements: {loose}"
    return pins(lines)


def conda_environment() -> dict:
    """environment.yml, parsed."""
    return yaml.safe_load((ROOT / "environment.yml").read_text())


def test_conda_environment_pins_match_requirements():
    """environment.yml's pip section lists exactly the pins of requirements.txt."""
    pip_section = next(item["pip"] for item in conda_environment()["dependencies"] if isinstance(item, dict))
    assert pins(pip_section) == requirements()
    assert "-e ." in pip_section


def test_python_version_agrees():
    """Python 3.11 everywhere: environment.yml, pyproject.toml and the running interpreter."""
    assert "python=3.11" in conda_environment()["dependencies"]
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    assert project["requires-python"] == ">=3.11,<3.12"


def test_installed_versions_match_pins():
    """The environment running the tests is the one requirements.txt describes."""
    mismatched = {name: (pinned, version(name)) for name, pinned in requirements().items() if version(name) != pinned}
    assert not mismatched, f"installed versions differ from requirements.txt (pinned, installed): {mismatched}"


def test_ci_runs_the_readme_test_command():
    """.ci/run calls the very test command the README gives."""
    readme = (ROOT / "README.md").read_text()
    commands = re.findall(r"^make (\w+)\s*# (?:open|run)", readme, re.MULTILINE)
    assert commands == ["lab", "test"], "README must give `make lab  # open ...` and `make test  # run ...`"
    assert re.search(r"^\s*make test\b", (ROOT / ".ci" / "run").read_text(), re.MULTILINE)
