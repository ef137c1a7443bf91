"""Read MNIST's IDX files (gzip-compressed or plain) into numpy arrays.

Errors name the file. The reader checks the format, not the content: a damaged byte after the
first n items goes unnoticed, so jobs check the file with ``mnist.verify`` before loading it.
"""

from __future__ import annotations

import gzip
import os
import zlib
from dataclasses import dataclass
from pathlib import Path

import numpy as np

__all__ = [
    "IMAGE_SHAPE",
    "MnistFormatError",
    "load_images",
    "load_labels",
    "load_split",
    "one_hot",
]

IMAGE_SHAPE = (28, 28)
"""Rows and columns of one MNIST image."""

_IMAGES_MAGIC = 2051  # 0x00000803: unsigned bytes, 3 dimensions
_LABELS_MAGIC = 2049  # 0x00000801: unsigned bytes, 1 dimension
_N_CLASSES = 10


class MnistFormatError(ValueError):
    """Raised when an IDX file is malformed or too short; the message names the file."""


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


def _check_count(value: int, what: str) -> int:
    """A sample count or index as an int >= 0 (bool and non-integers are errors)."""
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        raise TypeError(f"{what} must be an integer, got {value!r}")
    if int(value) < 0:
        raise ValueError(f"{what} must be >= 0, got {int(value)}")
    return int(value)


def _check_n(idx: _Idx, n: int, first: int = 0) -> tuple[int, int]:
    """Validate items first .. first + n - 1 against the file's header count: (n, first)."""
    n, first = _check_count(n, "n"), _check_count(first, "first")
    if first == 0 and idx.count < n:
        raise MnistFormatError(f"{idx.path}: holds {idx.count} items, fewer than the {n} requested")
    if idx.count < first + n:
        raise MnistFormatError(
            f"{idx.path}: holds {idx.count} items, but first = {first} and n = {n} ask for items "
            f"{first}..{first + n - 1}"
        )
    return n, first


def _images(idx: _Idx, n: int, first: int = 0) -> np.ndarray:
    """Images first .. first + n - 1 of an IDX images file as float64 pixel / 255.0, (n, 784)."""
    n, first = _check_n(idx, n, first)
    size = IMAGE_SHAPE[0] * IMAGE_SHAPE[1]
    offset = idx.offset + first * size
    pixels = np.frombuffer(idx.data, dtype=np.uint8, count=n * size, offset=offset)
    images = pixels.reshape(n, size).astype(np.float64)
    images /= 255.0
    return images


def _labels(idx: _Idx, n: int, first: int = 0) -> np.ndarray:
    """Labels first .. first + n - 1 of a parsed IDX labels file as int64, checked to be 0..9."""
    n, first = _check_n(idx, n, first)
    offset = idx.offset + first
    labels = np.frombuffer(idx.data, dtype=np.uint8, count=n, offset=offset).astype(np.int64)
    if labels.size and int(labels.max()) >= _N_CLASSES:
        bad = int(np.argmax(labels >= _N_CLASSES))
        raise MnistFormatError(
            f"{idx.path}: label {int(labels[bad])} at index {first + bad} is outside "
            f"0..{_N_CLASSES - 1}"
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
    images_path: str | os.PathLike[str],
    labels_path: str | os.PathLike[str],
    n: int,
    first: int = 0,
) -> tuple[np.ndarray, np.ndarray]:
    """Samples first .. first + n - 1 as (X float64 (n, 784), Y one-hot float64 (n, 10)).

    first = 0 gives the first n samples (the training inputs); e.g. first = 5000 and n = 5000
    give the test split's second half, held out from networks trained on its first images.
    """
    n, first = _check_count(n, "n"), _check_count(first, "first")
    images = _read_idx(images_path, _IMAGES_MAGIC, first + n)
    labels = _read_idx(labels_path, _LABELS_MAGIC, first + n)
    if images.count != labels.count:
        raise MnistFormatError(
            f"{images.path} holds {images.count} images but {labels.path} holds {labels.count} "
            "labels: the files do not belong to the same split"
        )
    return _images(images, n, first), one_hot(_labels(labels, n, first))
