"""The Fashion-MNIST loader, on tiny fake IDX files: no network, and never the real cache."""

import gzip
import hashlib
import runpy
import socket
import time
from pathlib import Path
from types import SimpleNamespace

import keras
import numpy as np
import pytest

import utils
import utils.data as data
from utils.data import DataError

N_TRAIN, N_TEST, SIDE = 60, 30, 4
FAKE_VALID_SIZE = 20
FAKE_QUICK_SIZES = {"train": 20, "valid": 10, "test": 20}  # 2, 1 and 2 per class

REAL_FROM_KERAS = data.from_keras
REAL_DEBIAN_DIR = data.DEBIAN_DIR
REAL_CACHE = Path(__file__).resolve().parents[1] / "data" / data.CACHE_NAME

KERAS_OFFLINE = "Keras download: failed (no network in tests)"


def tagged_images(n: int, rng) -> np.ndarray:
    """Random images whose pixel (0, 0) holds their index, with one black and one white pixel."""
    images = rng.integers(0, 256, size=(n, SIDE, SIDE), dtype=np.uint8)
    images[:, 0, 0] = np.arange(n)
    images[:, 0, 1] = 255
    images[:, 0, 2] = 0
    return images


def tags(X: np.ndarray) -> np.ndarray:
    """The original index of each scaled image, read back from pixel (0, 0)."""
    return np.rint(X[:, 0, 0] * 255).astype(int)


@pytest.fixture(scope="module")
def fake(tmp_path_factory):
    """Four tiny gzipped IDX files, their arrays, and an IDX_FILES table with their checksums."""
    rng = np.random.default_rng(0)
    per_class = np.arange(10)
    arrays = {
        "train_images": tagged_images(N_TRAIN, rng),
        # 4 per class in the first 40 (train), 2 per class in the last 20 (validation)
        "train_labels": np.concatenate(
            [rng.permutation(np.repeat(per_class, 4)), rng.permutation(np.repeat(per_class, 2))]
        ).astype(np.uint8),
        "test_images": tagged_images(N_TEST, rng),
        "test_labels": rng.permutation(np.repeat(per_class, 3)).astype(np.uint8),
    }
    folder = tmp_path_factory.mktemp("fake-idx")
    idx_files, contents, gz = {}, {}, {}
    for part, (name, _, _) in data.IDX_FILES.items():
        array = arrays[part]
        contents[part] = data.idx_header(array.shape) + array.tobytes()
        gz[part] = gzip.compress(contents[part], mtime=0)
        (folder / name).write_bytes(gz[part])
        idx_files[part] = (name, array.shape, hashlib.sha256(contents[part]).hexdigest())
    return SimpleNamespace(arrays=arrays, idx_files=idx_files, contents=contents, gz=gz, folder=folder)


@pytest.fixture(autouse=True)
def data_dir(monkeypatch, tmp_path):
    """An empty COURSE_DATA_DIR, no Keras download, no Debian package, quick mode off."""
    folder = tmp_path / "data"
    monkeypatch.setenv("COURSE_DATA_DIR", str(folder))
    monkeypatch.delenv(data.QUICK_ENV, raising=False)

    def keras_offline():
        raise DataError(KERAS_OFFLINE)

    monkeypatch.setattr(data, "from_keras", keras_offline)
    monkeypatch.setattr(data, "DEBIAN_DIR", tmp_path / "no-debian-package")
    return folder


@pytest.fixture
def use_fake(fake, monkeypatch):
    """Make the loader expect the fake files, with split sizes to match."""
    monkeypatch.setattr(data, "IDX_FILES", fake.idx_files)
    monkeypatch.setattr(data, "VALID_SIZE", FAKE_VALID_SIZE)
    monkeypatch.setattr(data, "QUICK_SIZES", FAKE_QUICK_SIZES)
    return fake


def put_gz(fake, folder: Path, **replace: bytes) -> dict[str, Path]:
    """Write the four gz files into ``folder``, with ``replace`` overriding some parts' bytes."""
    folder.mkdir(parents=True, exist_ok=True)
    paths = {}
    for part, (name, _, _) in fake.idx_files.items():
        paths[part] = folder / name
        paths[part].write_bytes(replace.get(part, fake.gz[part]))
    return paths


def assert_same_arrays(actual: dict, expected: dict) -> None:
    """Equal keys, dtypes, shapes and values."""
    assert set(actual) == set(expected)
    for part, array in expected.items():
        assert actual[part].dtype == np.uint8
        np.testing.assert_array_equal(actual[part], array)


# --- local files and cache -----------------------------------------------------------------


def test_local_files_give_the_four_arrays(use_fake, data_dir):
    """The original-named .gz files in the data folder are read, shaped and typed right."""
    put_gz(use_fake, data_dir)
    arrays = data.load_raw_arrays()
    assert {part: a.shape for part, a in arrays.items()} == {
        "train_images": (N_TRAIN, SIDE, SIDE),
        "train_labels": (N_TRAIN,),
        "test_images": (N_TEST, SIDE, SIDE),
        "test_labels": (N_TEST,),
    }
    assert_same_arrays(arrays, use_fake.arrays)


def test_first_load_writes_the_cache(use_fake, data_dir):
    """Loading from local files leaves a complete .npz cache and no partial file."""
    put_gz(use_fake, data_dir)
    data.load_raw_arrays()
    with np.load(data_dir / data.CACHE_NAME) as npz:
        assert_same_arrays({part: npz[part] for part in npz.files}, use_fake.arrays)
    assert sorted(p.name for p in data_dir.iterdir() if "partial" in p.name) == []


def test_second_load_reads_the_cache(use_fake, data_dir):
    """With the .gz files gone and no other source, the cache alone serves the data."""
    paths = put_gz(use_fake, data_dir)
    data.load_raw_arrays()
    for path in paths.values():
        path.unlink()
    assert_same_arrays(data.load_raw_arrays(), use_fake.arrays)


def test_debian_package_is_a_source(use_fake, data_dir, monkeypatch, tmp_path):
    """With no cache, no local files and no download, Debian's folder is read and cached."""
    debian = tmp_path / "debian"
    put_gz(use_fake, debian)
    monkeypatch.setattr(data, "DEBIAN_DIR", debian)
    assert_same_arrays(data.load_raw_arrays(), use_fake.arrays)
    assert (data_dir / data.CACHE_NAME).exists()


def test_keras_source_is_verified_and_restores_the_socket_timeout(use_fake, data_dir, monkeypatch):
    """The Keras download is used when its content checks out; the global timeout is restored."""
    a = use_fake.arrays
    monkeypatch.setattr(data, "from_keras", REAL_FROM_KERAS)
    monkeypatch.setattr(
        keras.datasets.fashion_mnist,
        "load_data",
        lambda: ((a["train_images"], a["train_labels"]), (a["test_images"], a["test_labels"])),
    )
    before = socket.getdefaulttimeout()
    assert_same_arrays(data.load_raw_arrays(), a)
    assert socket.getdefaulttimeout() == before
    assert (data_dir / data.CACHE_NAME).exists()


def test_keras_failure_becomes_a_data_error(use_fake, monkeypatch):
    """A failing Keras download is reported by its first line, as a DataError."""
    monkeypatch.setattr(data, "from_keras", REAL_FROM_KERAS)

    def unreachable():
        raise Exception("URL fetch failure: host unreachable\ntraceback details")

    monkeypatch.setattr(keras.datasets.fashion_mnist, "load_data", unreachable)
    with pytest.raises(DataError, match="Keras download: failed") as error:
        data.load_raw_arrays()
    assert "host unreachable" in str(error.value)
    assert "traceback details" not in str(error.value)


# --- split, scale and quick mode -----------------------------------------------------------


@pytest.mark.parametrize("valid_size", [10, 20])
def test_validation_split_follows_valid_size(use_fake, data_dir, monkeypatch, valid_size):
    """The last VALID_SIZE training images become the validation set; test is untouched."""
    monkeypatch.setattr(data, "VALID_SIZE", valid_size)
    put_gz(use_fake, data_dir)
    ds = data.load_fashion_mnist(quick=False)
    assert [len(ds.train[1]), len(ds.valid[1]), len(ds.test[1])] == [N_TRAIN - valid_size, valid_size, N_TEST]
    np.testing.assert_array_equal(tags(ds.train[0]), np.arange(N_TRAIN - valid_size))
    np.testing.assert_array_equal(tags(ds.valid[0]), np.arange(N_TRAIN - valid_size, N_TRAIN))
    np.testing.assert_array_equal(tags(ds.test[0]), np.arange(N_TEST))


def test_pixels_are_float32_in_unit_interval_and_labels_int(use_fake):
    """split_and_scale divides by 255 into float32 and keeps labels as integers."""
    ds = data.split_and_scale(use_fake.arrays)
    for X, y in (ds.train, ds.valid, ds.test):
        assert X.dtype == np.float32
        assert X.min() == 0.0 and X.max() == 1.0
        assert np.issubdtype(y.dtype, np.integer)
    np.testing.assert_allclose(ds.test[0], use_fake.arrays["test_images"] / 255.0, rtol=1e-6)
    np.testing.assert_array_equal(np.concatenate([ds.train[1], ds.valid[1]]), use_fake.arrays["train_labels"])


def assert_stratified_head(ds, full) -> None:
    """Each split keeps the first size // 10 images of every class, in original order."""
    for name in ("train", "valid", "test"):
        X, y = getattr(ds, name)
        X_full, y_full = getattr(full, name)
        per_class = FAKE_QUICK_SIZES[name] // 10
        assert np.bincount(y, minlength=10).tolist() == [per_class] * 10
        kept = tags(X) - tags(X_full)[0]  # positions in the full split
        assert np.all(np.diff(kept) > 0), f"{name} is not in original order"
        np.testing.assert_array_equal(y, y_full[kept])
        for k in range(10):
            np.testing.assert_array_equal(kept[y == k], np.flatnonzero(y_full == k)[:per_class])


def test_quick_argument_gives_stratified_subset(use_fake, data_dir):
    """quick=True keeps equal counts per class, the first of each, in original order."""
    put_gz(use_fake, data_dir)
    full = data.load_fashion_mnist(quick=False)
    assert_stratified_head(data.load_fashion_mnist(quick=True), full)


def test_course_quick_env_gives_stratified_subset(use_fake, data_dir, monkeypatch):
    """COURSE_QUICK=1 turns quick mode on; an explicit quick=False still wins."""
    put_gz(use_fake, data_dir)
    full = data.load_fashion_mnist(quick=False)
    monkeypatch.setenv("COURSE_QUICK", "1")
    assert_stratified_head(data.load_fashion_mnist(), full)
    assert len(data.load_fashion_mnist(quick=False).train[1]) == N_TRAIN - FAKE_VALID_SIZE


@pytest.mark.parametrize(
    ("value", "expected"),
    [("0", False), ("", False), ("false", False), ("no", False), (" False ", False), ("NO", False),
     ("1", True), ("yes", True), ("true", True)],
)  # fmt: skip
def test_quick_mode_parses_the_environment(monkeypatch, value, expected):
    """quick_mode() reads COURSE_QUICK: empty, 0, false and no mean off."""
    monkeypatch.setenv("COURSE_QUICK", value)
    assert data.quick_mode() is expected


def test_quick_mode_is_off_when_unset(monkeypatch):
    """Without COURSE_QUICK, quick mode is off."""
    monkeypatch.delenv("COURSE_QUICK", raising=False)
    assert data.quick_mode() is False


# --- corrupt inputs ------------------------------------------------------------------------


def truncated_gz(fake, part: str) -> bytes:
    """The first half of a gz file."""
    return fake.gz[part][: len(fake.gz[part]) // 2]


def altered_gz(fake, part: str) -> bytes:
    """A valid gz file whose content differs from the original by one payload byte."""
    content = bytearray(fake.contents[part])
    content[-1] ^= 0xFF
    return gzip.compress(bytes(content), mtime=0)


@pytest.mark.parametrize(
    ("make_bad", "words"),
    [(truncated_gz, ("corrupt", "truncated")), (altered_gz, ("checksum",))],
    ids=["truncated", "altered"],
)
@pytest.mark.parametrize("part", ["train_images", "test_labels"])
def test_bad_gz_file_is_reported(use_fake, data_dir, part, make_bad, words):
    """A truncated or altered .gz, as the only source, raises DataError naming the file."""
    paths = put_gz(use_fake, data_dir, **{part: make_bad(use_fake, part)})
    with pytest.raises(DataError) as error:
        data.load_raw_arrays()
    message = str(error.value)
    assert str(paths[part]) in message
    assert all(word in message for word in words), message
    assert not (data_dir / data.CACHE_NAME).exists()


def tampered_cache(fake, path: Path) -> None:
    """A well-formed .npz whose labels differ from the published ones."""
    arrays = dict(fake.arrays, train_labels=(fake.arrays["train_labels"] + 1) % 10)
    np.savez_compressed(path, **arrays)


def misshapen_cache(fake, path: Path) -> None:
    """A well-formed .npz whose test images lost their last row."""
    np.savez_compressed(path, **dict(fake.arrays, test_images=fake.arrays["test_images"][:-1]))


def garbage_cache(fake, path: Path) -> None:
    """A file that is not an .npz at all."""
    path.write_bytes(b"not a numpy file" * 8)


def truncated_cache(fake, path: Path) -> None:
    """The first half of a good .npz, as a crash or a full disk would leave it."""
    np.savez_compressed(path, **fake.arrays)
    path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])


BAD_CACHES = [
    tampered_cache,
    misshapen_cache,
    garbage_cache,
    truncated_cache,
]
BAD_CACHE_IDS = ["tampered", "misshapen", "garbage", "truncated"]


@pytest.mark.parametrize("spoil", BAD_CACHES, ids=BAD_CACHE_IDS)
def test_bad_cache_alone_is_reported(use_fake, data_dir, spoil):
    """A bad cache with no other source raises DataError naming the cache file."""
    data_dir.mkdir()
    spoil(use_fake, data_dir / data.CACHE_NAME)
    with pytest.raises(DataError) as error:
        data.load_raw_arrays()
    assert str(data_dir / data.CACHE_NAME) in str(error.value)


@pytest.mark.parametrize("spoil", BAD_CACHES, ids=BAD_CACHE_IDS)
def test_bad_cache_is_replaced_from_another_source(use_fake, data_dir, spoil, capsys):
    """A bad cache is reported, passed over for a good source, then rewritten with good content."""
    put_gz(use_fake, data_dir)
    spoil(use_fake, data_dir / data.CACHE_NAME)
    assert_same_arrays(data.load_raw_arrays(), use_fake.arrays)
    assert data.CACHE_NAME in capsys.readouterr().err
    assert_same_arrays(data.from_cache(), use_fake.arrays)


# --- nothing available ---------------------------------------------------------------------


def test_no_source_lists_every_source_and_remedy(use_fake, data_dir):
    """With nothing anywhere, one DataError lists the four sources and every remedy, fast."""
    start = time.perf_counter()
    with pytest.raises(DataError) as error:
        data.load_raw_arrays()
    elapsed = time.perf_counter() - start
    message = str(error.value)
    for source in ("local cache", "local files", KERAS_OFFLINE, "Debian package dataset-fashion-mnist"):
        assert source in message
    for remedy in ("make data", "apt-get install dataset-fashion-mnist", "COURSE_DATA_DIR", str(data_dir)):
        assert remedy in message
    for name, _, _ in use_fake.idx_files.values():
        assert name in message
    assert elapsed < 2.0


def test_main_fails_with_remedies_on_stderr(use_fake, capsys):
    """main() returns 1 and prints the remedies to stderr when nothing is available."""
    assert data.main() == 1
    out, err = capsys.readouterr()
    assert out == ""
    assert err.startswith("error: Fashion-MNIST is not available")
    for remedy in ("make data", "apt-get install dataset-fashion-mnist", "COURSE_DATA_DIR"):
        assert remedy in err


def test_main_caches_and_reports(use_fake, data_dir, capsys):
    """main() returns 0, caches the data and says where."""
    put_gz(use_fake, data_dir)
    assert data.main() == 0
    out, err = capsys.readouterr()
    assert str(data_dir / data.CACHE_NAME) in out
    assert f"train={N_TRAIN - FAKE_VALID_SIZE}" in out
    assert (data_dir / data.CACHE_NAME).exists()


def test_python_m_utils_exits_with_main_status(use_fake, capsys):
    """`python -m utils` exits with main()'s status."""
    with pytest.raises(SystemExit) as exit_info:
        runpy.run_module("utils", run_name="__main__")
    assert exit_info.value.code == 1
    assert "make data" in capsys.readouterr().err


# --- the real data -------------------------------------------------------------------------


@pytest.mark.skipif(
    not REAL_DEBIAN_DIR.exists() and not REAL_CACHE.exists(),
    reason="neither the real cache nor Debian's dataset-fashion-mnist is available",
)
def test_real_fashion_mnist(monkeypatch, tmp_path):
    """The real data, in full: the book's split, balanced test set, known first label."""
    folder = tmp_path / "real"
    folder.mkdir()
    if REAL_CACHE.exists():  # a link: rewriting the cache would replace the link, not the file
        (folder / data.CACHE_NAME).symlink_to(REAL_CACHE)
    monkeypatch.setenv("COURSE_DATA_DIR", str(folder))
    monkeypatch.setattr(data, "DEBIAN_DIR", REAL_DEBIAN_DIR)
    ds = utils.load_fashion_mnist(quick=False)
    assert [len(ds.train[1]), len(ds.valid[1]), len(ds.test[1])] == [55_000, 5_000, 10_000]
    assert ds.train[0].shape == (55_000, 28, 28)
    assert np.bincount(ds.test[1], minlength=10).tolist() == [1_000] * 10
    assert ds.train[1][0] == 9
    assert ds.class_names[9] == "Ankle boot"
    assert repr(ds) == "FashionMNIST(train=55,000, valid=5,000, test=10,000, pixels in [0, 1])"
