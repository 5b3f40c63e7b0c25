# -*- coding: utf-8 -*-
# Copyright: multiarch.kolla contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The cards vendor-reset knows how to reset, and the family it treats each one as.

AMD GPUs of these families do not come back from a function-level or bus reset
after a guest used them; the out-of-tree vendor-reset module (gnif/vendor-reset)
resets them through the card's own SMU. Facts taken from its device table,
src/device-db.h (the ``_AMD_*`` macros and ``vendor_reset_devices[]``): the
vendor:device IDs, the macro (family) each sits in, the ``DEVICE_INFO`` it gives and
the reset ops that family uses. The Instinct MI100 (1002:738c) sits in
``_AMD_ARCTURUS`` but is handled as ``AMD_VEGA20``.

Standard library only; runs on target hosts (Python >= 3.9).
"""

# family -> (vendor, device IDs in the order of device-db.h)
FAMILIES = {
    "AMD_POLARIS10": ("1002", "67c0 67c1 67c2 67c4 67c7 67d0 67df 67c8 67c9 67ca 67cc 67cf 6fdf"),
    "AMD_POLARIS11": ("1002", "67e0 67e3 67e8 67eb 67ef 67ff 67e1 67e7 67e9"),
    "AMD_POLARIS12": ("1002", "6980 6981 6985 6986 6987 6995 6997 699f"),
    "AMD_VEGA10": ("1002", "6860 6861 6862 6863 6864 6867 6868 6869 686a 686b 686c 686d 686e 686f 687f"),
    "AMD_VEGA20": ("1002", "66a0 66a1 66a2 66a3 66a4 66a7 66af"),
    "AMD_NAVI10": ("1002", "7310 7312 7318 7319 731a 731b 731e 731f"),
    "AMD_NAVI14": ("1002", "7340 7341 7347 734f"),
    "AMD_NAVI12": ("1002", "7360 7362"),
    "AMD_ARCTURUS": ("1002", "738c"),
}
# family -> the reset ops vendor_reset_devices[] gives it
RESET_OPS = {
    "AMD_POLARIS10": "amd_polaris10_ops",
    "AMD_POLARIS11": "amd_polaris10_ops",
    "AMD_POLARIS12": "amd_polaris10_ops",
    "AMD_VEGA10": "amd_vega10_ops",
    "AMD_VEGA20": "amd_vega20_ops",
    "AMD_NAVI10": "amd_navi10_ops",
    "AMD_NAVI14": "amd_navi10_ops",
    "AMD_NAVI12": "amd_navi10_ops",
    "AMD_ARCTURUS": "amd_vega20_ops",
}
# family -> DEVICE_INFO, where it is not the family's own name
DEVICE_INFO = {"AMD_ARCTURUS": "AMD_VEGA20"}

TABLE = {(vendor, device): family for family, (vendor, devices) in FAMILIES.items() for device in devices.split()}


def lookup(vendor, device):
    """``{"listed": bool, "family": str or None}`` for a vendor:device pair (lowercase hex, no 0x)."""
    family = TABLE.get(((vendor or "").lower(), (device or "").lower()))
    return {"listed": family is not None, "family": family}
