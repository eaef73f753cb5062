"""The program's name as a person can type it again: for the hints the commands print."""

from __future__ import annotations

import os
import shutil
import sys

PROGRAM = "sciatica-triage"


def command_name() -> str:
    """How to type this program again from here: its name if the shell finds this same
    program on PATH, else its path (say `.venv/bin/sciatica-triage`)."""
    invoked = sys.argv[0] if sys.argv and sys.argv[0] else PROGRAM
    if os.path.basename(invoked) != PROGRAM:  # a test runner, gunicorn, python -c ...
        return PROGRAM
    on_path = shutil.which(PROGRAM)
    if on_path and os.path.realpath(on_path) == os.path.realpath(invoked):
        return PROGRAM
    relative = os.path.relpath(invoked)
    if relative.startswith(os.pardir):
        return os.path.abspath(invoked)
    return relative if os.sep in relative else os.path.join(os.curdir, relative)
