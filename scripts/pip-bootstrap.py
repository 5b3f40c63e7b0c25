"""Offline stand-in for the pip bootstrap script that ansible-test downloads.

`ansible-test --venv` creates empty virtual environments and runs a downloaded
get-pip script in them (cached as ~/.ansible/test/cache/get_pip_<version>.py).
That host is not reachable from air-gapped or registry-only machines; ansible-test
accepts a script saved at that path instead. This one runs the pip wheel that
ships with this Python (ensurepip's bundled wheel, or Debian's python3-pip-whl)
as `pip install <arguments>`, so the requested pip version still comes from the
configured package index.
"""

import ensurepip
import glob
import os
import sys

candidates = sorted(glob.glob(os.path.join(os.path.dirname(ensurepip.__file__), "_bundled", "pip-*.whl")))
candidates += sorted(glob.glob("/usr/share/python-wheels/pip-*.whl"))
if not candidates:
    sys.exit("pip-bootstrap: no bundled pip wheel found (Debian: apt-get install python3-pip-whl)")
sys.path.insert(0, candidates[-1])

from pip._internal.cli.main import main  # noqa: E402

# get-pip's own switches; "pip install" has no such options and installs only what it is asked.
args = [a for a in sys.argv[1:] if a not in ("--no-setuptools", "--no-wheel")]
sys.exit(main(["install", *args]))
