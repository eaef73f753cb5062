"""NLM's LHC-Forms, fetched from npm on first use into .cache/lforms (gitignored).

`npm pack` downloads the published package alone: it ships its built web component and
FHIR support files, so none of the Angular sources it was built from are needed.
"""

from __future__ import annotations

import shutil
import subprocess
import tarfile
import tempfile
from pathlib import Path

LFORMS_VERSION = "40.1"  # npm range: newest 40.1.x
CACHE = Path(__file__).resolve().parents[2] / ".cache" / "lforms"
DIST = CACHE / "package" / "dist" / "lforms"
FILES = ["webcomponent/styles.css", "webcomponent/assets/lib/zone.min.js",
         "webcomponent/runtime.js", "webcomponent/polyfills.js", "webcomponent/main.js",
         "fhir/R4/lformsFHIR.min.js"]


class Unavailable(RuntimeError):
    """npm is missing or cannot reach its registry."""


def lforms_dist() -> Path:
    """dist/lforms of the lforms package, downloaded with npm when not cached yet."""
    if all((DIST / f).exists() for f in FILES):
        return DIST
    npm = shutil.which("npm")
    if npm is None:
        raise Unavailable("npm is not installed")
    CACHE.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=CACHE) as folder:
        try:
            done = subprocess.run(
                [npm, "pack", f"lforms@~{LFORMS_VERSION}", "--pack-destination", folder,
                 "--loglevel=error"], capture_output=True, text=True, timeout=300)
        except subprocess.TimeoutExpired:
            raise Unavailable("npm pack lforms timed out") from None
        packed = list(Path(folder).glob("lforms-*.tgz"))
        if done.returncode != 0 or not packed:
            raise Unavailable(f"npm pack lforms failed: {done.stderr.strip()[-300:]}")
        with tarfile.open(packed[0]) as archive:
            archive.extractall(CACHE, filter="data")
    return DIST


def page_html() -> str:
    """An HTML page that loads LHC-Forms (R4) from lforms/ beside it, as its README says."""
    return (
        '<!doctype html><html lang="en"><head><meta charset="utf-8"><title>LHC-Forms</title>'
        '<link rel="stylesheet" href="lforms/webcomponent/styles.css">'
        '<script src="lforms/webcomponent/assets/lib/zone.min.js"></script>'
        '<script src="lforms/webcomponent/runtime.js" type="module"></script>'
        '<script src="lforms/webcomponent/polyfills.js" type="module"></script>'
        '<script src="lforms/webcomponent/main.js" type="module"></script>'
        # Deferred, so it runs after the modules above, in document order.
        '<script src="lforms/fhir/R4/lformsFHIR.min.js" defer></script>'
        '</head><body><main><div id="form"></div></main></body></html>')
