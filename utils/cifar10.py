"""CIFAR-10, verified, from the first source that has it.

Sources, in order: the course's cache (``data/cifar-10-batches-py`` or under ``$COURSE_DATA_DIR``),
the folder Keras extracts its download into (``~/.keras/datasets``), then the Keras download
itself. The cache holds the seven original files of the "python version" of CIFAR-10; each is
checked against its published MD5 sum (of the decompressed file) before it is unpickled, and
the unpickler accepts nothing but NumPy arrays and plain values.
"""

import hashlib
import io
import os
import pickle
import shutil
import socket
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from utils.data import DOWNLOAD_TIMEOUT_S, Split, cache_dir, quick_mode, quick_subset

CLASS_NAMES = ("airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck")
FOLDER = "cifar-10-batches-py"
# MD5 of each decompressed file of cifar-10-python.tar.gz, as published with the dataset (and in torchvision).
FILES = {
    "data_batch_1": "c99cafc152244af753f735de768cd75f",
    "data_batch_2": "d4bba439e000b95fd0a9bffe97cbabec",
    "data_batch_3": "54ebc095f3ab1f0389bbae665268c751",
    "data_batch_4": "634d18415352ddfa80567beed471001a",
    "data_batch_5": "482c414d41f54cd18b22e5b47cb7c3cb",
    "test_batch": "40351d587109b95175f43aff81a1287e",
}
TRAIN_BATCHES = tuple(f"data_batch_{k}" for k in range(1, 6))
VALID_SIZE = 5_000
QUICK_SIZES = {"train": 2_000, "valid": 500, "test": 500}  # stratified: equal per class


class CIFAR10Error(RuntimeError):
    """CIFAR-10 could not be found or failed verification."""


@dataclass(frozen=True, repr=False)
class CIFAR10(Split):
    """45,000 train, 5,000 validation, 10,000 test images of 32×32×3 pixels in [0, 1]."""

    class_names: tuple[str, ...] = CLASS_NAMES
    pixels = "32×32×3 pixels in [0, 1]"


def load_cifar10(quick: bool | None = None, download: bool = True) -> CIFAR10:
    """CIFAR-10 with the last 5,000 training images held out for validation; a stratified subset in quick mode.

    ``download=False`` skips the Keras download (about 170 MB): only the caches are tried.
    """
    folder = verified_folder(download)
    X_full, y_full = read_batches(folder, TRAIN_BATCHES)
    X_test, y_test = read_batches(folder, ("test_batch",))
    data = CIFAR10(
        train=(X_full[:-VALID_SIZE], y_full[:-VALID_SIZE]),
        valid=(X_full[-VALID_SIZE:], y_full[-VALID_SIZE:]),
        test=(X_test, y_test),
    )
    use_quick = quick_mode() if quick is None else quick
    return quick_subset(data, QUICK_SIZES) if use_quick else data


def cifar10_available(download: bool = True) -> bool:
    """True when some source gives verified CIFAR-10 (with ``download``, it may download it)."""
    try:
        verified_folder(download)
    except CIFAR10Error:
        return False
    return True


# --- sources -----------------------------------------------------------------------------


def verified_folder(download: bool = True) -> Path:
    """The course's cache folder, holding the six verified batch files; filled from Keras where needed."""
    cache = cache_dir() / FOLDER
    failures = []
    for source in (lambda: cache, keras_folder, keras_download if download else skipped_download):
        try:
            folder = source()
            problems = check_folder(folder)
        except CIFAR10Error as error:
            failures.append(str(error))
            continue
        if problems:
            failures.append(problems)
            continue
        if folder != cache:
            copy_into_cache(folder, cache)
        return cache
    raise CIFAR10Error(not_found_message(failures))


def keras_folder() -> Path:
    """The folder Keras extracted an earlier download into, if any."""
    home = Path(os.environ.get("KERAS_HOME", Path.home() / ".keras")) / "datasets"
    for folder in (home / "cifar-10-batches-py-target" / FOLDER, home / FOLDER):
        if folder.exists():
            return folder
    raise CIFAR10Error(f"Keras's cache: no {FOLDER} under {home}")


def keras_download() -> Path:
    """Download CIFAR-10 with Keras (about 170 MB), then return the folder it extracted."""
    import keras

    previous = socket.getdefaulttimeout()
    socket.setdefaulttimeout(DOWNLOAD_TIMEOUT_S)  # fail fast where the network hangs
    try:
        keras.datasets.cifar10.load_data()
    except Exception as error:  # Keras wraps network and file errors in plain Exception
        first_line = str(error).splitlines()[0] if str(error) else type(error).__name__
        raise CIFAR10Error(f"Keras download: failed ({first_line})") from None
    finally:
        socket.setdefaulttimeout(previous)
    return keras_folder()


def skipped_download() -> Path:
    """The download, when the caller asked not to download."""
    raise CIFAR10Error("Keras download: not attempted (download=False)")


def copy_into_cache(folder: Path, cache: Path) -> None:
    """Copy the verified batch files into the course's cache, atomically per file."""
    cache.mkdir(parents=True, exist_ok=True)
    for name in FILES:
        partial = cache / f"{name}.partial"
        shutil.copyfile(folder / name, partial)
        partial.replace(cache / name)


def not_found_message(failures: list[str]) -> str:
    """The error text: every source tried, and every remedy."""
    tried = "\n".join(f"  - {failure}" for failure in failures)
    return (
        "CIFAR-10 is not available. Sources tried:\n"
        f"{tried}\n"
        "Any one of these fixes it:\n"
        "  - with internet access, run `python -c 'import utils; utils.load_cifar10()'` (Keras downloads it);\n"
        "  - download cifar-10-python.tar.gz from https://www.cs.toronto.edu/~kriz/cifar.html elsewhere, and\n"
        f"    extract its folder {FOLDER} into {cache_dir()} (or point COURSE_DATA_DIR at its parent folder);\n"
        "  - or use the notebooks' Fashion-MNIST fallback, which needs nothing more."
    )


# --- verification ------------------------------------------------------------------------


def check_folder(folder: Path) -> str:
    """'' when ``folder`` holds the six batch files with their published checksums; else what is wrong."""
    missing = [name for name in FILES if not (folder / name).exists()]
    if missing:
        return f"{folder}: lacks {', '.join(missing)}"
    for name, expected in FILES.items():
        actual = hashlib.md5((folder / name).read_bytes(), usedforsecurity=False).hexdigest()
        if actual != expected:
            return (f"{folder / name}: its content does not match the published checksum (md5 {actual[:12]}…, "
                    f"expected {expected[:12]}…): the file is corrupt or truncated; delete it")
    return ""


def read_batches(folder: Path, names) -> tuple[np.ndarray, np.ndarray]:
    """Images (N, 32, 32, 3) as float32 in [0, 1] and labels (N,) as int64, from verified batch files."""
    images, labels = [], []
    for name in names:
        try:
            batch = SafeUnpickler(io.BytesIO((folder / name).read_bytes()), encoding="bytes").load()
            images.append(np.asarray(batch[b"data"], dtype=np.uint8).reshape(-1, 3, 32, 32).transpose(0, 2, 3, 1))
            labels.append(np.asarray(batch[b"labels"], dtype=np.int64))
        except (pickle.UnpicklingError, EOFError, KeyError, TypeError, ValueError) as error:
            raise CIFAR10Error(f"{folder / name} is not a CIFAR-10 batch file ({error}); delete it") from None
    return np.concatenate(images).astype(np.float32) / 255.0, np.concatenate(labels)


class SafeUnpickler(pickle.Unpickler):
    """Unpickle NumPy arrays and plain values only: a batch file cannot run code."""

    ALLOWED = {("numpy.core.multiarray", "_reconstruct"), ("numpy._core.multiarray", "_reconstruct"),
               ("numpy", "ndarray"), ("numpy", "dtype"),
               ("_codecs", "encode")}  # how Python 3 writes bytes at protocol 2: it only encodes a string

    def find_class(self, module, name):
        if (module, name) not in self.ALLOWED:
            raise pickle.UnpicklingError(f"a CIFAR-10 batch file may not refer to {module}.{name}")
        if module == "numpy.core.multiarray" and hasattr(np, "_core"):  # the original files' name, before NumPy 2
            module = "numpy._core.multiarray"  # where NumPy 2 keeps it, without the deprecation warning
        return super().find_class(module, name)
