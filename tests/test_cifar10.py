"""utils.load_cifar10 on small files in CIFAR-10's own format, which the tests write: good, truncated, corrupt,
missing, hostile. No test touches the network: the Keras download is replaced."""

import hashlib
import os
import pickle

import numpy as np
import pytest

import utils.cifar10 as cifar10
from utils.cifar10 import CIFAR10Error, load_cifar10

PER_BATCH = 20  # images per fake batch file; the real ones hold 10,000


def batch_file(seed: int, n: int = PER_BATCH) -> bytes:
    """A batch in the python version's format: a pickled dict of bytes keys, data as (n, 3072) uint8, rows
    holding the red plane, then the green, then the blue."""
    rng = np.random.default_rng(seed)
    batch = {
        b"batch_label": f"fake batch {seed}".encode(),
        b"labels": [int(label) for label in np.arange(n) % 10],
        b"data": rng.integers(0, 256, size=(n, 3072), dtype=np.uint8),
        b"filenames": [f"image_{seed}_{k}.png".encode() for k in range(n)],
    }
    return pickle.dumps(batch, protocol=2)  # the originals are protocol 2 pickles


@pytest.fixture
def fake(monkeypatch, tmp_path):
    """Six fake batch files with their own checksums; a data cache and a Keras home in tmp_path; no download."""
    contents = {name: batch_file(seed) for seed, name in enumerate(cifar10.FILES)}
    monkeypatch.setattr(cifar10, "FILES", {name: hashlib.md5(data).hexdigest() for name, data in contents.items()})
    monkeypatch.setattr(cifar10, "VALID_SIZE", 10)
    monkeypatch.setattr(cifar10, "QUICK_SIZES", {"train": 30, "valid": 10, "test": 10})
    monkeypatch.setenv("COURSE_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("KERAS_HOME", str(tmp_path / "keras"))
    monkeypatch.delenv("COURSE_QUICK", raising=False)

    def no_network():
        raise CIFAR10Error("Keras download: failed (no network in tests)")

    monkeypatch.setattr(cifar10, "keras_download", no_network)
    return contents


def write(folder, contents):
    """Write the batch files into ``folder``."""
    folder.mkdir(parents=True, exist_ok=True)
    for name, data in contents.items():
        (folder / name).write_bytes(data)


def cache(tmp_path):
    return tmp_path / "data" / cifar10.FOLDER


def test_good_files_give_the_split_with_channels_last(fake, tmp_path):
    """5 batches make 90 train + 10 valid images; pixels are float32 in [0, 1], channels last, labels int64."""
    write(cache(tmp_path), fake)
    data = load_cifar10()
    assert [len(getattr(data, part)[1]) for part in data._fields] == [90, 10, 20]
    X_train, y_train = data.train
    assert X_train.shape == (90, 32, 32, 3) and X_train.dtype == np.float32
    assert X_train.min() >= 0.0 and X_train.max() <= 1.0
    assert y_train.dtype == np.int64 and set(y_train) == set(range(10))
    rows = pickle.loads(fake["data_batch_1"])[b"data"]
    red, green, blue = rows[0, 0], rows[0, 1024], rows[0, 2048]  # the first pixel of each plane
    np.testing.assert_allclose(X_train[0, 0, 0], np.array([red, green, blue]) / 255.0, rtol=1e-6)
    assert data.class_names[0] == "airplane" and "CIFAR10(train=90" in repr(data)


def test_quick_mode_gives_a_stratified_subset(fake, tmp_path, monkeypatch):
    write(cache(tmp_path), fake)
    monkeypatch.setenv("COURSE_QUICK", "1")
    data = load_cifar10()
    assert len(data.train[1]) == 30 and np.bincount(data.train[1]).tolist() == [3] * 10


def test_keras_cache_is_verified_and_copied_into_the_course_cache(fake, tmp_path):
    """Files Keras extracted earlier are used, and copied, so that the next load needs only the course's cache."""
    write(tmp_path / "keras" / "datasets" / "cifar-10-batches-py-target" / cifar10.FOLDER, fake)
    first = load_cifar10()
    assert sorted(p.name for p in cache(tmp_path).iterdir()) == sorted(fake)
    second = load_cifar10()
    np.testing.assert_array_equal(first.test[0], second.test[0])


@pytest.mark.parametrize(
    "spoil, words",
    [
        (lambda data: data[: len(data) // 2], "corrupt or truncated"),  # truncated
        (lambda data: data[:100] + bytes([data[100] ^ 0xFF]) + data[101:], "corrupt or truncated"),  # one byte flipped
        (lambda data: b"", "corrupt or truncated"),
    ],
    ids=["truncated", "corrupt", "empty"],
)
def test_a_bad_file_is_named_with_every_remedy(fake, tmp_path, spoil, words):
    write(cache(tmp_path), {**fake, "data_batch_3": spoil(fake["data_batch_3"])})
    with pytest.raises(CIFAR10Error) as error:
        load_cifar10()
    message = str(error.value)
    assert "data_batch_3" in message and words in message
    assert "cifar-10-python.tar.gz" in message and "Fashion-MNIST fallback" in message


def test_a_bad_cache_is_replaced_from_keras_s_copy(fake, tmp_path):
    write(cache(tmp_path), {**fake, "test_batch": b"not a batch"})
    write(tmp_path / "keras" / "datasets" / cifar10.FOLDER, fake)
    assert len(load_cifar10().test[1]) == PER_BATCH
    assert (cache(tmp_path) / "test_batch").read_bytes() == fake["test_batch"]


def test_nothing_anywhere_lists_every_source(fake):
    with pytest.raises(CIFAR10Error) as error:
        load_cifar10()
    message = str(error.value)
    for source in ("lacks data_batch_1", "Keras's cache", "Keras download: failed"):
        assert source in message
    assert not cifar10.cifar10_available()


def test_download_false_does_not_call_keras(fake, monkeypatch):
    def forbidden():
        raise AssertionError("download attempted")

    monkeypatch.setattr(cifar10, "keras_download", forbidden)
    with pytest.raises(CIFAR10Error, match="not attempted"):
        load_cifar10(download=False)


def test_a_hostile_pickle_with_a_matching_checksum_cannot_run_code(fake, tmp_path, monkeypatch):
    """Even a file whose checksum the loader trusts may only hold arrays and plain values."""

    class Exploit:
        def __reduce__(self):
            return (os.system, ("echo pwned",))

    hostile = pickle.dumps({b"data": Exploit(), b"labels": []}, protocol=2)
    write(cache(tmp_path), {**fake, "test_batch": hostile})
    monkeypatch.setattr(cifar10, "FILES", {**cifar10.FILES, "test_batch": hashlib.md5(hostile).hexdigest()})
    with pytest.raises(CIFAR10Error, match="not a CIFAR-10 batch file"):
        load_cifar10()


def test_files_pickled_before_numpy_2_load_without_a_warning(fake, tmp_path, monkeypatch, recwarn):
    """The originals name numpy.core.multiarray, which NumPy 2 renamed: the loader reads them silently."""
    old_style = {name: data.replace(b"numpy._core.multiarray", b"numpy.core.multiarray") for name, data in fake.items()}
    assert b"numpy.core.multiarray" in old_style["test_batch"]
    write(cache(tmp_path), old_style)
    monkeypatch.setattr(cifar10, "FILES", {name: hashlib.md5(data).hexdigest() for name, data in old_style.items()})
    assert len(load_cifar10().test[1]) == PER_BATCH
    assert not [w for w in recwarn if issubclass(w.category, DeprecationWarning)]


def test_the_real_checksums_are_the_published_ones():
    """The six MD5 sums the loader trusts, as published with the dataset."""
    assert cifar10.FILES["data_batch_1"] == "c99cafc152244af753f735de768cd75f"
    assert cifar10.FILES["test_batch"] == "40351d587109b95175f43aff81a1287e"
    assert len(cifar10.FILES) == 6
