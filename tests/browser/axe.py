"""axe-core accessibility checks: fetched from npm on first use, run inside the page.

The script is evaluated through the DevTools protocol rather than added as a <script>
element, so a strict Content-Security-Policy on the page cannot block it.
"""

from __future__ import annotations

import functools
import shutil
import subprocess
from pathlib import Path

AXE_VERSION = "4.10"  # npm range: newest 4.10.x
CACHE = Path(__file__).resolve().parents[2] / ".cache" / "axe"
SCRIPT = CACHE / "node_modules" / "axe-core" / "axe.min.js"
# WCAG 2.1 A and AA, and axe's best practices (landmarks, one h1, heading order...).
TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"]
BLOCKING = {"serious", "critical"}


@functools.cache
def axe_source() -> str:
    """axe.min.js, installed into .cache/axe with npm when it is not there yet."""
    if not SCRIPT.exists():
        npm = shutil.which("npm")
        if npm is None:
            raise RuntimeError("npm is needed to fetch axe-core for the accessibility tests")
        CACHE.mkdir(parents=True, exist_ok=True)
        subprocess.run(
            [npm, "install", "--prefix", str(CACHE), "--no-save", "--no-audit", "--no-fund",
             "--loglevel=error", f"axe-core@~{AXE_VERSION}"],
            check=True, timeout=300,
        )
    return SCRIPT.read_text("utf-8")


def violations(page) -> list[dict]:
    """Every axe violation on the page as it is now, each with its impact and nodes."""
    if not page.evaluate("() => typeof window.axe === 'object'"):
        page.evaluate(axe_source())
    result = page.evaluate(
        "tags => axe.run(document, {runOnly: {type: 'tag', values: tags},"
        " resultTypes: ['violations']})",
        TAGS,
    )
    return result["violations"]


def blocking(page) -> list[str]:
    """Serious and critical violations, one readable line each (empty when none)."""
    return [
        f"{v['impact']}: {v['id']} ({v['help']}) at "
        + "; ".join(", ".join(n["target"]) for n in v["nodes"][:5])
        for v in violations(page)
        if v["impact"] in BLOCKING
    ]
