"""Download MNIST from mirrors with checksum verification, and load its IDX files into numpy.

The download never trusts or leaves a half-written file: every attempt writes into a private
temporary directory next to the destination, is verified against the canonical MD5 (or a given
hash), and only then is moved to its final name with ``os.replace``.
"""

from __future__ import annotations

import gzip
import hashlib
import logging
import os
import shutil
import tempfile
import urllib.parse
import zlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

import numpy as np

__all__ = [
    "CANONICAL_MD5",
    "DEFAULT_MIRRORS",
    "IMAGE_SHAPE",
    "MNIST_MIRROR_ENV",
    "SPLIT_FILES",
    "SPLIT_SIZE",
    "MnistDownloadError",
    "MnistFormatError",
    "fetch",
    "load_images",
    "load_labels",
    "load_split",
    "mirror_list",
    "one_hot",
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

IMAGE_SHAPE = (28, 28)
"""Rows and columns of one MNIST image."""

_IMAGES_MAGIC = 2051  # 0x00000803: unsigned bytes, 3 dimensions
_LABELS_MAGIC = 2049  # 0x00000801: unsigned bytes, 1 dimension
_N_CLASSES = 10


class MnistDownloadError(RuntimeError):
    """Raised when no mirror delivered a file that passes its checksum; lists every attempt."""

    def __init__(self, name: str, failures: list[tuple[str, str]]) -> None:
        """Keep the file name and the (mirror, reason) pairs, and build the user-facing message."""
        self.name = name
        self.failures = list(failures)
        super().__init__(_download_error_message(name, self.failures))


class MnistFormatError(ValueError):
    """Raised when an IDX file is malformed or too short; the message names the file."""


# --------------------------------------------------------------------------------------------
# Mirrors and download
# --------------------------------------------------------------------------------------------


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

    A mirror is an http(s):// or file:// base URL, or a local directory. ``known_hash`` defaults
    to the canonical MD5 (``"md5:<hex>"``; ``"sha256:<hex>"`` or a bare sha256 also work, as in
    pooch). A 404, an unreachable host, a broken transfer or a checksum mismatch moves on to the
    next mirror; when all fail, :class:`MnistDownloadError` lists each mirror and why.
    """
    if known_hash is None:
        if name not in CANONICAL_MD5:
            raise ValueError(
                f"no known checksum for {name!r}: pass known_hash or use one of the canonical "
                f"MNIST file names {sorted(CANONICAL_MD5)}"
            )
        known_hash = f"md5:{CANONICAL_MD5[name]}"
    algorithm, expected = _parse_hash(known_hash)
    if not name or Path(name).name != name:
        raise ValueError(f"file name must be a plain base name, got {name!r}")

    dest = Path(dest_dir)
    dest.mkdir(parents=True, exist_ok=True)
    final = dest / name

    if final.exists():
        got = _file_hash(final, algorithm)
        if got == expected:
            log.info("%s already present and verified (%s %s)", final, algorithm, got)
            return final
        log.warning(
            "removing %s: %s %s does not match expected %s", final, algorithm, got, expected
        )
        final.unlink()

    failures: list[tuple[str, str]] = []
    for mirror in mirrors:
        tmp_dir = Path(tempfile.mkdtemp(prefix=f".{name}.", suffix=".part", dir=dest))
        try:
            tmp_file = _fetch_one(mirror, name, tmp_dir, timeout)
            got = _file_hash(tmp_file, algorithm)
            if got != expected:
                size = tmp_file.stat().st_size
                raise _MirrorFailure(
                    f"{algorithm} mismatch: got {got}, expected {expected} ({size} bytes received)"
                )
            tmp_file.chmod(0o644)
            os.replace(tmp_file, final)
            log.info("fetched %s from %s (%s verified)", name, mirror, algorithm)
            return final
        except _MirrorFailure as exc:
            reason = str(exc)
        except OSError as exc:
            reason = f"local I/O error: {exc}"
        finally:
            shutil.rmtree(tmp_dir, ignore_errors=True)
        log.warning("mirror %s failed for %s: %s", mirror, name, reason)
        failures.append((mirror, reason))
    raise MnistDownloadError(name, failures)


class _MirrorFailure(Exception):
    """One mirror failed for a reason that should move the download on to the next mirror."""


def _fetch_one(mirror: str, name: str, tmp_dir: Path, timeout: float) -> Path:
    """Put ``name`` from one mirror into ``tmp_dir`` (unverified) or raise _MirrorFailure."""
    scheme = urllib.parse.urlparse(mirror).scheme.lower()
    if scheme in ("http", "https"):
        url = mirror.rstrip("/") + "/" + urllib.parse.quote(name)
        return _fetch_http(url, name, tmp_dir, timeout)
    if scheme == "file":
        parsed = urllib.parse.urlparse(mirror)
        from urllib.request import url2pathname  # lazily: loading IDX files needs none of it

        directory = Path(url2pathname(parsed.netloc + parsed.path))
        return _copy_local(directory, name, tmp_dir)
    if "://" in mirror:
        raise _MirrorFailure(f"unsupported URL scheme {scheme!r} (use http, https or file)")
    return _copy_local(Path(os.path.expanduser(mirror)), name, tmp_dir)


def _copy_local(directory: Path, name: str, tmp_dir: Path) -> Path:
    """Copy ``directory/name`` into ``tmp_dir`` or raise _MirrorFailure saying what is missing."""
    source = directory / name
    if not directory.is_dir():
        raise _MirrorFailure(f"directory not found: {directory}")
    if not source.is_file():
        raise _MirrorFailure(f"file not found: {source}")
    target = tmp_dir / name
    try:
        shutil.copyfile(source, target)
    except OSError as exc:
        raise _MirrorFailure(f"cannot copy {source}: {exc.strerror or exc}") from exc
    return target


def _fetch_http(url: str, name: str, tmp_dir: Path, timeout: float) -> Path:
    """Download ``url`` into ``tmp_dir`` with pooch (hash checked by the caller)."""
    # Imported lazily: loading IDX files needs neither pooch nor requests.
    import pooch
    import requests

    # pooch logs "use this SHA256 as known_hash" when not given one; we verify ourselves.
    pooch_logger = pooch.get_logger()
    old_level = pooch_logger.level
    pooch_logger.setLevel(logging.WARNING)
    try:
        path = pooch.retrieve(
            url,
            known_hash=None,
            fname=name,
            path=tmp_dir,
            downloader=pooch.HTTPDownloader(timeout=timeout, progressbar=False),
        )
    except requests.RequestException as exc:
        raise _MirrorFailure(_describe_request_error(exc, timeout)) from exc
    finally:
        pooch_logger.setLevel(old_level)
    return Path(path)


def _describe_request_error(exc: BaseException, timeout: float) -> str:
    """Turn a requests exception into a short reason such as 'HTTP 404' or 'connection refused'."""
    import requests

    if isinstance(exc, requests.HTTPError) and exc.response is not None:
        reason = f" {exc.response.reason}" if exc.response.reason else ""
        return f"HTTP {exc.response.status_code}{reason}"
    if isinstance(exc, requests.Timeout):
        return f"timed out after {timeout:g} s"
    if isinstance(
        exc, (requests.exceptions.ChunkedEncodingError, requests.exceptions.ContentDecodingError)
    ):
        return "connection broken during transfer (truncated download)"
    text = " ".join(_exception_chain_text(exc))
    if isinstance(exc, requests.exceptions.SSLError):
        return f"TLS/SSL error: {_shorten(str(exc))}"
    if "refused" in text.lower():
        return "connection refused"
    lowered = text.lower()
    if any(
        marker in lowered
        for marker in (
            "name or service not known",
            "nodename nor servname",
            "temporary failure in name resolution",
            "failed to resolve",
            "nameresolutionerror",
            "getaddrinfo failed",
        )
    ):
        return "host name could not be resolved (no network or DNS?)"
    if "network is unreachable" in lowered:
        return "network is unreachable"
    if "reset" in lowered:
        return "connection reset by peer"
    if "remotedisconnected" in lowered or "remote end closed" in lowered:
        return "server closed the connection without a response"
    return f"connection failed: {_shorten(str(exc))}"


def _exception_chain_text(exc: BaseException) -> list[str]:
    """Collect type names and messages of an exception, its causes and its wrapped args."""
    parts: list[str] = []
    stack: list[BaseException] = [exc]
    seen: set[int] = set()
    while stack:
        current = stack.pop()
        if id(current) in seen:
            continue
        seen.add(id(current))
        parts.append(f"{type(current).__name__}: {current}")
        for nested in (current.__cause__, current.__context__, getattr(current, "reason", None)):
            if isinstance(nested, BaseException):
                stack.append(nested)
        stack.extend(arg for arg in current.args if isinstance(arg, BaseException))
    return parts


def _shorten(text: str, limit: int = 200) -> str:
    """Cut a long exception text so each failure stays on one readable line."""
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _parse_hash(known_hash: str) -> tuple[str, str]:
    """Split 'alg:hex' (pooch's notation; bare hex means sha256) into (alg, lowercase hex)."""
    if ":" in known_hash:
        algorithm, _, digest = known_hash.partition(":")
        algorithm = algorithm.strip().lower()
    else:
        algorithm, digest = "sha256", known_hash
    if algorithm not in hashlib.algorithms_available:
        raise ValueError(f"unknown hash algorithm {algorithm!r} in {known_hash!r}")
    return algorithm, digest.strip().lower()


def _file_hash(path: Path, algorithm: str) -> str:
    """Hash a file in chunks and return the lowercase hex digest."""
    digest = hashlib.new(algorithm)
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


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


# --------------------------------------------------------------------------------------------
# IDX loading
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Idx:
    """A parsed IDX file: where it came from, its item count, item shape and raw payload."""

    path: Path
    count: int
    item_shape: tuple[int, ...]
    data: bytes
    offset: int


def _read_idx(path: str | os.PathLike[str], magic: int, n: int | None = None) -> _Idx:
    """Read an IDX file, decompressing only the first n items when the file is provably whole.

    A gzip file's trailer holds its uncompressed size: when it equals what the header announces,
    the payload is whole and only the first n items need decompressing (the first 100 images of
    the train split take milliseconds instead of a 47 MB decompression). Otherwise, or when
    anything about the prefix is off, the whole file is read so that the error is precise.
    """
    path = Path(path)
    header_len = 16 if magic == _IMAGES_MAGIC else 8
    if n is None or isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 0:
        return _read_idx_whole(path, magic)
    try:
        with open(path, "rb") as fh:
            if fh.read(2) != b"\x1f\x8b":
                return _read_idx_whole(path, magic)
            fh.seek(-4, os.SEEK_END)
            isize = int.from_bytes(fh.read(4), "little")
        with gzip.open(path, "rb") as gz:
            head = gz.read(header_len)
            if len(head) < header_len:
                return _read_idx_whole(path, magic)
            fields = np.frombuffer(head, dtype=">u4")
            count = int(fields[1])
            item_shape = (int(fields[2]), int(fields[3])) if magic == _IMAGES_MAGIC else ()
            item_size = int(np.prod(item_shape, dtype=np.int64)) if item_shape else 1
            whole = (header_len + count * item_size) % 2**32 == isize
            if int(fields[0]) != magic or item_shape not in ((), IMAGE_SHAPE) or not whole:
                return _read_idx_whole(path, magic)
            data = head + gz.read(min(int(n), count) * item_size)
    except (OSError, EOFError, zlib.error):
        return _read_idx_whole(path, magic)
    return _Idx(path=path, count=count, item_shape=item_shape, data=data, offset=header_len)


def _read_idx_whole(path: str | os.PathLike[str], magic: int) -> _Idx:
    """Read a whole (gzip or plain) IDX file; check magic, dimensions, that the payload is whole."""
    path = Path(path)
    kind = "images" if magic == _IMAGES_MAGIC else "labels"
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise MnistFormatError(
            f"{path}: cannot read MNIST {kind} file: {exc.strerror or exc}"
        ) from exc
    if raw[:2] == b"\x1f\x8b":
        try:
            data = gzip.decompress(raw)
        except EOFError as exc:
            raise MnistFormatError(f"{path}: truncated gzip stream ({exc})") from exc
        except (OSError, zlib.error) as exc:
            raise MnistFormatError(f"{path}: corrupt gzip data ({exc})") from exc
    else:
        data = raw
    header_len = 16 if magic == _IMAGES_MAGIC else 8
    if len(data) < header_len:
        raise MnistFormatError(
            f"{path}: only {len(data)} bytes, too short for the {header_len}-byte IDX {kind} header"
        )
    header = np.frombuffer(data, dtype=">u4", count=header_len // 4)
    if int(header[0]) != magic:
        raise MnistFormatError(
            f"{path}: wrong magic number {int(header[0])} (0x{int(header[0]):08x}), expected "
            f"{magic} (0x{magic:08x}) for an IDX {kind} file"
        )
    count = int(header[1])
    item_shape: tuple[int, ...] = ()
    if magic == _IMAGES_MAGIC:
        item_shape = (int(header[2]), int(header[3]))
        if item_shape != IMAGE_SHAPE:
            raise MnistFormatError(
                f"{path}: images are {item_shape[0]}x{item_shape[1]}, expected "
                f"{IMAGE_SHAPE[0]}x{IMAGE_SHAPE[1]}"
            )
    item_size = int(np.prod(item_shape, dtype=np.int64)) if item_shape else 1
    expected = count * item_size
    payload = len(data) - header_len
    if payload < expected:
        raise MnistFormatError(
            f"{path}: truncated payload: header announces {count} {kind} ({expected} bytes) but "
            f"the file holds only {payload} bytes after the header"
        )
    if payload > expected:
        raise MnistFormatError(
            f"{path}: {payload - expected} unexpected bytes after the {count} {kind} the header "
            "announces"
        )
    return _Idx(path=path, count=count, item_shape=item_shape, data=data, offset=header_len)


def _check_n(idx: _Idx, n: int) -> int:
    """Validate the requested sample count against the file's header count."""
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)):
        raise TypeError(f"n must be an integer, got {n!r}")
    n = int(n)
    if n < 0:
        raise ValueError(f"n must be >= 0, got {n}")
    if idx.count < n:
        raise MnistFormatError(f"{idx.path}: holds {idx.count} items, fewer than the {n} requested")
    return n


def _images(idx: _Idx, n: int) -> np.ndarray:
    """First n images of a parsed IDX images file as float64 pixel / 255.0, shape (n, 784)."""
    n = _check_n(idx, n)
    size = IMAGE_SHAPE[0] * IMAGE_SHAPE[1]
    pixels = np.frombuffer(idx.data, dtype=np.uint8, count=n * size, offset=idx.offset)
    images = pixels.reshape(n, size).astype(np.float64)
    images /= 255.0
    return images


def _labels(idx: _Idx, n: int) -> np.ndarray:
    """First n labels of a parsed IDX labels file as int64, checked to lie in 0..9."""
    n = _check_n(idx, n)
    labels = np.frombuffer(idx.data, dtype=np.uint8, count=n, offset=idx.offset).astype(np.int64)
    if labels.size and int(labels.max()) >= _N_CLASSES:
        bad = int(np.argmax(labels >= _N_CLASSES))
        raise MnistFormatError(
            f"{idx.path}: label {int(labels[bad])} at index {bad} is outside 0..{_N_CLASSES - 1}"
        )
    return labels


def load_images(path: str | os.PathLike[str], n: int) -> np.ndarray:
    """Load the first n images of an IDX images file as float64 (n, 784) = pixel / 255.0."""
    return _images(_read_idx(path, _IMAGES_MAGIC, n), n)


def load_labels(path: str | os.PathLike[str], n: int) -> np.ndarray:
    """Load the first n labels of an IDX labels file as int64 (n,)."""
    return _labels(_read_idx(path, _LABELS_MAGIC, n), n)


def one_hot(labels: np.ndarray) -> np.ndarray:
    """Encode integer class labels 0..9 as float64 one-hot rows of shape (n, 10), the targets."""
    labels = np.asarray(labels)
    if labels.ndim != 1:
        raise ValueError(f"labels must be one-dimensional, got shape {labels.shape}")
    if labels.size and (
        not np.issubdtype(labels.dtype, np.integer)
        or int(labels.min()) < 0
        or int(labels.max()) >= _N_CLASSES
    ):
        raise ValueError(f"labels must be integers in 0..{_N_CLASSES - 1}")
    encoded = np.zeros((labels.size, _N_CLASSES), dtype=np.float64)
    encoded[np.arange(labels.size), labels.astype(np.intp)] = 1.0
    return encoded


def load_split(
    images_path: str | os.PathLike[str], labels_path: str | os.PathLike[str], n: int
) -> tuple[np.ndarray, np.ndarray]:
    """Load the first n samples as (X float64 (n, 784), Y one-hot float64 (n, 10)), the inputs."""
    images = _read_idx(images_path, _IMAGES_MAGIC, n)
    labels = _read_idx(labels_path, _LABELS_MAGIC, n)
    if images.count != labels.count:
        raise MnistFormatError(
            f"{images.path} holds {images.count} images but {labels.path} holds {labels.count} "
            "labels: the files do not belong to the same split"
        )
    return _images(images, n), one_hot(_labels(labels, n))
