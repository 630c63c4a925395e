"""A pytest plugin: in vitrine's suites no test may be skipped; a skip is a failure.

A test that cannot find what it needs (Xvfb, Twisted, the thrift compiler,
python3-venv...) must fail and say what is missing: a skipped suite would
leave `make test` and CI green without having run. scripts/install-deps.sh
installs everything the suites need. The suites' conftest.py files load this
plugin (pytest_plugins), so it holds under ctest and in a run by hand.

Skips at collection (a module-level pytest.skip, an importorskip) become
collection errors; skips of a test (pytest.skip in a test or a fixture, a
skip mark) become failures of that test. An expected failure (xfail) is left
alone: it still runs. tests/check_no_skips.sh keeps skips out of the source.
"""

import pytest

_WHY = "vitrine's tests fail rather than skip (tests/pysupport/vitrine_no_skips.py); install what is missing " \
       "with scripts/install-deps.sh. Skipped because: "


def _reason(report):
    """The reason pytest gives for a skip: (file, line, "Skipped: reason") or text."""
    longrepr = report.longrepr
    if isinstance(longrepr, tuple) and len(longrepr) == 3:
        return "%s (%s:%s)" % (longrepr[2], longrepr[0], longrepr[1])
    return str(longrepr)


@pytest.hookimpl(hookwrapper=True)
def pytest_make_collect_report(collector):
    outcome = yield
    report = outcome.get_result()
    if report.skipped:
        report.outcome = "failed"
        report.longrepr = _WHY + _reason(report)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    if report.skipped and not hasattr(report, "wasxfail"):
        report.outcome = "failed"
        report.longrepr = _WHY + _reason(report)
