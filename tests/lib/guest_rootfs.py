"""Read a built guest image's root filesystem without mounting it (no loop device or device-mapper here).

``GuestRoot(image, work)`` converts the image to a sparse raw file, finds the root partition from the disk's own GPT
(``sfdisk --json``: the partition of type "Linux filesystem") and reads the ext4 in place with ``debugfs`` at that
partition's byte offset (e2fsprogs' unix I/O manager option ``offset=``).
"""

from __future__ import annotations

import json
import re
import struct
import subprocess
from pathlib import Path

from ansible_collections.multiarch.kolla.plugins.module_utils.guest_image._layout import LINUX_TYPE  # GPT "Linux filesystem"


class GuestRoot:
    def __init__(self, image: Path, work: Path):
        self.raw = Path(work) / (Path(image).name + ".raw")
        subprocess.run(["qemu-img", "convert", "-O", "raw", str(image), str(self.raw)], check=True)
        table = json.loads(subprocess.run(["sfdisk", "--json", str(self.raw)], check=True, capture_output=True, text=True).stdout)
        table = table["partitiontable"]
        roots = [p for p in table["partitions"] if p["type"].upper() == LINUX_TYPE]
        assert len(roots) == 1, "%s: expected one Linux filesystem partition, found %s" % (image, table["partitions"])
        self.device = "%s?offset=%d" % (self.raw, roots[0]["start"] * table.get("sectorsize", 512))

    def close(self):
        """Remove the raw copy (as big as the image's disk, if sparse)."""
        self.raw.unlink(missing_ok=True)

    def _debugfs(self, request: str) -> str:
        done = subprocess.run(["debugfs", "-R", request, self.device], capture_output=True, text=True, check=True)
        if "File not found" in done.stderr:
            raise FileNotFoundError(request)
        return done.stdout

    def read(self, path: str) -> str:
        return self._debugfs("cat %s" % path)

    def names(self, path: str) -> list[str]:
        """The entries of the directory ``path``, without . and .."""
        names = []
        for line in self._debugfs("ls -p %s" % path).splitlines():
            fields = line.split("/")  # "/inode/mode/uid/gid/name/size/"
            if len(fields) > 5 and fields[5] not in ("", ".", ".."):
                names.append(fields[5])
        return names

    def copy_out(self, path: str, dest: Path) -> Path:
        self._debugfs("dump %s %s" % (path, dest))
        return Path(dest)

    def packages(self) -> dict[str, str]:
        """Installed packages (dpkg's status "install ok installed") and their versions, from /var/lib/dpkg/status."""
        installed = {}
        for stanza in re.split(r"\n\n+", self.read("/var/lib/dpkg/status")):
            fields = dict(re.findall(r"^([A-Za-z-]+): (.*)$", stanza, re.MULTILINE))
            if fields.get("Status") == "install ok installed":
                installed[fields["Package"]] = fields["Version"]
        return installed


def module_info(path: Path) -> dict[str, list[str]]:
    """What ``modinfo`` prints for a kernel module file: the ``key=value`` strings of its ELF ``.modinfo`` section (the
    kernel's MODULE_INFO; include/linux/moduleparam.h), read here because the test machine has no kmod. ELF64 only."""
    data = Path(path).read_bytes()
    assert data[:5] == b"\x7fELF\x02", "%s: not an ELF64 file" % path
    order = "<" if data[5] == 1 else ">"
    shoff, = struct.unpack_from(order + "Q", data, 0x28)
    shentsize, shnum, shstrndx = struct.unpack_from(order + "HHH", data, 0x3A)

    def section(index):  # (name offset, file offset, size) of section header ``index``
        name, _type, _flags, _addr, offset, size = struct.unpack_from(order + "IIQQQQ", data, shoff + index * shentsize)
        return name, offset, size

    names_at = section(shstrndx)[1]
    for index in range(shnum):
        name, offset, size = section(index)
        if data[names_at + name:data.index(b"\0", names_at + name)] == b".modinfo":
            info: dict[str, list[str]] = {}
            for entry in data[offset:offset + size].split(b"\0"):
                if b"=" in entry:
                    key, value = entry.decode(errors="replace").split("=", 1)
                    info.setdefault(key, []).append(value)
            return info
    raise AssertionError("%s has no .modinfo section" % path)
