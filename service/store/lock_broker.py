"""Waiting for a file lock (flock) with a time limit.

flock either returns at once (LOCK_NB) or waits for as long as it takes, and a waiting
thread cannot be called back. Polling with LOCK_NB would wake the next writer late. So
a thread of this process's own does the blocking wait, on its own descriptor (locks
from two descriptors of one file exclude each other, even in one process): if the
caller is still waiting when the lock comes, the lock is handed to it; if the caller
has given up, the lock is let go at once.
"""

from __future__ import annotations

import fcntl
import os
import threading


class LockBroker:
    """Takes the lock on `path` for a caller who may stop waiting (`wait(timeout)`)."""

    def __init__(self, path: str):
        self.path = path
        self._cond = threading.Condition()
        self._pid: int | None = None
        self._fd: int | None = None
        self._wanted = self._granted = self._held = False

    def wait(self, timeout: float) -> int | None:
        """The descriptor now holding the lock, or None after `timeout` seconds.
        Whoever gets a descriptor gives the lock back with `release()`."""
        with self._cond:
            self._start()
            self._wanted = True
            self._cond.notify_all()
            if self._cond.wait_for(lambda: self._granted, timeout):
                self._granted = False
                return self._fd
            self._wanted = False  # the lock, if it comes, is let go at once
            return None

    def release(self) -> None:
        with self._cond:
            fcntl.flock(self._fd, fcntl.LOCK_UN)
            self._held = False
            self._cond.notify_all()

    def _start(self) -> None:
        # Once per process (after a fork, the parent's thread does not exist here).
        if self._pid == os.getpid():
            return
        self._pid = os.getpid()
        self._fd = os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
        self._wanted = self._granted = self._held = False
        threading.Thread(target=self._run, args=(self._fd,), name="file-turn-broker",
                         daemon=True).start()

    def _run(self, fd: int) -> None:
        while True:
            with self._cond:
                self._cond.wait_for(lambda: self._wanted and not self._held)
            fcntl.flock(fd, fcntl.LOCK_EX)  # waits without holding the GIL
            with self._cond:
                if self._wanted:
                    self._wanted, self._granted, self._held = False, True, True
                    self._cond.notify_all()
                else:
                    fcntl.flock(fd, fcntl.LOCK_UN)
