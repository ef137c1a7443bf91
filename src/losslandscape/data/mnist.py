"""The canonical MNIST files: fetch them from mirrors through pooch, and verify local copies.

pooch downloads to a temporary file, checks the hash and only then moves the file into place;
this module adds what pooch lacks: a list of mirrors (including local directories) tried in
order, and one error listing why each mirror failed.
"""

from __future__ import annotations

import hashlib
import logging
import os
import shutil
import urllib.parse
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path

__all__ = [
    "CANONICAL_MD5",
    "DEFAULT_MIRRORS",
    "MNIST_MIRROR_ENV",
    "SPLIT_FILES",
    "SPLIT_SIZE",
    "MnistChecksumError",
    "MnistDownloadError",
    "fetch",
    "mirror_list",
    "verify",
]

log = logging.getLogger(__name__)

CANONICAL_MD5: dict[str, str] = {
    "train-images-idx3-ubyte.gz": "f68b3c2dcbeaaa9fbdd348bbdeb94873",
    "train-labels-idx1-ubyte.gz": "d53e105ee54ea40749a09fcbcd1e9432",
    "t10k-images-idx3-ubyte.gz": "9fb629c4189551a2d022fa330f9573f3",
    "t10k-labels-idx1-ubyte.gz": "ec29112dd5afa0611ce80d1b7f02629c",
}
"""MD5 of the four published MNIST files (the list torchvision and others verify against)."""

SPLIT_FILES: dict[str, tuple[str, str]] = {
    "train": ("train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz"),
    "test": ("t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz"),
}
"""(images, labels) file names of each split."""

SPLIT_SIZE: dict[str, int] = {"train": 60000, "test": 10000}
"""Number of samples in each split."""

DEFAULT_MIRRORS: list[str] = [
    "https://ossci-datasets.s3.amazonaws.com/mnist/",
    "https://storage.googleapis.com/cvdf-datasets/mnist/",
]
"""Base URLs known to serve the canonical .gz files (torchvision's and TensorFlow's mirrors)."""

MNIST_MIRROR_ENV = "MNIST_MIRROR"
"""Environment variable naming a mirror (URL or local directory) tried before all others."""

_REFETCH_HINT = (
    "To fetch it again, delete it and rerun the workflow, or rerun with "
    "`snakemake --forcerun mnist_download` (plus your usual options)."
)

# What a failing mirror raises: requests' errors and local copy errors are OSErrors, pooch's
# hash mismatch is a ValueError, and FTP adds its own.


class MnistDownloadError(RuntimeError):
    """Raised when no mirror delivered a file that passes its checksum; lists every attempt."""

    def __init__(self, name: str, failures: list[tuple[str, str]]) -> None:
        """Keep the file name and the (mirror, reason) pairs, and build the user-facing message."""
        self.name = name
        self.failures = list(failures)
        super().__init__(_download_error_message(name, self.failures))


class MnistChecksumError(ValueError):
    """Raised when a local MNIST file does not have its canonical MD5 (damaged or replaced)."""

    def __init__(self, path: Path, expected: str, actual: str) -> None:
        """Keep the path and both digests, and build a message that says how to fetch again."""
        self.path, self.expected, self.actual = path, expected, actual
        super().__init__(
            f"{path}: MD5 {actual} differs from the canonical MD5 {expected} of {path.name}; "
            f"the file is damaged. {_REFETCH_HINT}"
        )


def verify(path: str | os.PathLike[str]) -> None:
    """Check a canonical MNIST file against its MD5 before use (milliseconds per file).

    The IDX reader stops after the items it needs, before gzip's own CRC check, so without this
    a damaged byte further in would go unnoticed.
    """
    path = Path(path)
    expected = CANONICAL_MD5.get(path.name)
    if expected is None:
        raise ValueError(
            f"{path}: not a canonical MNIST file name, expected one of {sorted(CANONICAL_MD5)}"
        )
    try:
        with open(path, "rb") as handle:
            actual = hashlib.file_digest(handle, "md5").hexdigest()
    except FileNotFoundError:
        raise FileNotFoundError(
            f"{path}: MNIST file not found; rerun the workflow, whose rule mnist_download "
            "fetches it"
        ) from None
    if actual != expected:
        raise MnistChecksumError(path, expected, actual)


def mirror_list(configured: Iterable[str], environ: Mapping[str, str] = os.environ) -> list[str]:
    """Return MNIST_MIRROR (when set) then the configured mirrors, without duplicates, in order."""
    candidates: list[str] = []
    env_mirror = environ.get(MNIST_MIRROR_ENV, "").strip()
    if env_mirror:
        candidates.append(env_mirror)
    candidates.extend(str(m).strip() for m in configured)
    seen: set[str] = set()
    result: list[str] = []
    for mirror in candidates:
        key = mirror.rstrip("/\\") or mirror
        if mirror and key not in seen:
            seen.add(key)
            result.append(mirror)
    return result


def fetch(
    name: str,
    mirrors: Iterable[str],
    dest_dir: str | os.PathLike[str],
    known_hash: str | None = None,
    timeout: float = 30,
) -> Path:
    """Get ``name`` from the first mirror that delivers it intact and return its verified path.

    A mirror is an http(s):// or ftp:// base URL, a file:// URL or a local directory.
    ``known_hash`` is in pooch's notation ("md5:<hex>", "sha256:<hex>" or bare sha256) and
    defaults to the canonical MD5. A file already in ``dest_dir`` is kept if its hash matches;
    when every mirror fails, a damaged one is removed and :class:`MnistDownloadError` lists
    each mirror and why it failed.
    """
    if not name or Path(name).name != name:
        raise ValueError(f"file name must be a plain base name, got {name!r}")
    if known_hash is None:
        if name not in CANONICAL_MD5:
            raise ValueError(
                f"no known checksum for {name!r}: pass known_hash or use one of the canonical "
                f"MNIST file names {sorted(CANONICAL_MD5)}"
            )
        known_hash = f"md5:{CANONICAL_MD5[name]}"
    algorithm, _, expected = known_hash.rpartition(":")
    algorithm, expected = (algorithm or "sha256").lower(), expected.lower()
    if algorithm not in hashlib.algorithms_available:
        raise ValueError(f"unknown hash algorithm {algorithm!r} in {known_hash!r}")

    # here, not at the top: every job imports this module for verify(), downloads are rare
    import ftplib

    import pooch

    mirror_errors = (OSError, ValueError, EOFError, ftplib.Error)

    pooch.get_logger().setLevel(logging.WARNING)  # our own log line names file and mirror

    dest = Path(dest_dir)
    failures: list[tuple[str, str]] = []
    for mirror in mirrors:
        download = _Download(mirror, name, algorithm, timeout)
        try:
            pooch.retrieve(
                download.source, known_hash=known_hash, fname=name, path=dest, downloader=download
            )
        except mirror_errors as exc:
            reason = _reason(exc, download, expected, timeout)
            log.warning("mirror %s failed for %s: %s", mirror, name, reason)
            failures.append((mirror, reason))
            continue
        log.info("%s in %s (%s verified, from %s)", name, dest, algorithm, mirror)
        return dest / name

    # pooch leaves a damaged existing file in place when no mirror could replace it.
    final = dest / name
    if final.exists() and pooch.file_hash(str(final), alg=algorithm) != expected:
        log.warning("removing %s: its %s does not match %s", final, algorithm, expected)
        final.unlink()
    raise MnistDownloadError(name, failures)


class _Download:
    """A pooch downloader for one mirror that also notes the hash and size of what arrived."""

    def __init__(self, mirror: str, name: str, algorithm: str, timeout: float) -> None:
        """Pick the URL or local path of ``name`` on ``mirror`` and the way to get it."""
        import urllib.request

        import pooch

        self.algorithm = algorithm
        self.received: tuple[str, int] | None = None
        self._get: Callable[[str, str, object], None]
        scheme = urllib.parse.urlparse(mirror).scheme.lower()
        if scheme in ("http", "https", "ftp"):
            self.source = mirror.rstrip("/") + "/" + urllib.parse.quote(name)
            self._get = (
                pooch.FTPDownloader(timeout=timeout)
                if scheme == "ftp"
                else pooch.HTTPDownloader(progressbar=False, timeout=timeout)
            )
        elif scheme == "file":
            parsed = urllib.parse.urlparse(mirror)
            local = urllib.request.url2pathname(parsed.netloc + parsed.path)
            self.source = str(Path(local) / name)
            self._get = _copy_local
        elif "://" in mirror:
            self.source, self._get = mirror, _unsupported_scheme
        else:
            self.source = str(Path(mirror).expanduser() / name)
            self._get = _copy_local

    def __call__(self, url: str, output_file: str, pooch_object: object) -> None:
        """Get ``url`` into pooch's temporary ``output_file``; pooch then checks the hash."""
        import pooch

        self._get(url, output_file, pooch_object)
        os.chmod(output_file, 0o644)  # pooch's temporary file is private to its owner
        digest = pooch.file_hash(output_file, alg=self.algorithm)
        self.received = (digest, os.path.getsize(output_file))


def _copy_local(source: str, output_file: str, pooch_object: object) -> None:
    """Copy a local file (pooch only downloads); a missing one raises FileNotFoundError."""
    shutil.copyfile(source, output_file)


def _unsupported_scheme(url: str, output_file: str, pooch_object: object) -> None:
    """Refuse a URL scheme this module cannot fetch from."""
    scheme = urllib.parse.urlparse(url).scheme
    raise ValueError(f"unsupported URL scheme {scheme!r} (use http, https, ftp or file)")


def _reason(exc: BaseException, download: _Download, expected: str, timeout: float) -> str:
    """One short line saying why a mirror failed, told by the exception's type."""
    import requests

    if isinstance(exc, requests.HTTPError) and exc.response is not None:
        return f"HTTP {exc.response.status_code} {exc.response.reason or ''}".rstrip()
    if isinstance(exc, requests.Timeout):
        return f"timed out after {timeout:g} s"
    if isinstance(exc, requests.exceptions.ChunkedEncodingError):
        return "connection broken during transfer (truncated download)"
    if isinstance(exc, requests.ConnectionError):
        return _socket_error(exc) or "connection failed"
    if isinstance(exc, ValueError) and download.received is not None:
        digest, size = download.received  # the download completed, so pooch's hash check failed
        alg = download.algorithm
        return f"{alg} mismatch: got {digest}, expected {expected} ({size} bytes received)"
    if isinstance(exc, FileNotFoundError):
        return f"file not found: {exc.filename}"
    if isinstance(exc, OSError) and exc.strerror:
        return f"{exc.strerror}: {exc.filename}" if exc.filename else exc.strerror
    return str(exc) if isinstance(exc, ValueError) else f"{type(exc).__name__}: {exc}"


def _socket_error(exc: BaseException) -> str | None:
    """The operating system's reason (e.g. 'connection refused') behind a requests error."""
    cause: BaseException | None = exc
    while cause is not None:
        if isinstance(cause, OSError) and cause.strerror:
            return cause.strerror.lower()
        cause = cause.__cause__ or cause.__context__
    return None


def _download_error_message(name: str, failures: list[tuple[str, str]]) -> str:
    """Build the multi-line message: each mirror and its reason, then how to use a local copy."""
    if failures:
        lines = [f"could not get {name} from any of {len(failures)} mirror(s):"]
        lines += [f"  - {mirror}: {reason}" for mirror, reason in failures]
    else:
        lines = [f"could not get {name}: no mirrors were given"]
    lines += [
        "To use a local copy, put the canonical MNIST .gz files in a directory and point at it "
        f"with {MNIST_MIRROR_ENV}=/path/to/dir (tried before all configured mirrors) or list it "
        "under mnist: mirrors: in the config.",
        "If only the test split is available there (t10k-images-idx3-ubyte.gz, "
        "t10k-labels-idx1-ubyte.gz), also select it with `mnist: {split: test}` in a config file.",
    ]
    return "\n".join(lines)
