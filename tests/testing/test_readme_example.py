"""The README's pytest example runs as written: its code blocks, marked ``<!-- example: NAME -->``, are
written to files and run by pytest in a fresh process with the installed plugin."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

pytest_plugins = ["pytester"]

README = Path(__file__).resolve().parents[2] / "README.md"
EXAMPLE = re.compile(r"<!-- example: (?P<name>[\w.]+) -->\n```python\n(?P<code>.*?)```", re.DOTALL)


def readme_examples() -> dict[str, str]:
    return {match["name"]: match["code"] for match in EXAMPLE.finditer(README.read_text(encoding="utf-8"))}


def test_the_readme_has_the_pytest_example() -> None:
    assert sorted(readme_examples()) == ["meetings.py", "test_meetings.py"]


def test_the_readme_pytest_example_passes(pytester: pytest.Pytester) -> None:
    for name, code in readme_examples().items():
        pytester.makefile(Path(name).suffix, **{Path(name).stem: code})
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", "-q")
    result.assert_outcomes(passed=3)
