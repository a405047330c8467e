"""Pyodide scenarios: a crashed Chromium page is replaced before its test runs again (see pages.py)."""

from tests.pyodide.pages import note_crashes as pytest_runtest_makereport  # noqa: F401
from tests.pyodide.pages import replace_crashed_page  # noqa: F401
