"""The build backend of the vitrine Python package (PEP 517 and PEP 660).

Why a backend of our own: pip builds a package in an isolated environment
into which it installs the backend named in pyproject.toml. For setuptools
that means a download from PyPI, which a machine without PyPI (Debian with
its own python3-thrift, say) cannot do. This backend needs nothing but the
standard library (plus `tomli` on Python < 3.11), so `requires = []` and
`pip install ./clients/python` works offline.

What it builds, from the [project] table of pyproject.toml:

- a wheel (`build_wheel`): the packages listed in [tool.vitrine-build]
  (`vitrine` and `vitrine_thrift`), and a `NAME-VERSION.dist-info` with
  METADATA, WHEEL, entry_points.txt and a RECORD of sha256 hashes;
- an editable wheel (`build_editable`, PEP 660): only the dist-info and a
  .pth file that puts this directory on sys.path, so imports come from the
  checkout;
- an sdist (`build_sdist`): pyproject.toml, README.md, this backend and the
  packages, with PKG-INFO.

How `vitrine_thrift` gets in without a hand-made copy: the generated code
lives in gen/py/vitrine_thrift (written by `make gen`, never edited), and
this directory holds a committed relative symlink
`vitrine_thrift -> ../../gen/py/vitrine_thrift`. The backend walks package
directories following symlinks, so the wheel and the sdist carry the files
gen/py holds at build time as ordinary files. An sdist therefore stands on
its own (its vitrine_thrift is a real directory), and a checkout with
PYTHONPATH=clients/python, or an editable install, imports the generated
code through the same link. Only `.py`/`.pyi` files and `py.typed` are
taken, so the generated `*-remote` scripts and `__pycache__` stay out.

Archives are reproducible: entries are sorted and dated SOURCE_DATE_EPOCH
(else 1980-01-01), with fixed permissions and owners.
"""

import base64
import csv
import gzip
import hashlib
import io
import os
import re
import tarfile
import time
import zipfile

try:
    import tomllib
except ModuleNotFoundError:  # Python < 3.11
    try:
        import tomli as tomllib
    except ModuleNotFoundError:
        raise ImportError("building vitrine on Python < 3.11 needs the 'tomli' package "
                          "(Debian: apt install python3-tomli)") from None

# The directory holding pyproject.toml (this file is in _backend/ below it).
# PEP 517 also runs hooks from there, but this does not depend on it.
PROJECT_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
WHEEL_TAG = "py3-none-any"
GENERATOR = "vitrine_build 1.0"


# ---------------------------------------------------------------- project

class _Project:
    """What pyproject.toml says, with the names and files derived from it."""

    def __init__(self, directory=PROJECT_DIR):
        self.directory = directory
        with open(os.path.join(directory, "pyproject.toml"), "rb") as f:
            data = tomllib.load(f)
        project = data["project"]
        self.project = project
        self.name = project["name"]
        self.version = project["version"]
        # Wheel and sdist file names use the normalized name with '_' (PEP 427, 625).
        self.dist_name = re.sub(r"[-_.]+", "_", self.name).lower()
        self.dist_info = "%s-%s.dist-info" % (self.dist_name, self.version)
        self.packages = data.get("tool", {}).get("vitrine-build", {}).get("packages", [])
        if not self.packages:
            raise ValueError("pyproject.toml: [tool.vitrine-build] packages is empty")

    def readme(self):
        """(file name, text, content type) of the readme, or None."""
        readme = self.project.get("readme")
        if readme is None:
            return None
        if isinstance(readme, dict):
            path, content_type = readme["file"], readme.get("content-type", "text/markdown")
        else:
            path = readme
            content_type = "text/markdown" if path.endswith(".md") else "text/plain"
        with open(os.path.join(self.directory, path), encoding="utf-8") as f:
            return path, f.read(), content_type

    def metadata(self):
        """The core metadata (METADATA in a wheel, PKG-INFO in an sdist), version 2.1."""
        p = self.project
        lines = ["Metadata-Version: 2.1", "Name: " + self.name, "Version: " + self.version]
        if "description" in p:
            lines.append("Summary: " + p["description"])
        if "requires-python" in p:
            lines.append("Requires-Python: " + p["requires-python"])
        lines += ["Classifier: " + c for c in p.get("classifiers", [])]
        lines += ["Requires-Dist: " + d for d in p.get("dependencies", [])]
        for extra, requirements in sorted(p.get("optional-dependencies", {}).items()):
            lines.append("Provides-Extra: " + extra)
            for requirement in requirements:
                # A requirement with a marker of its own gets it and-ed in brackets.
                if ";" in requirement:
                    requirement, marker = (s.strip() for s in requirement.split(";", 1))
                    lines.append('Requires-Dist: %s; (%s) and extra == "%s"' % (requirement, marker, extra))
                else:
                    lines.append('Requires-Dist: %s; extra == "%s"' % (requirement, extra))
        readme = self.readme()
        if readme is None:
            return "\n".join(lines) + "\n"
        _, text, content_type = readme
        lines.append("Description-Content-Type: " + content_type)
        return "\n".join(lines) + "\n\n" + text

    def entry_points(self):
        """entry_points.txt, or None when the project declares none."""
        groups = dict(self.project.get("entry-points", {}))
        if "scripts" in self.project:
            groups["console_scripts"] = self.project["scripts"]
        if "gui-scripts" in self.project:
            groups["gui_scripts"] = self.project["gui-scripts"]
        if not groups:
            return None
        out = []
        for group, entries in sorted(groups.items()):
            out.append("[%s]" % group)
            out += ["%s = %s" % (name, target) for name, target in sorted(entries.items())]
            out.append("")
        return "\n".join(out)

    def wheel_file(self):
        return "Wheel-Version: 1.0\nGenerator: %s\nRoot-Is-Purelib: true\nTag: %s\n" % (GENERATOR, WHEEL_TAG)

    def package_files(self):
        """[(path in the archive, path on disk)] of every file the packages ship, sorted.

        Follows symlinks (that is how vitrine_thrift, a link to gen/py, gets in).
        """
        files = []
        for package in self.packages:
            top = os.path.join(self.directory, package)
            if not os.path.isdir(top):
                hint = ""
                if os.path.islink(top):
                    hint = (" (it is a symlink to %s, which does not exist: run `make gen` "
                            "in the vitrine checkout)" % os.readlink(top))
                raise FileNotFoundError("package directory %s is missing%s" % (top, hint))
            for directory, subdirectories, names in os.walk(top, followlinks=True):
                subdirectories[:] = sorted(d for d in subdirectories if d != "__pycache__")
                for name in names:
                    if name.endswith((".py", ".pyi")) or name == "py.typed":
                        disk = os.path.join(directory, name)
                        archive = os.path.relpath(disk, self.directory).replace(os.sep, "/")
                        files.append((archive, disk))
        return sorted(files)


# ---------------------------------------------------------------- archives

def _timestamp():
    """Seconds since the epoch for every archive entry: SOURCE_DATE_EPOCH, else 1980-01-01."""
    return max(int(os.environ.get("SOURCE_DATE_EPOCH", 315532800)), 315532800)


def _record_hash(data):
    digest = hashlib.sha256(data).digest()
    return "sha256=" + base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


class _WheelWriter:
    """Writes a wheel: entries added in order, then a RECORD listing each with its hash."""

    def __init__(self, path, dist_info):
        self.dist_info = dist_info
        self.zip = zipfile.ZipFile(path, "w")
        self.records = []
        self.date = time.gmtime(_timestamp())[:6]

    def _write(self, name, data):
        info = zipfile.ZipInfo(name, date_time=self.date)
        info.external_attr = 0o100644 << 16  # a regular file, rw-r--r--
        info.compress_type = zipfile.ZIP_DEFLATED
        self.zip.writestr(info, data)

    def add(self, name, data):
        if isinstance(data, str):
            data = data.encode("utf-8")
        self._write(name, data)
        self.records.append((name, _record_hash(data), str(len(data))))

    def close(self):
        # RECORD is a CSV file (a name with a comma gets quoted); it lists
        # itself without a hash or size.
        record = self.dist_info + "/RECORD"
        text = io.StringIO()
        csv.writer(text, lineterminator="\n").writerows(self.records + [(record, "", "")])
        self._write(record, text.getvalue().encode("utf-8"))
        self.zip.close()


def _write_dist_info(project, add):
    """Calls add(name, text) for every dist-info file but RECORD."""
    add(project.dist_info + "/METADATA", project.metadata())
    add(project.dist_info + "/WHEEL", project.wheel_file())
    entry_points = project.entry_points()
    if entry_points is not None:
        add(project.dist_info + "/entry_points.txt", entry_points)


def _wheel_name(project):
    return "%s-%s-%s.whl" % (project.dist_name, project.version, WHEEL_TAG)


def _build(wheel_directory, editable):
    project = _Project()
    name = _wheel_name(project)
    writer = _WheelWriter(os.path.join(wheel_directory, name), project.dist_info)
    try:
        if editable:
            # PEP 660 by a .pth file: site.py appends each line that is a
            # directory to sys.path, so `vitrine` and (through its symlink)
            # `vitrine_thrift` are imported from the checkout.
            writer.add("__editable__.%s-%s.pth" % (project.dist_name, project.version),
                       project.directory + "\n")
        else:
            for archive, disk in project.package_files():
                with open(disk, "rb") as f:
                    writer.add(archive, f.read())
        _write_dist_info(project, writer.add)
    finally:
        writer.close()
    return name


# ---------------------------------------------------------------- PEP 517 / 660 hooks

def get_requires_for_build_wheel(config_settings=None):
    return []


def get_requires_for_build_sdist(config_settings=None):
    return []


def get_requires_for_build_editable(config_settings=None):
    return []


def prepare_metadata_for_build_wheel(metadata_directory, config_settings=None):
    """Writes NAME-VERSION.dist-info (METADATA, WHEEL, entry_points.txt) and returns its name."""
    project = _Project()

    def add(name, text):
        path = os.path.join(metadata_directory, *name.split("/"))
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "w", encoding="utf-8", newline="\n") as f:
            f.write(text)

    _write_dist_info(project, add)
    return project.dist_info


prepare_metadata_for_build_editable = prepare_metadata_for_build_wheel


def build_wheel(wheel_directory, config_settings=None, metadata_directory=None):
    """Builds the wheel in wheel_directory and returns its file name.

    The metadata is written afresh; it is the same as prepare_metadata's.
    """
    return _build(wheel_directory, editable=False)


def build_editable(wheel_directory, config_settings=None, metadata_directory=None):
    """Builds an editable wheel (a .pth file pointing at this directory) and returns its file name."""
    return _build(wheel_directory, editable=True)


def build_sdist(sdist_directory, config_settings=None):
    """Builds NAME-VERSION.tar.gz in sdist_directory and returns its file name.

    Symlinked packages are stored as ordinary files, so the sdist builds
    without the checkout around it.
    """
    project = _Project()
    base = "%s-%s" % (project.dist_name, project.version)
    members = [("pyproject.toml", os.path.join(project.directory, "pyproject.toml")),
               ("_backend/vitrine_build.py", os.path.abspath(__file__))]
    readme = project.readme()
    if readme is not None:
        members.append((readme[0], os.path.join(project.directory, readme[0])))
    members += project.package_files()

    name = base + ".tar.gz"
    mtime = _timestamp()
    with open(os.path.join(sdist_directory, name), "wb") as out, \
            gzip.GzipFile(fileobj=out, mode="wb", mtime=mtime, filename="") as compressed, \
            tarfile.open(fileobj=compressed, mode="w", format=tarfile.PAX_FORMAT) as tar:

        def add(archive_name, data):
            info = tarfile.TarInfo("%s/%s" % (base, archive_name))
            info.size, info.mtime, info.mode = len(data), mtime, 0o644
            info.uid = info.gid = 0
            info.uname = info.gname = ""
            tar.addfile(info, io.BytesIO(data))

        add("PKG-INFO", project.metadata().encode("utf-8"))
        for archive_name, disk in sorted(members):
            with open(disk, "rb") as f:
                add(archive_name, f.read())
    return name
