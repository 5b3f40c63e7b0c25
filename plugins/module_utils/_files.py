# -*- coding: utf-8 -*-
# Copyright: multiarch.kolla contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Reading, writing and backing up the files the collection's modules change.

One place for the rules every write follows (docker_daemon_config, ini_batch):

* A write is all-or-nothing: the new content goes to a temporary file in the
  target's directory, which gets its mode and owner before it is renamed over the
  target. On any failure the temporary file is removed and the target is left
  byte-for-byte as it was.
* Modes and owners are checked before anything is written (``file_attrs``).
* Directories that have to be created get the directory mode, parents included.
* A backup is a copy next to the file, named ``<file>.<pid>.<timestamp>~``.

Standard library only; runs on target hosts (Python >= 3.9).
"""

import grp
import os
import pwd
import shutil
import stat
import tempfile
import time


class FileError(Exception):
    """A file operation that could not be done; the message names the path and the reason."""


def _reason(exc):
    return exc.strerror or str(exc) if isinstance(exc, OSError) else str(exc)


def parse_mode(mode, what="mode"):
    """An octal mode given as an int or a string such as "0640"; None stays None.

    Raises FileError naming ``what`` for anything else (symbolic modes included).
    """
    if mode is None:
        return None
    if isinstance(mode, bool):
        raise FileError("%s=%r is not an octal mode such as '0640'" % (what, mode))
    if isinstance(mode, int):
        value = mode
    else:
        text = str(mode).strip()
        try:
            value = int(text, 8)
        except ValueError:
            raise FileError("%s=%r is not an octal mode such as '0640'" % (what, mode)) from None
    if not 0 <= value <= 0o7777:
        raise FileError("%s=%r is outside 0000..7777" % (what, mode))
    return value


def resolve_owner(owner, group):
    """(uid, gid) for a user and group given by name or number; None where not given. Raises FileError."""
    uid = gid = None
    if owner not in (None, ""):
        try:
            uid = int(owner) if str(owner).isdigit() else pwd.getpwnam(str(owner)).pw_uid
        except KeyError:
            raise FileError("owner=%r: no such user on this host" % (owner,)) from None
    if group not in (None, ""):
        try:
            gid = int(group) if str(group).isdigit() else grp.getgrnam(str(group)).gr_gid
        except KeyError:
            raise FileError("group=%r: no such group on this host" % (group,)) from None
    return uid, gid


def file_attrs(mode=None, owner=None, group=None, dir_mode=None):
    """Checked attributes for ``atomic_write`` and ``make_dirs``: a dict, or FileError."""
    uid, gid = resolve_owner(owner, group)
    return {"mode": parse_mode(mode), "uid": uid, "gid": gid, "dir_mode": parse_mode(dir_mode, "dir_mode")}


def read_text(path, what="file"):
    """The UTF-8 text of ``path``; None when it does not exist. FileError for a directory, unreadable or non-UTF-8 file."""
    if not os.path.lexists(path):
        return None
    if os.path.isdir(path):
        raise FileError("%s %s is a directory" % (what, path))
    try:
        with open(path, "rb") as handle:
            data = handle.read()
    except OSError as exc:
        raise FileError("cannot read %s %s: %s" % (what, path, _reason(exc))) from None
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise FileError("%s %s is not UTF-8 text (%s)" % (what, path, exc)) from None


def missing_dirs(directory):
    """Directories from the first missing ancestor of ``directory`` down to it (empty when it exists)."""
    missing = []
    current = os.path.abspath(directory)
    while not os.path.exists(current):
        missing.append(current)
        parent = os.path.dirname(current)
        if parent == current:
            break
        current = parent
    return list(reversed(missing))


def make_dirs(directory, dir_mode=None):
    """Create ``directory`` and its missing parents, each with ``dir_mode``; returns the ones created."""
    created = []
    for path in missing_dirs(directory):
        try:
            os.mkdir(path)
            if dir_mode is not None:
                os.chmod(path, dir_mode)
        except OSError as exc:
            raise FileError("cannot create directory %s: %s" % (path, _reason(exc))) from None
        created.append(path)
    return created


def atomic_write(path, data, mode=None, uid=None, gid=None):
    """Replace ``path`` with ``data`` (bytes) through a temporary file and a rename.

    ``mode``/``uid``/``gid`` are applied to the temporary file before the rename;
    when not given, an existing file keeps its own. The directory must exist.
    Raises FileError; the target is then unchanged and no temporary file is left.
    """
    directory = os.path.dirname(path) or "."
    try:
        current = os.stat(path)
    except FileNotFoundError:
        current = None
    except OSError as exc:
        raise FileError("cannot read the attributes of %s: %s" % (path, _reason(exc))) from None
    try:
        fd, tmp = tempfile.mkstemp(prefix=".%s." % os.path.basename(path), dir=directory)
    except OSError as exc:
        raise FileError("cannot write in %s: %s" % (directory, _reason(exc))) from None
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        if mode is None and current is not None:
            mode = stat.S_IMODE(current.st_mode)
        if mode is not None:
            os.chmod(tmp, mode)
        if current is not None:
            uid = current.st_uid if uid is None else uid
            gid = current.st_gid if gid is None else gid
        if (uid, gid) != (None, None):
            os.chown(tmp, -1 if uid is None else uid, -1 if gid is None else gid)
        os.replace(tmp, path)
    except OSError as exc:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise FileError("cannot write %s: %s" % (path, _reason(exc))) from None


def apply_attrs(path, mode=None, uid=None, gid=None):
    """Give an existing file ``mode``/``uid``/``gid`` where they differ; returns whether anything changed."""
    try:
        current = os.stat(path)
        changed = False
        if mode is not None and stat.S_IMODE(current.st_mode) != mode:
            os.chmod(path, mode)
            changed = True
        want_uid = current.st_uid if uid is None else uid
        want_gid = current.st_gid if gid is None else gid
        if (want_uid, want_gid) != (current.st_uid, current.st_gid):
            os.chown(path, want_uid, want_gid)
            changed = True
    except OSError as exc:
        raise FileError("cannot set the mode or owner of %s: %s" % (path, _reason(exc))) from None
    return changed


def attrs_differ(path, mode=None, uid=None, gid=None):
    """Whether ``apply_attrs`` would change ``path`` (check mode); False when it does not exist."""
    try:
        current = os.stat(path)
    except OSError:
        return False
    return (
        (mode is not None and stat.S_IMODE(current.st_mode) != mode)
        or (uid is not None and current.st_uid != uid)
        or (gid is not None and current.st_gid != gid)
    )


def backup(path):
    """Copy ``path`` to ``<path>.<pid>.<timestamp>~`` (mode and times kept); returns the copy's path."""
    dest = "%s.%d.%s~" % (path, os.getpid(), time.strftime("%Y-%m-%d@%H:%M:%S", time.localtime()))
    try:
        shutil.copy2(path, dest)
    except OSError as exc:
        raise FileError("cannot back up %s to %s: %s" % (path, dest, _reason(exc))) from None
    return dest
