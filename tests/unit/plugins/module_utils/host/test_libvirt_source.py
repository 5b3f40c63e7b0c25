"""libvirt_source: the bounded libvirt exchange (timeout, errors handed back) and the timeout option's checks.

The exchange itself (connection, capabilities, domain capabilities) runs against a
stand-in of libvirt-python in test_collect.py and against the daemon of this machine
in tests/unit/plugins/modules/test_host_arch_info.py.
"""

from __future__ import annotations

import threading
import time

import pytest

from ansible_collections.multiarch.kolla.plugins.module_utils.host import libvirt_source


def test_bounded_returns_the_value_and_the_time():
    finished, value, seconds = libvirt_source.bounded(lambda: ("caps", "guests"), 5)
    assert finished is True and value == ("caps", "guests")
    assert 0 <= seconds < 5


def test_bounded_stops_waiting_after_the_timeout():
    release = threading.Event()
    start = time.monotonic()
    try:
        finished, value, seconds = libvirt_source.bounded(lambda: release.wait(30), 0.2)
    finally:
        release.set()
    assert finished is False and value is None
    assert 0.2 <= seconds < 5 and time.monotonic() - start < 5


@pytest.mark.parametrize("timeout", [0, None])
def test_bounded_without_a_limit_waits(timeout):
    finished, value, _seconds = libvirt_source.bounded(lambda: time.sleep(0.3) or "late", timeout)
    assert finished is True and value == "late"


def test_bounded_hands_an_exception_back():
    def broken():
        raise RuntimeError("libvirt-python bug")

    with pytest.raises(RuntimeError, match="libvirt-python bug"):
        libvirt_source.bounded(broken, 5)


@pytest.mark.parametrize(("value", "seconds"), [(20, 20.0), (0, 0.0), (0.5, 0.5)])
def test_check_timeout_accepts_seconds(value, seconds):
    assert libvirt_source.check_timeout(value) == seconds


@pytest.mark.parametrize("value", [-1, -0.1, float("nan"), float("inf"), "20", None, True])
def test_check_timeout_refuses_naming_the_option(value):
    with pytest.raises(ValueError, match=r"libvirt_timeout=.*number >= 0 \(0: as long as libvirt takes\)"):
        libvirt_source.check_timeout(value)


def test_import_libvirt_is_none_or_the_module():
    libvirt = libvirt_source.import_libvirt()
    assert libvirt is None or hasattr(libvirt, "open")
