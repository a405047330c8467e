"""One Pyodide page per module and runtime (pytest-pyodide's ``selenium_module_scope``), set up by ``booted``.

Chromium's renderer very rarely dies in the middle of a module ("tab crashed": once in two full runs
here, never with the module alone, and the crash dump names no cause). A test that fails so is run
once more (pytest-rerunfailures, ``--only-rerun "tab crashed"`` in pyproject.toml), and before that
rerun the dead page is replaced by a new browser on which the module's set-up is replayed.
conftest.py registers the hook and the fixture below.
"""

import pytest

LOAD_FOC_WEB = 'await pyodide.loadPackage(["foc-web"], { messageCallback: () => {} });'

_set_ups = {}  # id(runner) -> the module's set-up, to replay on a new browser
_crash_seen = False


def booted(runner, *scripts, python=None, timeout=300):
    """Run a module's set-up (JS ``scripts``, then ``python``) on its page, and remember it."""

    def set_up():
        runner.set_script_timeout(timeout)
        for script in scripts:
            runner.run_js(script)
        if python is not None:
            runner.run_async(python)

    _set_ups[id(runner)] = set_up
    if not _revive_if_crashed(runner):
        set_up()
    return runner


@pytest.hookimpl(hookwrapper=True)
def note_crashes(item, call):
    global _crash_seen
    report = (yield).get_result()
    if report.failed and "tab crashed" in str(report.longrepr):
        _crash_seen = True


@pytest.fixture(autouse=True)
def replace_crashed_page(request):
    if _crash_seen and "selenium_module_scope" in request.fixturenames:
        _revive_if_crashed(request.getfixturevalue("selenium_module_scope"))


def _revive_if_crashed(runner):
    """After a crash was seen: a new browser for ``runner`` if its page is dead, then its set-up again.

    True if the page was replaced."""
    global _crash_seen
    if not _crash_seen or runner.browser == "node":
        return False
    try:
        runner.run_js("return 1;", pyodide_checks=False)
        return False
    except Exception:  # noqa: BLE001 - a dead tab fails with whatever WebDriver says
        _new_browser(runner)
        if id(runner) in _set_ups:
            _set_ups[id(runner)]()
        return True
    finally:
        _crash_seen = False


def _new_browser(runner):
    """What pytest-pyodide's runner does in ``__init__``, on a fresh driver."""
    try:
        runner.driver.quit()
    except Exception:  # noqa: BLE001 - the old browser may be half gone
        pass
    runner.driver = runner.get_driver(runner.jspi)
    runner.set_script_timeout(runner.script_timeout)
    runner.prepare_driver()
    runner.javascript_setup()
    runner.load_pyodide()
    runner.initialize_pyodide()
    runner.save_state()
    runner.restore_state()
