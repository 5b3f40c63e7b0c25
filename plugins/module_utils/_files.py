# -*- coding: utf-8 -*-
# Copyright: multiarch.kolla contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Reading, writing and backing up the files the collection's modules change.

One place for the rules every write follows (docker_daemon_config, ini_batch):

* A write is all-or-nothing, one file or many (``write_files``): each new content goes
  to a temporary file in its target's directory and gets its mode and owner there;
  only when every file of the run is staged (and backed up) are they renamed over
  their targets. A failure before that removes every temporary file, backup and
  directory the run made: the targets are byte-for-byte as they were.
* Modes and owners are checked before anything is written (``file_attrs``), and
  ``write_problem`` says why a file could not be written before the first write.
* A mode never widens an existing file: the file gets the given mode AND its current
  one, so a file at 0600 stays 0600 when 0640 is asked; a file at 0644 becomes 0640.
  Unset, an existing file keeps its mode and a new one gets 0666 less the umask.
* Directories that have to be created get the directory mode, parents included;
  existing directories are never changed.
* Names that become paths (``name_problem``, ``relative_problem``) cannot leave
  their directory: no separator, no ``.`` or ``..``, not empty.
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
    """A file operation that could not be done; the message names the path and the reason.

    ``replaced``: the files ``write_files`` had already replaced when it failed (empty: nothing was written).
    """

    def __init__(self, message, replaced=()):
        super().__init__(message)
        self.replaced = list(replaced)


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
    """Checked attributes for ``write_files``: a dict, or FileError."""
    uid, gid = resolve_owner(owner, group)
    return {"mode": parse_mode(mode), "uid": uid, "gid": gid, "dir_mode": parse_mode(dir_mode, "dir_mode")}


def name_problem(name):
    """Why ``name`` cannot be one file or directory name inside a directory (None when it can)."""
    if not isinstance(name, str) or name == "":
        return "%r is empty or not a string" % (name,)
    if "/" in name or "\0" in name:
        return "%r has a path separator or a NUL" % (name,)
    if name in (".", ".."):
        return "%r names a directory itself or its parent" % (name,)
    return None


def relative_problem(path):
    """Why ``path`` is not a relative path that stays inside its base directory (None when it is)."""
    if not isinstance(path, str) or path == "":
        return "%r is empty or not a string" % (path,)
    if path.startswith("/"):
        return "%r is absolute" % (path,)
    for part in path.split("/"):
        why = name_problem(part)
        if why:
            return "%r: %s" % (path, why)
    return None


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
    while not os.path.lexists(current):
        missing.append(current)
        parent = os.path.dirname(current)
        if parent == current:
            break
        current = parent
    return list(reversed(missing))


def _nearest_existing(path):
    current = os.path.abspath(path)
    while not os.path.lexists(current) and os.path.dirname(current) != current:
        current = os.path.dirname(current)
    return current


def write_problem(path):
    """Why ``path`` cannot be written now (None when it can): a directory or special file in its place, or no
    writable directory to create it in (a read-only file system, permissions, a file where a directory must be)."""
    if os.path.lexists(path) and not os.path.isfile(path):
        return "%s is %s, not a regular file" % (path, "a directory" if os.path.isdir(path) else "not a regular file")
    existing = _nearest_existing(os.path.dirname(os.path.abspath(path)))
    if not os.path.isdir(existing):
        return "%s is not a directory, so %s cannot be created" % (existing, path)
    if not os.access(existing, os.W_OK | os.X_OK):
        return "%s cannot be written (read-only file system or permissions)" % existing
    return None


def make_dirs(directory, dir_mode=None, created=None):
    """Create ``directory`` and its missing parents, each with ``dir_mode``; returns the ones created.

    ``created``: a list the directories are appended to as they are made (so a caller can
    remove them after a failure half-way).
    """
    created = [] if created is None else created
    for path in missing_dirs(directory):
        try:
            # Created no wider than dir_mode (the umask can only narrow it), then given exactly dir_mode.
            os.mkdir(path, 0o777 if dir_mode is None else dir_mode & 0o777)
            created.append(path)
            if dir_mode is not None:
                os.chmod(path, dir_mode)
        except OSError as exc:
            raise FileError("cannot create directory %s: %s" % (path, _reason(exc))) from None
    return created


def _umask():
    current = os.umask(0o022)
    os.umask(current)
    return current


def resulting_mode(mode, current):
    """The mode a write gives a file: ``mode`` AND the current mode of an existing file (never wider),
    the current mode when ``mode`` is None; for a new file ``mode`` or 0666 less the umask."""
    if current is None:
        return (0o666 & ~_umask()) if mode is None else mode
    existing = stat.S_IMODE(current.st_mode)
    return existing if mode is None else existing & mode


def _stat(path):
    try:
        return os.stat(path)
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise FileError("cannot read the attributes of %s: %s" % (path, _reason(exc))) from None


def attrs_differ(path, mode=None, uid=None, gid=None):
    """Whether a write would change the mode or owner of ``path`` (False when it does not exist)."""
    try:
        current = os.stat(path)
    except OSError:
        return False
    return (
        stat.S_IMODE(current.st_mode) != resulting_mode(mode, current)
        or (uid is not None and current.st_uid != uid)
        or (gid is not None and current.st_gid != gid)
    )


def _remove(paths):
    for path in paths:
        try:
            os.unlink(path)
        except OSError:
            pass


def _stage(path, data, mode=None, uid=None, gid=None):
    """A temporary file next to ``path`` with ``data``, its mode and owner; returns its path."""
    current = _stat(path)
    directory = os.path.dirname(path) or "."
    try:
        fd, tmp = tempfile.mkstemp(prefix=".%s." % os.path.basename(path), dir=directory)
    except OSError as exc:
        raise FileError("cannot write in %s: %s" % (directory, _reason(exc))) from None
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp, resulting_mode(mode, current))
        if current is not None:
            uid = current.st_uid if uid is None else uid
            gid = current.st_gid if gid is None else gid
        if (uid, gid) != (None, None):
            os.chown(tmp, -1 if uid is None else uid, -1 if gid is None else gid)
    except OSError as exc:
        _remove([tmp])
        raise FileError("cannot write %s: %s" % (path, _reason(exc))) from None
    return tmp


def _undo(staged, backups, created):
    _remove([tmp for tmp, _write in staged])
    _remove(backups.values())
    for directory in reversed(created):
        try:
            os.rmdir(directory)
        except OSError:
            pass


def write_files(writes, dir_mode=None):
    """Write every file of ``writes`` or none: ``[{path, data (bytes), mode, uid, gid, backup}]``.

    Missing directories are created with ``dir_mode``. Each file is staged (content, mode,
    owner) and, with ``backup``, copied, before the first one is renamed over its target;
    a failure until then undoes everything the call did and raises FileError. Renames
    within one directory do not fail in practice; if one does, the FileError names the
    files already replaced. Returns ``{path: backup path}``.
    """
    staged, backups, created = [], {}, []
    try:
        for write in writes:
            make_dirs(os.path.dirname(write["path"]) or ".", dir_mode, created)
            staged.append((_stage(write["path"], write["data"], write.get("mode"), write.get("uid"), write.get("gid")), write))
        for _tmp, write in staged:
            if write.get("backup") and os.path.lexists(write["path"]):
                backups[write["path"]] = backup(write["path"])
    except FileError:
        _undo(staged, backups, created)
        raise
    replaced = []
    for number, (tmp, write) in enumerate(staged):
        try:
            os.replace(tmp, write["path"])
        except OSError as exc:
            _remove([rest for rest, _write in staged[number:]])
            raise FileError(
                "cannot replace %s: %s; replaced before it: %s" % (write["path"], _reason(exc), ", ".join(replaced) or "none"), replaced
            ) from None
        replaced.append(write["path"])
    return backups


def atomic_write(path, data, mode=None, dir_mode=None, **owner):
    """Replace (or create) one file all-or-nothing; ``write_files`` for a single file (``owner``: ``uid``, ``gid``)."""
    write_files([{"path": path, "data": data, "mode": mode, "uid": owner.get("uid"), "gid": owner.get("gid")}], dir_mode)


def backup(path):
    """Copy ``path`` to ``<path>.<pid>.<timestamp>~`` (mode and times kept); returns the copy's path."""
    dest = "%s.%d.%s~" % (path, os.getpid(), time.strftime("%Y-%m-%d@%H:%M:%S", time.localtime()))
    try:
        shutil.copy2(path, dest)
    except OSError as exc:
        raise FileError("cannot back up %s to %s: %s" % (path, dest, _reason(exc))) from None
    return dest
