"""A progress bar with counts for long operator commands, shown only on a terminal."""

from __future__ import annotations

import sys
import time


class Progress:
    def __init__(self, label: str, total: int | None, stream=None, *, width: int = 30):
        self.label = label
        self.total = total
        self.stream = stream or sys.stderr
        self.width = width
        self.count = 0
        self.enabled = hasattr(self.stream, "isatty") and self.stream.isatty()
        self._last = 0.0

    def advance(self, step: int = 1) -> None:
        self.count += step
        now = time.monotonic()
        if self.enabled and (now - self._last > 0.1 or self.count == self.total):
            self._last = now
            self._draw()

    def _draw(self) -> None:
        if self.total:
            done = min(self.count / self.total, 1.0)
            bar = "#" * int(done * self.width)
            self.stream.write(f"\r{self.label} [{bar:<{self.width}}] {self.count:,}/{self.total:,}")
        else:
            self.stream.write(f"\r{self.label} {self.count:,}")
        self.stream.flush()

    def close(self) -> None:
        if self.enabled:
            self._draw()
            self.stream.write("\n")
            self.stream.flush()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
