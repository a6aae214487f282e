"""Fashion-MNIST, verified, from the first source that has it.

Sources, in order: the local cache (``data/`` or ``$COURSE_DATA_DIR``), the Keras download,
Debian's package ``dataset-fashion-mnist``. Whatever the source, the decompressed content is
checked against known SHA-256 sums before a single pixel is used.

Run ``python -m utils`` (or ``make data``) to fetch, verify and cache the data ahead of time.
"""

import gzip
import hashlib
import os
import socket
import struct
import sys
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path

import numpy as np

CLASS_NAMES = (
    "T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
    "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot",
)  # fmt: skip

# SHA-256 of each decompressed IDX file (header and payload) of the 2017 release. Compressed
# copies differ (Debian re-gzips them), so only the decompressed content is compared.
IDX_FILES = {
    "train_images": (
        "train-images-idx3-ubyte.gz",
        (60000, 28, 28),
        "c59f468a2f672dc815687fe0f83887768d799fd8a3f3276145d20f83aa44d888",
    ),
    "train_labels": (
        "train-labels-idx1-ubyte.gz",
        (60000,),
        "bad3541b69d912435c50bb6ba87bec294ff4f6a2e1246121d8633921760443d9",
    ),
    "test_images": (
        "t10k-images-idx3-ubyte.gz",
        (10000, 28, 28),
        "5b4141f0afbad91edebe8549f8fcffe087ea10ca49f1dbef5c9a5cd8815ce37b",
    ),
    "test_labels": (
        "t10k-labels-idx1-ubyte.gz",
        (10000,),
        "0402a96d92fd2663957122ceb108a494c5af83dab82d92729df917d7dec38c34",
    ),
}

DEBIAN_DIR = Path("/usr/share/datasets/fashion-mnist")
CACHE_NAME = "fashion-mnist.npz"
VALID_SIZE = 5_000
QUICK_SIZES = {"train": 2_000, "valid": 500, "test": 500}  # stratified: equal per class
QUICK_ENV = "COURSE_QUICK"
DOWNLOAD_TIMEOUT_S = 30


class DataError(RuntimeError):
    """Fashion-MNIST could not be found or failed verification."""


@dataclass(frozen=True)
class Split:
    """A dataset's training, validation and test sets, each (images, labels), and its class names."""

    train: tuple[np.ndarray, np.ndarray]
    valid: tuple[np.ndarray, np.ndarray]
    test: tuple[np.ndarray, np.ndarray]
    class_names: tuple[str, ...]

    _fields = ("train", "valid", "test")
    pixels = "pixels in [0, 1]"  # how the repr describes the images

    def __repr__(self):
        sizes = ", ".join(f"{name}={len(getattr(self, name)[1]):,}" for name in self._fields)
        return f"{type(self).__name__}({sizes}, {self.pixels})"


@dataclass(frozen=True, repr=False)
class FashionMNIST(Split):
    """The book's split: 55,000 train, 5,000 validation, 10,000 test; pixels in [0, 1]."""

    class_names: tuple[str, ...] = CLASS_NAMES


def quick_mode() -> bool:
    """True when ``COURSE_QUICK`` asks for the small, fast subset."""
    return os.environ.get(QUICK_ENV, "").strip().lower() not in ("", "0", "false", "no")


def full_or_quick(full, quick):
    """``full`` in full mode, ``quick`` in quick mode: a setting (epochs, a grid) that quick mode shrinks so that the
    code runs in seconds."""
    return quick if quick_mode() else full


def cache_dir() -> Path:
    """Folder of the local cache: ``$COURSE_DATA_DIR`` or ``data/`` at the project root."""
    override = os.environ.get("COURSE_DATA_DIR")
    return Path(override) if override else Path(__file__).resolve().parents[1] / "data"


def load_fashion_mnist(quick: bool | None = None) -> FashionMNIST:
    """Fashion-MNIST in the book's split; a stratified subset in quick mode."""
    arrays = load_raw_arrays()
    data = split_and_scale(arrays)
    use_quick = quick_mode() if quick is None else quick
    return quick_subset(data, QUICK_SIZES) if use_quick else data


def split_and_scale(arrays: dict[str, np.ndarray]) -> FashionMNIST:
    """Hold out the last 5,000 training images for validation and scale pixels to [0, 1]."""
    X_full = arrays["train_images"].astype(np.float32) / 255.0
    y_full = arrays["train_labels"].astype(np.int64)
    X_test = arrays["test_images"].astype(np.float32) / 255.0
    y_test = arrays["test_labels"].astype(np.int64)
    return FashionMNIST(
        train=(X_full[:-VALID_SIZE], y_full[:-VALID_SIZE]),
        valid=(X_full[-VALID_SIZE:], y_full[-VALID_SIZE:]),
        test=(X_test, y_test),
    )


def quick_subset(data: Split, sizes: dict[str, int]) -> Split:
    """Keep the first images of each class, the same count per class, in their original order."""
    n_classes = len(data.class_names)
    parts = {name: stratified_head(*getattr(data, name), sizes[name], n_classes) for name in data._fields}
    return type(data)(**parts, class_names=data.class_names)


def stratified_head(X: np.ndarray, y: np.ndarray, size: int, n_classes: int) -> tuple[np.ndarray, np.ndarray]:
    """The first ``size // n_classes`` samples of every class, kept in dataset order."""
    per_class = size // n_classes
    keep = np.sort(np.concatenate([np.flatnonzero(y == k)[:per_class] for k in range(n_classes)]))
    return X[keep], y[keep]


# --- sources -----------------------------------------------------------------------------


def load_raw_arrays() -> dict[str, np.ndarray]:
    """The four verified uint8 arrays, from the first source that has them, cached on success."""
    failures = []
    for source in (from_cache, from_idx_folder(cache_dir(), "local files"), from_keras, from_debian):
        try:
            arrays = source()
        except DataError as error:
            failures.append(str(error))
            continue
        if source is not from_cache:
            if (cache_dir() / CACHE_NAME).exists():  # it failed verification: say so, then replace it
                print(f"note: {failures[0]}; replaced it with a verified copy", file=sys.stderr)
            save_cache(arrays)
        return arrays
    raise DataError(not_found_message(failures))


def from_cache() -> dict[str, np.ndarray]:
    """Arrays from the cache's .npz file, verified."""
    path = cache_dir() / CACHE_NAME
    if not path.exists():
        raise DataError(f"local cache: no {path}")
    try:
        with np.load(path, allow_pickle=False) as npz:
            arrays = {part: npz[part] for part in IDX_FILES}
    except (OSError, ValueError, KeyError, zipfile.BadZipFile, zlib.error, EOFError) as error:
        raise DataError(f"local cache: {path} is unreadable ({error}); delete it and run `make data`") from None
    verify_arrays(arrays, origin=str(path))
    return arrays


def from_idx_folder(folder: Path, label: str):
    """A source reading the four original ``*-ubyte.gz`` files from ``folder``."""

    def source() -> dict[str, np.ndarray]:
        paths = {part: folder / name for part, (name, _, _) in IDX_FILES.items()}
        missing = [p.name for p in paths.values() if not p.exists()]
        if missing:
            raise DataError(f"{label}: {folder} lacks {', '.join(missing)}")
        return {part: read_idx_gz(path, part) for part, path in paths.items()}

    source.__name__ = f"from_idx_folder({label})"
    return source


def from_debian() -> dict[str, np.ndarray]:
    """Arrays from Debian's ``dataset-fashion-mnist`` (re-gzipped, so only content is checked)."""
    if not DEBIAN_DIR.exists():
        raise DataError(f"Debian package dataset-fashion-mnist: not installed (no {DEBIAN_DIR})")
    return from_idx_folder(DEBIAN_DIR, "Debian package dataset-fashion-mnist")()


def from_keras() -> dict[str, np.ndarray]:
    """Arrays from the Keras download (cached by Keras under ~/.keras/datasets)."""
    import keras

    previous = socket.getdefaulttimeout()
    socket.setdefaulttimeout(DOWNLOAD_TIMEOUT_S)  # fail fast where the network hangs
    try:
        (X_train, y_train), (X_test, y_test) = keras.datasets.fashion_mnist.load_data()
    except Exception as error:  # Keras wraps network and file errors in plain Exception
        first_line = str(error).splitlines()[0] if str(error) else type(error).__name__
        raise DataError(f"Keras download: failed ({first_line})") from None
    finally:
        socket.setdefaulttimeout(previous)
    arrays = dict(train_images=X_train, train_labels=y_train, test_images=X_test, test_labels=y_test)
    verify_arrays(arrays, origin="the Keras download")
    return arrays


def save_cache(arrays: dict[str, np.ndarray]) -> Path:
    """Write verified arrays to the cache atomically, so a crash never leaves half a file."""
    path = cache_dir() / CACHE_NAME
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(path.name + ".partial.npz")
    np.savez_compressed(partial, **arrays)
    partial.replace(path)
    return path


def not_found_message(failures: list[str]) -> str:
    """The error text: every source tried, and every remedy."""
    tried = "\n".join(f"  - {failure}" for failure in failures)
    names = ", ".join(name for name, _, _ in IDX_FILES.values())
    return (
        "Fashion-MNIST is not available. Sources tried:\n"
        f"{tried}\n"
        "Any one of these fixes it:\n"
        "  - with internet access, run `make data` (Keras downloads the dataset);\n"
        "  - on Debian or Ubuntu, run `sudo apt-get install dataset-fashion-mnist`, then `make data`;\n"
        f"  - copy the original files ({names}) into {cache_dir()}\n"
        "    (or point COURSE_DATA_DIR at a folder holding them), then `make data`."
    )


# --- verification ------------------------------------------------------------------------


def read_idx_gz(path: Path, part: str) -> np.ndarray:
    """Decompress and verify one IDX file; raise DataError if it is truncated or altered."""
    try:
        with gzip.open(path, "rb") as stream:
            content = stream.read()
    except (OSError, EOFError, zlib.error) as error:
        raise DataError(f"{path} is corrupt or truncated ({error}); replace it") from None
    check_sha256(content, part, origin=str(path))
    _, shape, _ = IDX_FILES[part]
    header = idx_header(shape)
    return np.frombuffer(content, dtype=np.uint8, offset=len(header)).reshape(shape)


def verify_arrays(arrays: dict[str, np.ndarray], origin: str) -> None:
    """Check each array's shape, dtype and content against the published files."""
    for part, (_, shape, _) in IDX_FILES.items():
        array = arrays[part]
        if array.dtype != np.uint8 or array.shape != shape:
            raise DataError(
                f"{origin}: {part} has shape {array.shape} and dtype {array.dtype}, "
                f"expected {shape} uint8; delete it and run `make data`"
            )
        check_sha256(idx_header(shape) + np.ascontiguousarray(array).tobytes(), part, origin)


def check_sha256(content: bytes, part: str, origin: str) -> None:
    """Raise DataError unless ``content`` is exactly the published IDX file for ``part``."""
    name, _, expected = IDX_FILES[part]
    actual = hashlib.sha256(content).hexdigest()
    if actual != expected:
        raise DataError(
            f"{origin}: content of {name} does not match its published checksum "
            f"(sha256 {actual[:12]}…, expected {expected[:12]}…): the file is corrupt or truncated"
        )


def idx_header(shape: tuple[int, ...]) -> bytes:
    """The IDX header for an unsigned-byte array of this shape."""
    return struct.pack(">HBB", 0, 0x08, len(shape)) + struct.pack(f">{len(shape)}I", *shape)


def main() -> int:
    """Fetch, verify and cache the data; print what was cached, or every remedy."""
    try:
        data = load_fashion_mnist(quick=False)
    except DataError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    print(f"Fashion-MNIST verified and cached in {cache_dir() / CACHE_NAME}: {data!r}")
    return 0
