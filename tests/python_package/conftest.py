"""Tests of the `vitrine` Python package (clients/python) against the real headless server.

Run from the top of the checkout:

    VITRINE_BIN_DIR=$PWD/build/bin PYTHONPATH=clients/python:gen/py:tests/pysupport \\
        /usr/bin/python3 -m pytest -q -p no:cacheprovider tests/python_package

The package's own pytest plugin (vitrine.testing) provides the session's
server (`vitrine_server`, `vitrine_server_process`) and a client per test
(`vitrine_client`); these tests use it as any user of the package would.
"""

import importlib.metadata
import os
import tempfile

import pytest

from vitrine.server import LocalServer

# A skip is a failure here (tests/pysupport/vitrine_no_skips.py). The
# package's plugin registers itself through its entry point when the package
# is installed; from a checkout (PYTHONPATH) it is loaded here. Loading it
# both ways would register it twice.
pytest_plugins = ["vitrine_no_skips"]
if not any(ep.name == "vitrine" for ep in importlib.metadata.entry_points(group="pytest11")):
    pytest_plugins.append("vitrine.testing")


@pytest.fixture
def scratch_server():
    """A server of the test's own (restart it, stop it, give it odd flags): yields a factory of LocalServers."""
    directory = tempfile.mkdtemp(prefix="vitrine-t-")
    started = []

    def start(*args, name="vitrine.sock"):
        server = LocalServer("unix:%s/%s" % (directory, name), args=args, headless=True)
        started.append(server)
        return server.start()

    yield start
    for server in started:
        server.stop()
    for name in os.listdir(directory):
        os.unlink(os.path.join(directory, name))
    os.rmdir(directory)
