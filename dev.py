#!/usr/bin/env python3
"""Set up and run the assistant on a fresh machine that has only `python3`.

    python3 dev.py chat        talk to the assistant in this terminal (no token needed)
    python3 dev.py test        run the whole test suite
    python3 dev.py ARGS...     any `residents-bot` command, e.g. `ask "..."`, `run`

The first run makes a virtual environment in `.venv` and installs the project with its test
tools there (Debian and Ubuntu forbid installing into the system Python); later runs reuse it,
and reinstall only when pyproject.toml changes. Standard library only: it runs before anything
is installed. Where Python comes without `ensurepip` (Debian's python3 without python3-venv),
pip itself is fetched from the package index.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
import urllib.parse
import urllib.request
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
STAMP = VENV / ".installed"
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")
PYTHON = BIN / "python"


def say(message: str) -> None:
    print(f"dev.py: {message}", file=sys.stderr, flush=True)


def fingerprint(extras: str) -> str:
    digest = hashlib.sha256((ROOT / "pyproject.toml").read_bytes()).hexdigest()
    return f"{digest} {extras}"


def bootstrap_pip() -> None:
    """Install pip into a venv made without it, from the wheel on the package index."""
    index = os.environ.get("PIP_INDEX_URL", "https://pypi.org/simple").rstrip("/")
    base = index.removesuffix("/simple")
    listing = f"{base}/pypi/pip/json"
    with urllib.request.urlopen(listing, timeout=60) as answer:
        files = json.load(answer)["urls"]
    wheel = next(f for f in files if f["packagetype"] == "bdist_wheel")
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / wheel["filename"]
        url = urllib.parse.urljoin(listing, wheel["url"])  # mirrors may answer relative URLs
        with urllib.request.urlopen(url, timeout=120) as answer:
            path.write_bytes(answer.read())
        # A pip wheel runs from the file itself to install pip.
        subprocess.run([str(PYTHON), f"{path}/pip", "install", "-q", str(path)], check=True)


def ensure_environment(extras: str) -> None:
    """`extras` is "" to run the assistant, "[test]" to also run the tests."""
    wanted = {fingerprint(extras), fingerprint("[test]")}
    if PYTHON.exists() and STAMP.exists() and STAMP.read_text() in wanted:
        return
    if not PYTHON.exists():
        say("creating the virtual environment in .venv (once)")
        try:
            venv.create(VENV, with_pip=True)
        except (ImportError, subprocess.CalledProcessError):  # Debian: ensurepip disabled
            shutil.rmtree(VENV, ignore_errors=True)
            venv.create(VENV, with_pip=False)
            say("this Python cannot install pip by itself: fetching pip")
            bootstrap_pip()
    say("installing the project" + (" and its test tools" if extras else "") + " (once)")
    env = {**os.environ, "PIP_DISABLE_PIP_VERSION_CHECK": "1"}
    subprocess.run(
        [str(PYTHON), "-m", "pip", "install", "-q", "-e", f"{ROOT}{extras}"], check=True, env=env
    )
    STAMP.write_text(fingerprint(extras))


def main(argv: list[str]) -> int:
    if not argv or argv[0] in ("-h", "--help", "help"):
        print(__doc__)
        return 0
    ensure_environment("[test]" if argv[0] == "test" else "")
    if argv[0] == "test":
        command = [str(PYTHON), "-m", "pytest", *argv[1:]]
    else:
        command = [str(BIN / "residents-bot"), *argv]
    os.chdir(ROOT)
    return subprocess.call(command)


if __name__ == "__main__":
    try:
        raise SystemExit(main(sys.argv[1:]))
    except subprocess.CalledProcessError as exc:
        say(f"set-up failed ({exc}); fix the problem above and run the same command again")
        raise SystemExit(1) from None
    except KeyboardInterrupt:
        raise SystemExit(130) from None
