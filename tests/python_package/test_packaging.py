"""The in-tree build backend (clients/python/_backend) and `pip install ./clients/python` offline."""

import base64
import csv
import hashlib
import importlib.util
import io
import json
import os
import subprocess
import sys
import tarfile
import zipfile

import pytest

from pkg_helpers import PACKAGE_DIR, REPO

GEN_PY = REPO / "gen" / "py" / "vitrine_thrift"


@pytest.fixture(scope="module")
def backend():
    spec = importlib.util.spec_from_file_location("vitrine_build", PACKAGE_DIR / "_backend" / "vitrine_build.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def generated_files():
    """{name: bytes} of the Python modules make gen wrote."""
    return {"vitrine_thrift/" + p.name: p.read_bytes() for p in GEN_PY.iterdir() if p.suffix == ".py"}


def test_vitrine_thrift_is_a_relative_link_to_the_generated_code():
    link = PACKAGE_DIR / "vitrine_thrift"
    assert link.is_symlink()
    assert not os.path.isabs(os.readlink(link))
    assert link.resolve() == GEN_PY.resolve()


def test_the_wheel_carries_both_packages_and_a_correct_record(backend, tmp_path):
    name = backend.build_wheel(str(tmp_path))
    assert name == "vitrine-0.1.0-py3-none-any.whl"
    with zipfile.ZipFile(tmp_path / name) as wheel:
        names = wheel.namelist()
        files = {n: wheel.read(n) for n in names}
    # The generated code, as make gen wrote it; no -remote scripts, no caches.
    for generated, data in generated_files().items():
        assert files[generated] == data
    assert not [n for n in names if "remote" in n or "__pycache__" in n or n.endswith(".pyc")]
    for module in ("__init__", "client", "aio", "media", "testing", "errors", "server"):
        assert "vitrine/%s.py" % module in files
    assert "vitrine/py.typed" in files

    dist_info = "vitrine-0.1.0.dist-info/"
    record = list(csv.reader(io.StringIO(files[dist_info + "RECORD"].decode())))
    assert sorted(row[0] for row in record) == sorted(names)
    for path, digest, size in record:
        if path == dist_info + "RECORD":
            assert digest == size == ""
            continue
        expected = base64.urlsafe_b64encode(hashlib.sha256(files[path]).digest()).rstrip(b"=").decode()
        assert digest == "sha256=" + expected and int(size) == len(files[path]), path

    metadata = files[dist_info + "METADATA"].decode()
    for line in ("Metadata-Version: 2.1", "Name: vitrine", "Version: 0.1.0", "Requires-Dist: thrift>=0.13",
                 "Requires-Dist: six", "Provides-Extra: pil", "Provides-Extra: numpy",
                 'Requires-Dist: numpy; extra == "numpy"', "Description-Content-Type: text/markdown"):
        assert line in metadata.splitlines()
    assert "Root-Is-Purelib: true" in files[dist_info + "WHEEL"].decode()
    assert "Tag: py3-none-any" in files[dist_info + "WHEEL"].decode()
    entry_points = files[dist_info + "entry_points.txt"].decode()
    assert "[pytest11]\nvitrine = vitrine.testing\n" in entry_points

    # prepare_metadata_for_build_wheel agrees with the wheel.
    metadata_dir = tmp_path / "metadata"
    metadata_dir.mkdir()
    assert backend.prepare_metadata_for_build_wheel(str(metadata_dir)) == "vitrine-0.1.0.dist-info"
    assert (metadata_dir / "vitrine-0.1.0.dist-info" / "METADATA").read_text() == metadata
    assert backend.get_requires_for_build_wheel() == [] == backend.get_requires_for_build_editable()


def test_the_wheel_is_reproducible(backend, tmp_path):
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    first = backend.build_wheel(str(tmp_path / "a"))
    second = backend.build_wheel(str(tmp_path / "b"))
    assert (tmp_path / "a" / first).read_bytes() == (tmp_path / "b" / second).read_bytes()


def test_the_editable_wheel_points_at_the_checkout(backend, tmp_path):
    name = backend.build_editable(str(tmp_path))
    with zipfile.ZipFile(tmp_path / name) as wheel:
        pth = [n for n in wheel.namelist() if n.endswith(".pth")]
        assert pth == ["__editable__.vitrine-0.1.0.pth"]
        assert wheel.read(pth[0]).decode().strip() == str(PACKAGE_DIR)
        assert not [n for n in wheel.namelist() if n.startswith(("vitrine/", "vitrine_thrift/"))]
        assert "vitrine-0.1.0.dist-info/entry_points.txt" in wheel.namelist()


def test_the_sdist_stands_on_its_own(backend, tmp_path):
    name = backend.build_sdist(str(tmp_path))
    assert name == "vitrine-0.1.0.tar.gz"
    with tarfile.open(tmp_path / name) as sdist:
        members = {m.name: m for m in sdist.getmembers()}
        assert all(m.isfile() for m in members.values())  # the symlink became ordinary files
        for wanted in ("PKG-INFO", "pyproject.toml", "README.md", "_backend/vitrine_build.py",
                       "vitrine/__init__.py", "vitrine_thrift/Vitrine.py", "vitrine_thrift/ttypes.py"):
            assert "vitrine-0.1.0/" + wanted in members
        sdist.extractall(tmp_path / "unpacked")
    # Its own backend builds a wheel from it, far from gen/.
    unpacked = tmp_path / "unpacked" / "vitrine-0.1.0"
    out = tmp_path / "wheel"
    out.mkdir()
    code = "import sys, vitrine_build; print(vitrine_build.build_wheel(sys.argv[1]))"
    result = subprocess.run([sys.executable, "-c", code, str(out)], cwd=unpacked, env=dict(
        os.environ, PYTHONPATH=str(unpacked / "_backend")), stdout=subprocess.PIPE, text=True, check=True)
    with zipfile.ZipFile(out / result.stdout.strip()) as wheel:
        assert wheel.read("vitrine_thrift/Vitrine.py") == generated_files()["vitrine_thrift/Vitrine.py"]


def _run(command, **kwargs):
    return subprocess.run(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, timeout=180,
                          **kwargs)


def test_pip_installs_it_offline_into_a_venv(tmp_path):
    venv = tmp_path / "venv"
    # The interpreter running the tests: Debian's, whose system site-packages hold thrift and six.
    made = _run([sys.executable, "-m", "venv", "--system-site-packages", str(venv)])
    if made.returncode != 0 and "ensurepip" in made.stdout:
        pytest.fail("python3-venv is missing (Debian: python3-venv; scripts/install-deps.sh)")
    assert made.returncode == 0, made.stdout
    python = str(venv / "bin" / "python")
    # No PYTHONPATH: the venv must find vitrine where pip put it. No index: nothing may be downloaded.
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH" and not k.startswith("PIP_")}
    env.update(PIP_NO_INDEX="1", PIP_DISABLE_PIP_VERSION_CHECK="1", PIP_NO_CACHE_DIR="1")
    site = _run([python, "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"], env=env).stdout.strip()

    installed = _run([python, "-m", "pip", "install", "--no-index", str(PACKAGE_DIR)], env=env, cwd=tmp_path)
    assert installed.returncode == 0, installed.stdout
    probe = ("import json, importlib.metadata as m, vitrine, vitrine.aio, vitrine.media, vitrine.testing, "
             "vitrine_thrift.Vitrine; print(json.dumps([vitrine.__file__, vitrine_thrift.__file__, "
             "[e.value for e in m.entry_points(group='pytest11') if e.name == 'vitrine'], "
             "m.version('vitrine')]))")
    result = _run([python, "-c", probe], env=env, cwd=tmp_path)
    assert result.returncode == 0, result.stdout
    vitrine_file, thrift_file, plugin, version = json.loads(result.stdout.strip().splitlines()[-1])
    assert vitrine_file.startswith(site) and thrift_file.startswith(site)  # copied in, not the checkout
    assert plugin == ["vitrine.testing"] and version == "0.1.0"

    # Editable: the same venv then imports from the checkout.
    uninstalled = _run([python, "-m", "pip", "uninstall", "-y", "vitrine"], env=env, cwd=tmp_path)
    assert uninstalled.returncode == 0, uninstalled.stdout
    editable = _run([python, "-m", "pip", "install", "--no-index", "-e", str(PACKAGE_DIR)], env=env, cwd=tmp_path)
    assert editable.returncode == 0, editable.stdout
    result = _run([python, "-c", probe], env=env, cwd=tmp_path)
    assert result.returncode == 0, result.stdout
    vitrine_file, thrift_file, plugin, _ = json.loads(result.stdout.strip().splitlines()[-1])
    assert vitrine_file == str(PACKAGE_DIR / "vitrine" / "__init__.py")
    assert thrift_file == str(PACKAGE_DIR / "vitrine_thrift" / "__init__.py")
    assert plugin == ["vitrine.testing"]
