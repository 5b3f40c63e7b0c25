"""Role guest_images: its interface (defaults equal argument_specs), the options it passes to guest_image, its GPU table.

The role runs for real in make test's guest images step (scripts/build-guest-images); here its files are read, so that
an option the role forgets to pass, or a GPU driver without its element, fails at once.
"""

from __future__ import annotations

import yaml
from conftest import REPO

from ansible_collections.multiarch.kolla.plugins.modules import guest_image

ROLE = REPO / "roles" / "guest_images"


def _load(path):
    return yaml.safe_load(path.read_text())


def _options():
    return _load(ROLE / "meta" / "argument_specs.yml")["argument_specs"]["main"]["options"]


def _build_task():
    return next(task for task in _load(ROLE / "tasks" / "main.yml") if "multiarch.kolla.guest_image" in task)


def test_defaults_equal_the_argument_specs():
    defaults = _load(ROLE / "defaults" / "main.yml")
    options = _options()
    assert set(defaults) == set(options)
    assert {name: spec.get("default") for name, spec in options.items()} == defaults


def test_every_module_option_is_passed():
    documented = yaml.safe_load(guest_image.DOCUMENTATION)["options"]
    passed = _build_task()["multiarch.kolla.guest_image"]
    # root_label stays the module's (diskimage-builder's) default: the grub configuration and fstab name it, nothing else.
    assert set(passed) == set(documented) - {"root_label"}
    # Each option but arch (the loop) and the decided lists comes from its role variable.
    for option, value in passed.items():
        if option not in ("arch", "elements", "elements_path", "components"):
            assert value == "{{ guest_images_%s }}" % option, option


def test_gpu_choices_have_an_element_shipped():
    gpu = _load(ROLE / "vars" / "main.yml")["_guest_images_gpu"]
    assert set(gpu) == set(_options()["guest_images_gpu_drivers"]["choices"])
    for spec in gpu.values():
        assert (ROLE / "files" / "elements" / spec["element"] / "package-installs.yaml").is_file()
