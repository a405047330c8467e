"""A small runner for tests/portable inside Pyodide, where pytest's own runner cannot await tests.

It finds the same tests pytest finds (``test_*`` functions, expanded by ``pytest.mark.parametrize``),
awaits coroutines, and reports one outcome per test id. On CPython, pytest runs these files itself;
``discover`` is used there too, so both sides agree on the ids.
"""

import importlib
import inspect
import itertools
import sys
import time
import traceback
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
#: pytest.fail() and a pytest.raises() that saw nothing raise this; it is a BaseException, not an Exception.
_Failed = pytest.fail.Exception


def _param_sets(function):
    """[(id suffix, kwargs)] from the function's parametrize marks (their cartesian product)."""
    axes = []
    for mark in reversed(getattr(function, "pytestmark", [])):
        if mark.name != "parametrize":
            continue
        names, values = mark.args[0], mark.args[1]
        names = [n.strip() for n in names.split(",")] if isinstance(names, str) else list(names)
        axis = []
        for index, value in enumerate(values):
            row = value.values if hasattr(value, "values") and hasattr(value, "marks") else value
            row = row if len(names) > 1 else (row,)
            axis.append((str(index), dict(zip(names, row))))
        axes.append(axis)
    if not axes:
        return [("", {})]
    combos = []
    for combo in itertools.product(*axes):
        kwargs = {}
        for _, part in combo:
            kwargs.update(part)
        combos.append(("[" + "-".join(i for i, _ in combo) + "]", kwargs))
    return combos


def discover(folder=HERE):
    """[(test id, callable, kwargs)] for every portable test, in file order."""
    folder = Path(folder)
    if str(folder) not in sys.path:
        sys.path.insert(0, str(folder))
    found = []
    for path in sorted(folder.glob("test_*.py")):
        module = importlib.import_module(path.stem)
        for name, function in vars(module).items():
            if name.startswith("test_") and inspect.isfunction(function) and function.__module__ == module.__name__:
                for suffix, kwargs in _param_sets(function):
                    found.append((f"{path.stem}::{name}{suffix}", function, kwargs))
    return found


async def run_all(folder=HERE, only=None):
    """{test id: {"outcome": "passed"|"failed", "error": str, "seconds": float}}."""
    results = {}
    for test_id, function, kwargs in discover(folder):
        if only is not None and test_id not in only:
            continue
        started = time.monotonic()
        try:
            outcome = function(**kwargs)
            if inspect.isawaitable(outcome):
                await outcome
            results[test_id] = {"outcome": "passed", "error": ""}
        except (Exception, _Failed):  # noqa: BLE001 - every failure is reported, not raised
            results[test_id] = {"outcome": "failed", "error": traceback.format_exc()}
        results[test_id]["seconds"] = round(time.monotonic() - started, 4)
    return results
