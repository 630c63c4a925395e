"""vitrine.testing, the pytest plugin, as a user's test suite sees it (pytest in a subprocess)."""

import importlib.metadata
import os
import subprocess
import sys

import vitrine

USER_TESTS = '''
import io, os
from PIL import Image

def test_the_fixtures(vitrine_client, vitrine_server, vitrine_server_process):
    assert vitrine_server.startswith("unix:") and vitrine_server.endswith("/vitrine.sock")
    info = vitrine_client.server_info()
    assert info.pid == vitrine_server_process.pid and info.platform == "offscreen"
    assert vitrine_server in info.listeners
    assert Image.open(io.BytesIO(vitrine_client.screenshot())).size == (321, 123)  # vitrine_server_args
    vitrine_client.say("left open on purpose")
    with open(os.environ["REPORT"], "w") as report:
        report.write("%d %s" % (info.pid, vitrine_server[len("unix:"):]))

def test_windows_of_earlier_tests_are_closed(vitrine_client):
    assert [w.kind for w in vitrine_client.windows()] == ["STAGE"]
'''


def test_the_fixtures_start_a_headless_server_and_stop_it(tmp_path):
    (tmp_path / "test_user.py").write_text(USER_TESTS)
    (tmp_path / "pytest.ini").write_text("[pytest]\nvitrine_server_args = --size 321x123\n")
    report = tmp_path / "report.txt"
    command = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "test_user.py"]
    if not any(ep.name == "vitrine" for ep in importlib.metadata.entry_points(group="pytest11")):
        command[3:3] = ["-p", "vitrine.testing"]  # not installed: load the plugin by name
    env = dict(os.environ, REPORT=str(report))
    # The subprocess runs elsewhere: make the import path absolute, starting
    # with where this process found vitrine.
    paths = [os.path.dirname(os.path.dirname(os.path.abspath(vitrine.__file__)))]
    paths += [os.path.abspath(p) for p in env.get("PYTHONPATH", "").split(os.pathsep) if p]
    env["PYTHONPATH"] = os.pathsep.join(paths)
    env.pop("QT_QPA_PLATFORM", None)  # the fixture runs it headless by itself
    result = subprocess.run(command, cwd=tmp_path, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                            text=True, timeout=120)
    assert result.returncode == 0, result.stdout
    assert "2 passed" in result.stdout

    pid, socket_path = report.read_text().split(" ", 1)
    # Stopped (and waited for) at the end of the session; its directory removed.
    assert not os.path.exists("/proc/%s" % pid) or _is_not_vitrine(pid)
    assert not os.path.exists(os.path.dirname(socket_path))


def _is_not_vitrine(pid):
    """True when the pid has been reused by another program since."""
    try:
        with open("/proc/%s/cmdline" % pid, "rb") as f:
            return b"vitrine-server" not in f.read()
    except OSError:
        return True
