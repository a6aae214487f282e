"""Run one submission's code in a bubblewrap sandbox (``bwrap``, Debian's package ``bubblewrap``).

Inside, the submission sees the system's programs and libraries (of ``/etc``, only what they read: no
secrets), the course's Python environment, its ``utils/`` and ``tools/`` and the data cache, all read-only;
its own notebook, read-only; and a throwaway home, temporary folder and course folder (for the figures and
models a notebook saves). It sees no other
file of the machine: no other submission, no output folder, no ``solutions/``, no ``.git``. It has no
network, its own process tree (no grader to see in ``/proc``), no capabilities, and every process it
started dies with it. Nothing it writes survives it: what it has to say comes out on its standard output,
which the grader reads as untrusted data, up to a size.

Limits: wall-clock time; memory and processes, watched by the grader, which kills the whole sandbox when
it goes over; the size of any file it writes and of its output.
"""

import contextlib
import os
import resource
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import psutil

ROOT = Path(__file__).resolve().parents[1]
COURSE_FILES = ("utils", "tools", "data", "pyproject.toml")  # what the notebooks read of the course
SYSTEM = ("/usr", "/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32", "/opt")
# Of /etc, what programs and libraries read, and nothing secret (no shadow, no keys): the submission runs with the
# owner's rights on what it can see, and the grader may run as root.
ETC = ("ld.so.cache", "ld.so.conf", "ld.so.conf.d", "nsswitch.conf", "passwd", "group", "hosts", "host.conf",
       "resolv.conf", "localtime", "timezone", "ssl", "ca-certificates", "fonts", "mime.types", "alternatives",
       "os-release", "debian_version", "protocols", "services", "gai.conf", "matplotlibrc", "python3.11")
INSIDE = Path("/grading")  # where the submission's own files appear
MEMORY_BYTES = 8 * 2**30  # resident memory of the sandbox's processes together
TASKS = 256  # its processes and threads together (a TensorFlow kernel uses a few dozen)
FILE_BYTES = 2**30  # any one file it writes
TMP_BYTES = 2 * 2**30  # each of its writable folders (memory-backed)
OUTPUT_BYTES = 64 * 2**20  # what it may print: the executed notebook and its outputs
WATCH_S = 0.25
UNPRIVILEGED: str | None = None  # without bwrap, as root: run the submission as this user (Gradescope's container)
UNPRIVILEGED_GROUP = "nogroup"


@dataclass
class Outcome:
    """What came out of a sandbox: its exit code, its output (bytes, capped), and why it was stopped, if it was."""

    returncode: int | None
    stdout: bytes
    stderr: str
    stopped: str = ""


def bwrap() -> str | None:
    """The path of bubblewrap, if this machine has it and it can make a sandbox here; else None."""
    path = shutil.which("bwrap")
    if path is None:
        return None
    trial = subprocess.run(
        [path, "--unshare-all", "--die-with-parent", "--ro-bind", "/", "/", "--", "true"],
        capture_output=True, timeout=30,
    )
    return path if trial.returncode == 0 else None


def risk_without_sandbox() -> str:
    """What an instructor takes on by grading without a sandbox, in words to print loudly."""
    return (
        "WARNING: bubblewrap (bwrap) is not available here, so each submission runs UNSANDBOXED, as you, "
        "with your files and network. A hostile submission can read other submissions and solutions/, change "
        "the course's checks or Python environment for the submissions after it, change grades.csv after the "
        "run, or harm this machine. Install bubblewrap (Debian/Ubuntu: sudo apt-get install bubblewrap) and "
        "grade again; or grade only on a machine you can throw away."
    )


def command(bwrap_path: str, submission: Path, argv: list[str], env: dict[str, str]) -> list[str]:
    """The bwrap command that runs ``argv`` with ``submission`` (a folder) read-only at /grading."""
    args = [bwrap_path, "--unshare-all", "--unshare-user", "--uid", "1000", "--gid", "1000",
            "--die-with-parent", "--new-session", "--clearenv"]
    for folder in SYSTEM:
        if os.path.islink(folder):
            args += ["--symlink", os.readlink(folder), folder]
        elif os.path.isdir(folder):
            args += ["--ro-bind", folder, folder]
    for name in ETC:
        if os.path.lexists(f"/etc/{name}"):
            args += ["--ro-bind", f"/etc/{name}", f"/etc/{name}"]
    args += ["--proc", "/proc", "--dev", "/dev", "--size", str(TMP_BYTES), "--tmpfs", "/tmp",
             "--size", str(TMP_BYTES), "--tmpfs", str(ROOT)]
    for prefix in sorted({os.path.realpath(sys.base_prefix), sys.prefix}):  # the Python, the course's environment
        args += ["--ro-bind", prefix, prefix]
    for name in COURSE_FILES:
        if (ROOT / name).exists():
            args += ["--ro-bind", str(ROOT / name), str(ROOT / name)]
    data = env.get("COURSE_DATA_DIR")
    if data and os.path.isdir(data):
        args += ["--ro-bind", data, data]
    args += ["--ro-bind", str(submission), str(INSIDE), "--dir", "/tmp/home", "--dir", "/tmp/work",
             "--chdir", "/tmp/work"]
    for name, value in env.items():
        args += ["--setenv", name, value]
    return [*args, "--", *argv]


def limit_resources() -> None:
    """In the child before it starts bwrap: no core dumps, no file bigger than FILE_BYTES."""
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    resource.setrlimit(resource.RLIMIT_FSIZE, (FILE_BYTES, FILE_BYTES))


def run(argv: list[str], submission: Path, env: dict[str, str], limit: float, bwrap_path: str | None) -> Outcome:
    """Run ``argv`` on ``submission`` (a folder) in a sandbox (or, with no bwrap, as a plain process in a folder
    of its own), for at most ``limit`` seconds; its output read as it comes, up to OUTPUT_BYTES."""
    with tempfile.TemporaryDirectory(prefix="grading-", ignore_cleanup_errors=True) as scratch:
        inside_env = {"PATH": "/usr/local/bin:/usr/bin:/bin", "LANG": "C.UTF-8", **env}
        if bwrap_path:
            full = command(bwrap_path, submission, argv, {**inside_env, "HOME": "/tmp/home", "TMPDIR": "/tmp"})
            process_env, cwd = {}, scratch
        else:
            full, process_env, cwd = argv, {**os.environ, **inside_env, "HOME": scratch}, scratch
            if UNPRIVILEGED:  # it may write in its folder only
                os.chmod(scratch, 0o777)
                os.chmod(submission, 0o755)
                full = ["setpriv", f"--reuid={UNPRIVILEGED}", f"--regid={UNPRIVILEGED_GROUP}", "--clear-groups",
                        "--", *argv]
        process = subprocess.Popen(full, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                   env=process_env, cwd=cwd, preexec_fn=limit_resources, start_new_session=True)
        stopped: list[str] = []
        out, err = bytearray(), bytearray()
        readers = [threading.Thread(target=_read, args=(process.stdout, out, OUTPUT_BYTES, stopped, process)),
                   threading.Thread(target=_read, args=(process.stderr, err, 64 * 1024, None, process))]
        for reader in readers:
            reader.start()
        deadline = time.monotonic() + limit
        while process.poll() is None:
            if time.monotonic() > deadline:
                _stop(process, stopped, f"stopped after the time limit of {limit:.0f} s")
            elif (over := _over_limits(process.pid)) is not None:
                _stop(process, stopped, over)
            time.sleep(WATCH_S)
        _stop(process, [], "")  # whatever it left behind, when no sandbox ended it
        for reader in readers:
            reader.join()
        return Outcome(process.returncode, bytes(out), err.decode("utf-8", "replace"), stopped[0] if stopped else "")


def _read(stream, into: bytearray, cap: int, stopped: list | None, process) -> None:
    """Read ``stream`` into ``into`` until it ends; past ``cap`` bytes, stop the sandbox (stdout) or drop (stderr)."""
    while chunk := stream.read(65536):
        if len(into) + len(chunk) > cap:
            if stopped is not None:
                _stop(process, stopped, f"printed more than {cap // 2**20} MB")
                return
            continue
        into += chunk


def _over_limits(pid: int) -> str | None:
    """Why the process tree under ``pid`` must stop (too much memory, too many tasks), or None."""
    try:
        tree = [psutil.Process(pid), *psutil.Process(pid).children(recursive=True)]
    except psutil.Error:  # the sandbox has just ended
        return None
    memory = tasks = 0
    for process in tree:
        try:
            with process.oneshot():
                memory += process.memory_info().rss
                tasks += process.num_threads()
        except psutil.Error:  # it ended while being counted: the others still count
            continue
    if memory > MEMORY_BYTES:
        return f"stopped for using more than {MEMORY_BYTES // 2**30} GiB of memory"
    if tasks > TASKS:
        return f"stopped for starting more than {TASKS} processes and threads"
    return None


def _stop(process: subprocess.Popen, stopped: list, why: str) -> None:
    """Kill the process's whole session (the sandbox and all it started), recording ``why`` once."""
    if why and not stopped:
        stopped.append(why)
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(process.pid, signal.SIGKILL)
