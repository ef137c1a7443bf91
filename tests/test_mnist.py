"""Offline tests of losslandscape.data.mnist (mirror fall-through, atomic download, MD5 check) and
losslandscape.data.idx (IDX parsing)."""

from __future__ import annotations

import gzip
import hashlib
import http.server
import os
import shutil
import socket
import struct
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from conftest import MNIST_DIR

from losslandscape.data import mnist
from losslandscape.data.idx import MnistFormatError, load_images, load_labels, load_split, one_hot
from losslandscape.data.mnist import (
    CANONICAL_MD5,
    SPLIT_FILES,
    SPLIT_SIZE,
    MnistChecksumError,
    MnistDownloadError,
    fetch,
    mirror_list,
    verify,
)

REPO = Path(__file__).resolve().parents[1]
needs_shared = pytest.mark.skipif(
    not (MNIST_DIR / "t10k-images-idx3-ubyte.gz").is_file(),
    reason=f"offline MNIST copy not found at {MNIST_DIR}",
)

IMAGES = "t10k-images-idx3-ubyte.gz"
LABELS = "t10k-labels-idx1-ubyte.gz"
N_FAKE = 7


# --------------------------------------------------------------------------------------------
# Helpers: small valid (or deliberately broken) IDX files
# --------------------------------------------------------------------------------------------


def idx_images_bytes(
    pixels: np.ndarray, magic: int = 2051, count: int | None = None, dims: tuple = (28, 28)
) -> bytes:
    """Build an uncompressed IDX images file; header fields can be overridden to break it."""
    count = len(pixels) if count is None else count
    header = struct.pack(">IIII", magic, count, *dims)
    return header + pixels.astype(np.uint8).tobytes()


def idx_labels_bytes(labels: np.ndarray, magic: int = 2049, count: int | None = None) -> bytes:
    """Build an uncompressed IDX labels file; header fields can be overridden to break it."""
    count = len(labels) if count is None else count
    return struct.pack(">II", magic, count) + labels.astype(np.uint8).tobytes()


def fake_pixels(n: int = N_FAKE, seed: int = 0) -> np.ndarray:
    """Random uint8 images of shape (n, 28, 28) that include the extremes 0 and 255."""
    pixels = np.random.default_rng(seed).integers(0, 256, size=(n, 28, 28), dtype=np.uint8)
    pixels[0, 0, 0], pixels[0, 0, 1] = 0, 255
    return pixels


def fake_labels(n: int = N_FAKE) -> np.ndarray:
    """Labels 0..9 cycling, as uint8."""
    return (np.arange(n) % 10).astype(np.uint8)


def write_gz(path: Path, payload: bytes) -> Path:
    """Write a gzip file with a fixed mtime so its bytes (and hash) are reproducible."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(gzip.compress(payload, mtime=0))
    return path


def md5_of(path: Path) -> str:
    """MD5 of a file in pooch's 'md5:<hex>' notation."""
    return "md5:" + hashlib.md5(path.read_bytes()).hexdigest()


def free_closed_port() -> int:
    """A port on 127.0.0.1 with nothing listening (bound, then closed)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def assert_empty(directory: Path) -> None:
    """No final file and no temporary leftovers (hidden .part dirs included)."""
    assert not directory.exists() or sorted(os.listdir(directory)) == []


# --------------------------------------------------------------------------------------------
# A local HTTP mirror
# --------------------------------------------------------------------------------------------


class _Handler(http.server.SimpleHTTPRequestHandler):
    """Static files, plus /broken/<name>: announces the full length but sends half and hangs up."""

    def do_GET(self) -> None:  # noqa: N802 - http.server's naming
        """Serve a broken transfer under /broken/, everything else as static files."""
        if self.path.startswith("/broken/"):
            body = (Path(self.directory) / "good" / self.path.rsplit("/", 1)[-1]).read_bytes()
            self.send_response(200)
            self.send_header("Content-Type", "application/octet-stream")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body[: len(body) // 2])
            self.wfile.flush()
            self.close_connection = True
            return
        super().do_GET()

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002
        """Keep the test output quiet."""


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict]:
    """Serve good/, bad/ (other bytes), trunc/ (cut file) over HTTP on 127.0.0.1."""
    root = tmp_path_factory.mktemp("www")
    good_images = write_gz(root / "good" / IMAGES, idx_images_bytes(fake_pixels()))
    good_labels = write_gz(root / "good" / LABELS, idx_labels_bytes(fake_labels()))
    write_gz(root / "bad" / IMAGES, idx_images_bytes(fake_pixels(seed=1)))
    data = good_images.read_bytes()
    (root / "trunc").mkdir()
    (root / "trunc" / IMAGES).write_bytes(data[: len(data) // 2])

    def handler(*args: object, **kwargs: object) -> _Handler:
        return _Handler(*args, directory=str(root), **kwargs)

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    base = f"http://127.0.0.1:{server.server_address[1]}"
    try:
        yield {
            "base": base,
            "root": root,
            "images_hash": md5_of(good_images),
            "labels_hash": md5_of(good_labels),
            "good_images": good_images,
        }
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture(autouse=True)
def _no_proxy(monkeypatch: pytest.MonkeyPatch) -> None:
    """Make sure requests talks to 127.0.0.1 directly even if a proxy is configured."""
    for var in ("HTTP_PROXY", "HTTPS_PROXY", "http_proxy", "https_proxy", "ALL_PROXY"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")
    monkeypatch.delenv("MNIST_MIRROR", raising=False)


# --------------------------------------------------------------------------------------------
# Constants and mirror_list
# --------------------------------------------------------------------------------------------


def test_constants_are_consistent() -> None:
    assert set(CANONICAL_MD5) == {name for pair in SPLIT_FILES.values() for name in pair}
    assert SPLIT_SIZE == {"train": 60000, "test": 10000}
    assert CANONICAL_MD5["t10k-images-idx3-ubyte.gz"] == "9fb629c4189551a2d022fa330f9573f3"
    assert all(m.startswith("https://") and m.endswith("/") for m in mnist.DEFAULT_MIRRORS)


def test_mirror_list_puts_env_first_and_dedupes() -> None:
    configured = ["https://a.example/mnist/", "/data/mnist", "https://a.example/mnist"]
    assert mirror_list(configured, environ={}) == ["https://a.example/mnist/", "/data/mnist"]
    env = {"MNIST_MIRROR": "/data/mnist/"}
    assert mirror_list(configured, environ=env) == ["/data/mnist/", "https://a.example/mnist/"]
    assert mirror_list(configured, environ={"MNIST_MIRROR": "  "}) == mirror_list(configured, {})


def test_mirror_list_reads_os_environ_by_default(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MNIST_MIRROR", "http://127.0.0.1:1/x/")
    assert mirror_list(["https://b.example/"])[0] == "http://127.0.0.1:1/x/"


# --------------------------------------------------------------------------------------------
# fetch over HTTP
# --------------------------------------------------------------------------------------------


def test_fetch_falls_through_404_to_good(served: dict, tmp_path: Path) -> None:
    mirrors = [served["base"] + "/missing/", served["base"] + "/good/"]
    path = fetch(IMAGES, mirrors, tmp_path, known_hash=served["images_hash"], timeout=5)
    assert path == tmp_path / IMAGES
    assert path.read_bytes() == served["good_images"].read_bytes()
    assert os.listdir(tmp_path) == [IMAGES]


def test_fetch_skips_checksum_mismatch(served: dict, tmp_path: Path) -> None:
    mirrors = [served["base"] + "/bad/", served["base"] + "/good"]
    path = fetch(IMAGES, mirrors, tmp_path, known_hash=served["images_hash"], timeout=5)
    assert md5_of(path) == served["images_hash"]
    assert os.listdir(tmp_path) == [IMAGES]


def test_fetch_accepts_sha256(served: dict, tmp_path: Path) -> None:
    sha = hashlib.sha256(served["good_images"].read_bytes()).hexdigest()
    path = fetch(IMAGES, [served["base"] + "/good/"], tmp_path, known_hash=f"sha256:{sha}")
    assert path.is_file()


def test_fetch_truncated_file_then_good(served: dict, tmp_path: Path) -> None:
    mirrors = [served["base"] + "/trunc/", served["base"] + "/broken/", served["base"] + "/good/"]
    path = fetch(IMAGES, mirrors, tmp_path, known_hash=served["images_hash"], timeout=5)
    assert md5_of(path) == served["images_hash"]
    assert os.listdir(tmp_path) == [IMAGES]


def test_fetch_dead_host_then_good(served: dict, tmp_path: Path) -> None:
    dead = f"http://127.0.0.1:{free_closed_port()}/mnist/"
    path = fetch(
        IMAGES, [dead, served["base"] + "/good/"], tmp_path, served["images_hash"], timeout=5
    )
    assert path.is_file()


def test_fetch_all_mirrors_fail(served: dict, tmp_path: Path) -> None:
    dead = f"http://127.0.0.1:{free_closed_port()}/mnist/"
    empty_dir = tmp_path / "empty"
    empty_dir.mkdir()
    mirrors = [
        served["base"] + "/missing/",
        served["base"] + "/bad/",
        served["base"] + "/trunc/",
        served["base"] + "/broken/",
        dead,
        str(empty_dir),
    ]
    dest = tmp_path / "dest"
    with pytest.raises(MnistDownloadError) as info:
        fetch(IMAGES, mirrors, dest, known_hash=served["images_hash"], timeout=5)
    message = str(info.value)
    lines = message.splitlines()
    expected_hex = served["images_hash"].split(":")[1]
    reasons = dict(info.value.failures)
    assert list(reasons) == mirrors
    assert reasons[mirrors[0]].startswith("HTTP 404")
    assert reasons[mirrors[1]].startswith("md5 mismatch: got ")
    assert f"expected {expected_hex}" in reasons[mirrors[1]]
    assert reasons[mirrors[2]].startswith("md5 mismatch")
    assert "truncated" in reasons[mirrors[3]]
    assert reasons[mirrors[4]] == "connection refused"
    assert reasons[mirrors[5]] == f"file not found: {empty_dir / IMAGES}"
    for mirror in mirrors:
        assert any(line.startswith(f"  - {mirror}: ") for line in lines)
    assert IMAGES in lines[0]
    assert "MNIST_MIRROR=/path/to/dir" in message
    assert "mnist: {split: test}" in message
    assert_empty(dest)


def test_fetch_replaces_corrupt_existing_file(served: dict, tmp_path: Path) -> None:
    (tmp_path / IMAGES).write_bytes(b"not the file")
    path = fetch(IMAGES, [served["base"] + "/good/"], tmp_path, served["images_hash"])
    assert md5_of(path) == served["images_hash"]


def test_fetch_removes_corrupt_existing_file_on_failure(tmp_path: Path) -> None:
    (tmp_path / IMAGES).write_bytes(b"not the file")
    with pytest.raises(MnistDownloadError):
        fetch(IMAGES, [str(tmp_path / "nowhere")], tmp_path, known_hash="md5:" + "0" * 32)
    assert_empty(tmp_path)


def test_fetch_keeps_verified_existing_file(served: dict, tmp_path: Path) -> None:
    shutil.copyfile(served["good_images"], tmp_path / IMAGES)
    dead = f"http://127.0.0.1:{free_closed_port()}/"
    assert fetch(IMAGES, [dead], tmp_path, served["images_hash"]) == tmp_path / IMAGES


def test_fetch_refuses_unknown_name_without_hash(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="no known checksum"):
        fetch("other.gz", [str(tmp_path)], tmp_path)


# --------------------------------------------------------------------------------------------
# fetch from local directories
# --------------------------------------------------------------------------------------------


def test_fetch_from_local_directory_and_file_url(served: dict, tmp_path: Path) -> None:
    good_dir = served["root"] / "good"
    path = fetch(
        IMAGES, [str(tmp_path / "absent"), str(good_dir)], tmp_path / "a", served["images_hash"]
    )
    assert md5_of(path) == served["images_hash"]
    path = fetch(IMAGES, [good_dir.as_uri() + "/"], tmp_path / "b", served["images_hash"])
    assert md5_of(path) == served["images_hash"]


def test_fetch_env_mirror_is_used_first(
    served: dict, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MNIST_MIRROR", str(served["root"] / "good"))
    dead = f"http://127.0.0.1:{free_closed_port()}/"
    path = fetch(LABELS, mirror_list([dead]), tmp_path, served["labels_hash"])
    assert md5_of(path) == served["labels_hash"]


def test_fetch_reports_unsupported_scheme(tmp_path: Path) -> None:
    with pytest.raises(MnistDownloadError) as info:
        fetch(IMAGES, ["s3://bucket/mnist/"], tmp_path / "dest", known_hash="md5:" + "0" * 32)
    assert dict(info.value.failures) == {
        "s3://bucket/mnist/": "unsupported URL scheme 's3' (use http, https, ftp or file)"
    }
    assert_empty(tmp_path / "dest")


# --------------------------------------------------------------------------------------------
# verify: the canonical MD5 of a local file
# --------------------------------------------------------------------------------------------


def flip_middle_byte(path: Path) -> None:
    """Damage a file in place the way a bad disk or copy would: one byte in the middle."""
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0xFF
    path.write_bytes(bytes(data))


def assert_refetch_message(message: str, path: Path) -> None:
    """The message names the file and tells both ways to fetch it again."""
    assert str(path) in message
    assert "delete it and rerun the workflow" in message
    assert "snakemake --forcerun mnist_download" in message


def test_verify_synthetic_file_and_one_flipped_byte(
    served: dict, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / IMAGES
    shutil.copyfile(served["good_images"], path)
    good_md5 = served["images_hash"].split(":")[1]
    monkeypatch.setitem(mnist.CANONICAL_MD5, IMAGES, good_md5)
    verify(path)
    flip_middle_byte(path)
    with pytest.raises(MnistChecksumError) as info:
        verify(path)
    assert isinstance(info.value, ValueError)
    assert info.value.expected == good_md5
    assert info.value.actual == hashlib.md5(path.read_bytes()).hexdigest() != good_md5
    assert good_md5 in str(info.value) and info.value.actual in str(info.value)
    assert_refetch_message(str(info.value), path)


@needs_shared
def test_verify_real_files_and_one_flipped_byte(tmp_path: Path) -> None:
    for name in SPLIT_FILES["test"]:
        verify(MNIST_DIR / name)
    damaged = tmp_path / "resources" / "mnist" / IMAGES
    damaged.parent.mkdir(parents=True)
    shutil.copyfile(MNIST_DIR / IMAGES, damaged)
    flip_middle_byte(damaged)
    with pytest.raises(MnistChecksumError) as info:
        verify(damaged)
    message = str(info.value)
    assert CANONICAL_MD5[IMAGES] in message
    assert hashlib.md5(damaged.read_bytes()).hexdigest() in message
    assert_refetch_message(message, damaged)


def test_verify_unknown_name_and_missing_file(tmp_path: Path) -> None:
    other = tmp_path / "other.gz"
    other.write_bytes(b"x")
    with pytest.raises(ValueError, match="not a canonical MNIST file name") as info:
        verify(other)
    assert str(other) in str(info.value)
    missing = tmp_path / LABELS
    with pytest.raises(FileNotFoundError, match="MNIST file not found") as info:
        verify(missing)
    assert str(missing) in str(info.value) and "mnist_download" in str(info.value)


# --------------------------------------------------------------------------------------------
# IDX loading
# --------------------------------------------------------------------------------------------


def test_load_images_and_labels(tmp_path: Path) -> None:
    pixels, labels = fake_pixels(), fake_labels()
    images_path = write_gz(tmp_path / IMAGES, idx_images_bytes(pixels))
    labels_path = write_gz(tmp_path / LABELS, idx_labels_bytes(labels))
    x = load_images(images_path, 5)
    assert x.shape == (5, 784) and x.dtype == np.float64
    np.testing.assert_array_equal(x, pixels[:5].reshape(5, 784).astype(np.float64) / 255.0)
    assert x.min() == 0.0 and x.max() == 1.0
    y = load_labels(labels_path, N_FAKE)
    assert y.dtype == np.int64
    np.testing.assert_array_equal(y, labels)
    X, Y = load_split(images_path, labels_path, 3)
    assert X.shape == (3, 784) and Y.shape == (3, 10) and Y.dtype == np.float64
    np.testing.assert_array_equal(Y.argmax(axis=1), labels[:3])
    np.testing.assert_array_equal(Y.sum(axis=1), 1.0)


def test_one_hot() -> None:
    np.testing.assert_array_equal(one_hot(np.array([2, 0]))[:, :3], [[0, 0, 1], [1, 0, 0]])
    with pytest.raises(ValueError):
        one_hot(np.array([10]))


@pytest.mark.parametrize(
    ("loader", "payload", "n", "fragment"),
    [
        (load_images, idx_images_bytes(fake_pixels(), magic=2049), 3, "wrong magic number 2049"),
        (load_labels, idx_labels_bytes(fake_labels(), magic=2051), 3, "wrong magic number 2051"),
        (load_images, idx_images_bytes(fake_pixels(), dims=(28, 27)), 3, "28x27"),
        (load_images, idx_images_bytes(fake_pixels()), N_FAKE + 1, "fewer than the 8 requested"),
        (load_labels, idx_labels_bytes(fake_labels()), N_FAKE + 1, "fewer than the 8 requested"),
        (load_images, idx_images_bytes(fake_pixels(), count=N_FAKE + 2), 1, "truncated payload"),
        (load_labels, idx_labels_bytes(fake_labels(), count=N_FAKE + 2), 1, "truncated payload"),
        (load_labels, idx_labels_bytes(np.array([1, 12, 3])), 3, "outside 0..9"),
        (load_labels, b"\x00\x00", 1, "too short"),
    ],
)
def test_idx_format_errors_name_the_file(
    tmp_path: Path, loader, payload: bytes, n: int, fragment: str
) -> None:
    path = write_gz(tmp_path / "broken-idx.gz", payload)
    with pytest.raises(MnistFormatError) as info:
        loader(path, n)
    assert str(path) in str(info.value)
    assert fragment in str(info.value)


def test_truncated_gzip_stream_is_a_format_error(tmp_path: Path) -> None:
    data = gzip.compress(idx_images_bytes(fake_pixels()), mtime=0)
    path = tmp_path / "cut.gz"
    path.write_bytes(data[: len(data) - 20])
    with pytest.raises(MnistFormatError, match="truncated gzip") as info:
        load_images(path, 1)
    assert str(path) in str(info.value)


def test_load_split_rejects_mismatched_counts(tmp_path: Path) -> None:
    images_path = write_gz(tmp_path / IMAGES, idx_images_bytes(fake_pixels()))
    labels_path = write_gz(tmp_path / LABELS, idx_labels_bytes(fake_labels(N_FAKE - 1)))
    with pytest.raises(MnistFormatError, match="do not belong to the same split"):
        load_split(images_path, labels_path, 2)


def test_load_split_from_a_first_sample(tmp_path: Path) -> None:
    """first picks samples first .. first + n - 1; past the end the error names all it knows."""
    pixels, labels = fake_pixels(), fake_labels()
    images_path = write_gz(tmp_path / IMAGES, idx_images_bytes(pixels))
    labels_path = write_gz(tmp_path / LABELS, idx_labels_bytes(labels))
    X, Y = load_split(images_path, labels_path, 3, first=2)
    np.testing.assert_array_equal(X, pixels[2:5].reshape(3, 784).astype(np.float64) / 255.0)
    np.testing.assert_array_equal(Y, np.eye(10)[labels[2:5]])
    x0, y0 = load_split(images_path, labels_path, 4, first=0)
    x_all, y_all = load_split(images_path, labels_path, 4)
    np.testing.assert_array_equal(x0, x_all)
    np.testing.assert_array_equal(y0, y_all)
    X, Y = load_split(images_path, labels_path, 0, first=N_FAKE)  # empty, at the very end
    assert X.shape == (0, 784) and Y.shape == (0, 10)
    with pytest.raises(MnistFormatError) as info:
        load_split(images_path, labels_path, 3, first=5)
    message = str(info.value)
    assert str(images_path) in message
    assert f"holds {N_FAKE} items" in message and "first = 5" in message and "n = 3" in message
    with pytest.raises(MnistFormatError, match="fewer than the 8 requested"):
        load_split(images_path, labels_path, N_FAKE + 1)
    with pytest.raises(ValueError, match="first must be >= 0"):
        load_split(images_path, labels_path, 1, first=-1)
    with pytest.raises(TypeError, match="first must be an integer"):
        load_split(images_path, labels_path, 1, first=1.0)


def test_label_errors_name_the_index_in_the_file(tmp_path: Path) -> None:
    """A bad label found after `first` is reported at its index in the file."""
    images_path = write_gz(tmp_path / IMAGES, idx_images_bytes(fake_pixels(3)))
    labels_path = write_gz(tmp_path / LABELS, idx_labels_bytes(np.array([1, 2, 12])))
    with pytest.raises(MnistFormatError, match="label 12 at index 2 is outside"):
        load_split(images_path, labels_path, 2, first=1)


# --------------------------------------------------------------------------------------------
# The real MNIST test split from the offline mirror
# --------------------------------------------------------------------------------------------


@needs_shared
def test_real_test_split_fetch_and_load(tmp_path: Path) -> None:
    images_name, labels_name = SPLIT_FILES["test"]
    images = fetch(images_name, [str(MNIST_DIR)], tmp_path)
    labels = fetch(labels_name, [str(MNIST_DIR)], tmp_path)
    assert hashlib.md5(images.read_bytes()).hexdigest() == CANONICAL_MD5[images_name]
    assert hashlib.md5(labels.read_bytes()).hexdigest() == CANONICAL_MD5[labels_name]
    verify(images)
    verify(labels)
    n = SPLIT_SIZE["test"]
    X, Y = load_split(images, labels, n)
    assert X.shape == (n, 784) and X.dtype == np.float64
    assert X.min() == 0.0 and X.max() == 1.0
    counts = Y.sum(axis=0)
    assert counts.sum() == n
    # Published class counts of the MNIST test split.
    np.testing.assert_array_equal(counts, [980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009])
    np.testing.assert_array_equal(load_labels(labels, 10), [7, 2, 1, 0, 4, 1, 4, 9, 5, 9])


@needs_shared
def test_real_train_split_fails_cleanly(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MNIST_MIRROR", str(MNIST_DIR))
    images_name, labels_name = SPLIT_FILES["train"]
    dest = tmp_path / "resources" / "mnist"
    dead = f"http://127.0.0.1:{free_closed_port()}/mnist/"
    with pytest.raises(MnistDownloadError) as info:
        fetch(images_name, mirror_list([dead]), dest)
    message = str(info.value)
    assert f"file not found: {MNIST_DIR / images_name}" in message
    assert "mnist: {split: test}" in message
    assert_empty(dest)
    # The train labels are there, so that half of the split does work.
    assert fetch(labels_name, mirror_list([dead]), dest).is_file()


# --------------------------------------------------------------------------------------------
# The Snakemake rule and script, end to end in a scratch directory
# --------------------------------------------------------------------------------------------


def _run_snakemake(workdir: Path, target: str, mirror: Path) -> subprocess.CompletedProcess:
    """Run the workflow's download rule for one target in workdir with only `mirror` as mirror."""
    override = workdir / "mirror.yaml"  # merged into the repository's config.yaml
    override.write_text(f'mnist:\n  split: test\n  mirrors: ["{mirror}"]\n')
    env = dict(os.environ)
    env.pop("MNIST_MIRROR", None)
    return subprocess.run(
        [sys.executable, "-m", "snakemake", "-s", str(REPO / "Snakefile"), "-c1", target]
        + ["--configfile", str(override)],
        cwd=workdir,
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )


@pytest.mark.slow
@needs_shared
def test_download_rule_end_to_end(tmp_path: Path) -> None:
    name = SPLIT_FILES["test"][1]
    done = _run_snakemake(tmp_path, f"resources/mnist/{name}", MNIST_DIR)
    assert done.returncode == 0, done.stderr
    out = tmp_path / "resources" / "mnist" / name
    assert hashlib.md5(out.read_bytes()).hexdigest() == CANONICAL_MD5[name]
    assert (tmp_path / "benchmarks" / "mnist_download" / f"{name}.tsv").is_file()

    missing = SPLIT_FILES["train"][0]
    failed = _run_snakemake(tmp_path, f"resources/mnist/{missing}", MNIST_DIR)
    assert failed.returncode != 0
    log_text = (tmp_path / "logs" / "mnist_download" / f"{missing}.log").read_text()
    assert f"file not found: {MNIST_DIR / missing}" in log_text
    assert sorted(os.listdir(out.parent)) == [name]


@needs_shared
def test_prefix_read_equals_whole_read() -> None:
    """Loading the first N items (trailer-checked prefix) gives the same as the whole file."""
    images = MNIST_DIR / SPLIT_FILES["test"][0]
    labels = MNIST_DIR / SPLIT_FILES["test"][1]
    x_small, y_small = load_split(images, labels, 37)
    x_all, y_all = load_split(images, labels, 10000)
    np.testing.assert_array_equal(x_small, x_all[:37])
    np.testing.assert_array_equal(y_small, y_all[:37])
    x_held, y_held = load_split(images, labels, 5000, first=5000)  # the held-out half
    np.testing.assert_array_equal(x_held, x_all[5000:])
    np.testing.assert_array_equal(y_held, y_all[5000:])
    x_mid, y_mid = load_split(images, labels, 11, first=37)  # a prefix read past the first 37
    np.testing.assert_array_equal(x_mid, x_all[37:48])
    np.testing.assert_array_equal(y_mid, y_all[37:48])
