"""Where the API's results go, where its MNIST files come from, and its progress bars.

A workspace is a folder laid out as the workflow's working directory (results/... under the
same names), so each API call runs the workflow's own job and `read` gives back its file. The
default workspace is a fresh temporary folder per Python process; `set_workspace(path)` keeps
the results somewhere to look at or reuse. MNIST files are fetched, checksum-verified, into
pooch's cache folder for the package (MNIST_MIRROR first when set, as in the workflow).
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from .. import progress
from ..data.mnist import DEFAULT_MIRRORS, SPLIT_FILES, fetch, mirror_list, verify

_STATE: dict[str, Path] = {}
#: Values of LOSSLANDSCAPE_PROGRESS that switch every progress bar off.
QUIET = ("0", "off", "false", "no")


def workspace() -> Path:
    """The folder the API's jobs write to (made on first use)."""
    if "workspace" not in _STATE:
        _STATE["workspace"] = Path(tempfile.mkdtemp(prefix="losslandscape-"))
    return _STATE["workspace"]


def set_workspace(path: str | os.PathLike[str]) -> Path:
    """Write the API's results under `path` from now on (created if missing); returns it."""
    folder = Path(path).resolve()
    folder.mkdir(parents=True, exist_ok=True)
    _STATE["workspace"] = folder
    return folder


def result_path(template: str, **wildcards: Any) -> str:
    """A workflow path template (losslandscape.paths) filled in, under the workspace, its
    folder made."""
    path = workspace() / template.format(**wildcards)
    path.parent.mkdir(parents=True, exist_ok=True)
    return str(path)


def mnist_cache() -> Path:
    """pooch's cache folder for this package (LOSSLANDSCAPE_CACHE overrides it)."""
    given = os.environ.get("LOSSLANDSCAPE_CACHE")
    if given:
        return Path(given)
    import pooch

    return Path(pooch.os_cache("losslandscape"))


def mnist_files(split: str = "test") -> tuple[str, str]:
    """The images and labels files of an MNIST split, fetched once into the cache and verified
    (MNIST_MIRROR, then the canonical mirrors)."""
    if split not in SPLIT_FILES:
        raise ValueError(f"split = {split!r}: allowed are {sorted(SPLIT_FILES)}")
    cache = mnist_cache()
    out = []
    for name in SPLIT_FILES[split]:
        path = cache / name
        if path.is_file():
            try:
                verify(str(path))
                out.append(str(path))
                continue
            except Exception:  # damaged: fetch replaces it
                pass
        out.append(str(fetch(name, mirror_list(DEFAULT_MIRRORS), cache)))
    return out[0], out[1]


@contextmanager
def bar(description: str, show: bool) -> Iterator[None]:
    """A tqdm progress bar fed by the computations inside the block: none when not `show` or
    when LOSSLANDSCAPE_PROGRESS is 0 / off (e.g. a documentation build that runs notebooks)."""
    quiet = os.environ.get("LOSSLANDSCAPE_PROGRESS", "").strip().lower() in QUIET
    if not show or quiet:
        with progress.listening(None):
            yield
        return
    try:  # a widget in Jupyter when ipywidgets is there, else a text bar updated in place
        import ipywidgets  # noqa: F401
        from tqdm.auto import tqdm
    except ImportError:
        from tqdm import tqdm

    meter = tqdm(total=0, desc=description, leave=True, mininterval=0.5)

    def listener(event: str, value: int) -> None:
        """Grow the bar's total or advance it."""
        if event == "total":
            meter.total = (meter.total or 0) + value
            meter.refresh()
        else:
            meter.update(value)

    try:
        with progress.listening(listener):
            yield
    finally:
        meter.close()
