"""The execution environment: execution-environment.yml, meta/execution-environment.yml, bindep.txt.

The real ``ansible-builder create`` (ansible-builder 3.x) writes the build context of
execution-environment.yml, beside a freshly built collection tarball, with every proxy
pointed at a closed port: it must need no network and no container runtime. The tests
then replay, on this machine, the two build steps that decide what goes into the image,
with the scripts and the command lines ``create`` wrote:

* the Galaxy stage's ``ansible-galaxy collection install`` (offline: the collections
  this one depends on come bundled with the ``ansible`` package);
* the builder stage's introspection (``_build/scripts/introspect.py``), which reads the
  installed collection's meta/execution-environment.yml and merges its requirements.txt
  and bindep.txt with the definition's own lists.

What bindep then installs in the image is computed with bindep itself.
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from conftest import REPO, require_import

DEFINITION = REPO / "execution-environment.yml"
META = REPO / "meta" / "execution-environment.yml"
BIN = Path(sys.executable).parent
# Any network access fails at once: ansible-builder create must not pull, Galaxy must not be asked.
OFFLINE = {"HTTP_PROXY": "http://127.0.0.1:9", "HTTPS_PROXY": "http://127.0.0.1:9", "NO_PROXY": ""}
# The platform profiles bindep reports on the EE's base image (CentOS Stream 9), and on Debian 12.
RPM = ["platform:rpm", "platform:redhat", "platform:centos", "platform:centos-9"]
DPKG = ["platform:dpkg", "platform:debian", "platform:debian-12"]

pytestmark = pytest.mark.slow


def _yaml(path: Path):
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def _requirement_lines(path: Path) -> list[str]:
    lines = (line.split("#", 1)[0].strip() for line in path.read_text(encoding="utf-8").splitlines())
    return [line for line in lines if line]


def _galaxy():
    return _yaml(REPO / "galaxy.yml")


def _dev_pins() -> dict[str, str]:
    pins = {}
    for line in _requirement_lines(REPO / "requirements-dev.txt"):
        name, equals, version = line.partition("==")
        if equals:
            pins[name.strip().lower()] = version.strip()
    return pins


def _run(cmd, cwd: Path, home: Path, extra_env: dict | None = None) -> subprocess.CompletedProcess:
    env = {"PATH": f"{BIN}:/usr/bin:/bin", "HOME": str(home), "LANG": "C.UTF-8", **OFFLINE, **(extra_env or {})}
    result = subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True, timeout=300, check=False)
    assert result.returncode == 0, f"{cmd} failed:\n{result.stdout}\n{result.stderr}"
    return result


@pytest.fixture(scope="module")
def stage(tmp_path_factory):
    """A copy of execution-environment.yml beside the tarball `make build` would write."""
    require_import("ansible_builder")
    root = tmp_path_factory.mktemp("ee")
    shutil.copy(DEFINITION, root / DEFINITION.name)
    _run([str(BIN / "ansible-galaxy"), "collection", "build", "--output-path", str(root / ".cache" / "dist"), str(REPO)],
         cwd=root, home=root)
    return root


@pytest.fixture(scope="module")
def context(stage):
    """The build context `ansible-builder create` writes (no image, no network, no container runtime)."""
    _run([sys.executable, "-m", "ansible_builder", "create", "-f", DEFINITION.name, "-c", "context",
          "--output-filename", "Containerfile"], cwd=stage, home=stage)
    return stage / "context"


def _containerfile_args(context: Path) -> dict[str, str]:
    text = (context / "Containerfile").read_text(encoding="utf-8")
    return dict(re.findall(r'^ARG (\w+)="(.*)"$', text, flags=re.MULTILINE))


@pytest.fixture(scope="module")
def installed(context, tmp_path_factory):
    """The Galaxy stage replayed: the collection install line of the Containerfile, into a temporary path."""
    target = tmp_path_factory.mktemp("usr_share_ansible") / "collections"
    text = (context / "Containerfile").read_text(encoding="utf-8")
    (line,) = [x for x in text.splitlines() if x.startswith("RUN ") and "ansible-galaxy collection install" in x]
    command = line[len("RUN "):].replace('"/usr/share/ansible/collections"', f'"{target}"')
    opts = _containerfile_args(context)["ANSIBLE_GALAXY_CLI_COLLECTION_OPTS"]
    result = _run(["bash", "-c", command], cwd=context / "_build", home=target.parent,
                  extra_env={"ANSIBLE_GALAXY_CLI_COLLECTION_OPTS": opts})
    return target, result.stdout


def _introspect_module(context: Path):
    spec = importlib.util.spec_from_file_location("ee_introspect", context / "_build" / "scripts" / "introspect.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def introspected(context, installed, tmp_path_factory):
    """The builder stage's introspection, run with the script and the files `create` wrote: (pip, bindep) lines."""
    out = tmp_path_factory.mktemp("introspect")
    build = context / "_build"
    _run([sys.executable, str(build / "scripts" / "introspect.py"), "introspect", str(installed[0]),
          f"--user-pip={build / 'requirements.txt'}", f"--user-bindep={build / 'bindep.txt'}",
          f"--write-pip={out / 'requirements.txt'}", f"--write-bindep={out / 'bindep.txt'}"], cwd=build, home=out)
    return (out / "requirements.txt").read_text(encoding="utf-8"), (out / "bindep.txt").read_text(encoding="utf-8")


def _bindep_packages(text: str, profiles: list[str]) -> set[str]:
    depends = require_import("bindep.depends").Depends(text)
    return {rule[0] for rule in depends.active_rules(profiles)}


# --- meta/execution-environment.yml -------------------------------------------------------------

def test_meta_names_files_the_built_collection_holds(stage):
    meta = _yaml(META)
    assert meta["version"] in (1, 3)
    assert set(meta["dependencies"]) == {"python", "system"}
    (tarball,) = (stage / ".cache" / "dist").glob("*.tar.gz")
    members = set(subprocess.run(["tar", "tzf", str(tarball)], capture_output=True, text=True, check=True).stdout.split())
    for name in ["meta/execution-environment.yml", *meta["dependencies"].values()]:
        assert (REPO / name).is_file(), name
        assert name in members, f"{name} is not in the built collection (galaxy.yml build_ignore?)"


def test_ansible_builder_reads_the_meta_file_of_the_installed_collection(context, installed):
    introspect = _introspect_module(context)
    definition = introspect.CollectionDefinition(str(installed[0] / "ansible_collections" / "multiarch" / "kolla"))
    assert definition.raw == _yaml(META)
    assert (definition.get_dependency("python"), definition.get_dependency("system")) == ("requirements.txt", "bindep.txt")


# --- execution-environment.yml and `ansible-builder create` ---------------------------------------

def test_the_definition_is_schema_version_3():
    require_import("ansible_builder")
    from ansible_builder.ee_schema import validate_schema  # noqa: PLC0415

    definition = _yaml(DEFINITION)
    assert definition["version"] == 3
    validate_schema(definition)


def test_create_writes_the_containerfile(context):
    definition = _yaml(DEFINITION)
    args = _containerfile_args(context)
    assert args["EE_BASE_IMAGE"] == definition["images"]["base_image"]["name"]
    assert args["PYCMD"] == definition["dependencies"]["python_interpreter"]["python_path"]
    assert "--offline" in args["ANSIBLE_GALAXY_CLI_COLLECTION_OPTS"].split()
    refs = args["ANSIBLE_INSTALL_REFS"].split()
    pins = _dev_pins()
    for name in ("ansible", "ansible-core", "ansible-runner"):
        assert f"{name}=={pins.get(name)}" in refs, f"{name}: the EE's pin is not requirements-dev.txt's"
    text = (context / "Containerfile").read_text(encoding="utf-8")
    for stage in ("base", "galaxy", "builder", "final"):
        assert f" AS {stage}\n" in text, stage


def test_the_context_holds_the_built_tarball(stage, context):
    version = _galaxy()["version"]
    name = f"{_galaxy()['namespace']}-{_galaxy()['name']}-{version}.tar.gz"
    (source,) = [entry["src"] for entry in _yaml(DEFINITION)["additional_build_files"] if entry["src"].endswith(".tar.gz")]
    assert source == f".cache/dist/{name}"  # where `make build` writes it
    assert "--output-path $(REPO)/.cache/dist" in (REPO / "Makefile").read_text(encoding="utf-8")
    (entry,) = _yaml(context / "_build" / "requirements.yml")["collections"]
    assert entry["type"] == "file"
    copied = context / "_build" / entry["name"]
    assert copied.name == name
    built = stage / source
    assert hashlib.sha256(copied.read_bytes()).hexdigest() == hashlib.sha256(built.read_bytes()).hexdigest()


def test_the_context_holds_the_definitions_own_requirements(context):
    dependencies = _yaml(DEFINITION)["dependencies"]
    assert _requirement_lines(context / "_build" / "requirements.txt") == dependencies["python"]
    assert _requirement_lines(context / "_build" / "bindep.txt") == dependencies["system"]


def test_the_galaxy_stage_installs_the_tarball_without_galaxy(installed):
    target, output = installed
    manifest = json.loads((target / "ansible_collections" / "multiarch" / "kolla" / "MANIFEST.json").read_text())
    info = manifest["collection_info"]
    assert (info["namespace"], info["name"], info["version"]) == ("multiarch", "kolla", _galaxy()["version"])
    for dependency in _galaxy()["dependencies"]:
        assert re.search(rf"'{re.escape(dependency)}:[^']+' is already installed", output), output
    installed_names = {p.name for p in (target / "ansible_collections").iterdir()}
    assert installed_names == {"multiarch"}, "a dependency was installed from somewhere else than the ansible package"


# --- what the image gets ------------------------------------------------------------------------

def test_introspection_adds_every_requirement_of_the_collection(introspected):
    pip, bindep = introspected
    for line in _requirement_lines(REPO / "requirements.txt"):
        assert f"{line}  # from collection multiarch.kolla" in pip.splitlines(), line
    for line in _requirement_lines(REPO / "bindep.txt"):
        assert f"{line}  # from collection multiarch.kolla" in bindep.splitlines(), line
    for line in _yaml(DEFINITION)["dependencies"]["python"]:
        assert f"{line}  # from collection user" in pip.splitlines(), line


def test_the_image_gets_no_package_of_the_test_machine(introspected):
    bindep = introspected[1]
    # What install-from-bindep installs (default profile) and what assemble compiles with (`bindep -b compile`).
    assert _bindep_packages(bindep, [*RPM, "default"]) == {"python3", "openssh-clients"}
    assert _bindep_packages(bindep, [*RPM, "compile"]) == {"python3", "openssh-clients"}


def _bundled_collection(fqcn: str) -> Path:
    namespace, name = fqcn.split(".")
    for root in importlib.util.find_spec("ansible_collections").submodule_search_locations:
        path = Path(root) / namespace / name
        if (path / "MANIFEST.json").is_file():
            return path
    pytest.fail(f"{fqcn} is not bundled with the installed ansible package")
    return Path()  # unreachable


def test_the_definition_lists_the_python_requirements_of_the_bundled_dependencies(context):
    """Introspection skips the collections of the ansible package: the definition lists their requirements."""
    introspect = _introspect_module(context)
    resolver = require_import("ansible.galaxy.dependency_resolution.versioning")
    metadata = require_import("importlib.metadata")
    if metadata.version("ansible") != _dev_pins()["ansible"]:
        pytest.skip(f"ansible {metadata.version('ansible')} is installed, not requirements-dev.txt's")
    listed = {introspect.Requirement(line).name.lower() for line in _yaml(DEFINITION)["dependencies"]["python"]}
    for fqcn, wanted in _galaxy()["dependencies"].items():
        path = _bundled_collection(fqcn)
        version = json.loads((path / "MANIFEST.json").read_text())["collection_info"]["version"]
        assert resolver.meets_requirements(version, wanted), f"{fqcn} {version} does not meet galaxy.yml's {wanted}"
        lines = introspect.filter_requirements({fqcn: introspect.process_collection(str(path))[0]})
        needed = {introspect.Requirement(line.split("#", 1)[0]).name.lower() for line in lines}
        assert needed <= listed, f"{fqcn} needs {sorted(needed - listed)}"


# --- bindep.txt ---------------------------------------------------------------------------------

def test_the_libvirt_profile_builds_libvirt_python():
    # libvirt-python 12.8.0 README: "the GCC and pkg-config tools, and development headers
    # for the libvirt and python libraries"; its spec file: BuildRequires libvirt-devel, python3-devel, gcc.
    text = (REPO / "bindep.txt").read_text(encoding="utf-8")
    assert {"gcc", "pkg-config", "libvirt-dev", "python3-dev", "libvirt0"} <= _bindep_packages(text, [*DPKG, "libvirt"])
    assert {"gcc", "pkgconf-pkg-config", "libvirt-devel", "python3-devel", "libvirt-libs"} <= _bindep_packages(
        text, [*RPM, "libvirt"])
    assert _bindep_packages(text, [*RPM, "default"]) == {"python3"}


def test_the_test_profile_is_what_setup_host_installs():
    script = (REPO / "scripts" / "setup-host").read_text(encoding="utf-8")
    match = re.search(r"^packages=\(([^)]*)\)", script, flags=re.MULTILINE)
    assert match, "scripts/setup-host has no packages=(...) list"
    text = (REPO / "bindep.txt").read_text(encoding="utf-8")
    assert _bindep_packages(text, [*DPKG, "test"]) == set(match.group(1).split())
