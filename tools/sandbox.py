"""Run one submission's code in a bubblewrap sandbox (``bwrap``, Debian's package ``bubblewrap``).

Inside, the submission sees the system's programs and libraries (of ``/etc``, only what they read: no
secrets), the course's Python environment, its ``utils/`` and ``tools/`` and the data cache, all read-only;
its own notebook, read-only; and a throwaway home, temporary folder and course folder (for the figures and
models a notebook saves). It sees no other
file of the machine: no other submission, no output folder, no ``solutions/``, no ``.git``. It has no
network, its own process tree (no grader to see in ``/proc``), no capabilities, and every process it
started dies with it. Nothing it writes survives it: what it has to say comes out on its standard output,
which the grader reads as untrusted data, up to a size.

Limits: wall-clock time; memory and processes, in a control group of its own where the machine lets the
grader make one (cgroup v1 or v2: the kernel enforces them, and gives each sandbox an equal share of the
processors), and in any case watched by the grader, which kills the whole sandbox when it goes over; the
size of any file it writes and of its output.
"""

import contextlib
import functools
import os
import resource
import secrets
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
MEMORY_BYTES = 8 * 2**30  # resident memory of the sandbox's processes together, as the watch sees it
# The kernel's hold on the sandbox's memory (its files in memory included) sits above the watch's line: at its limit
# the kernel first evicts pages, slowly, before it ends a process, so the watch should see a steady climb first.
MEMORY_HEADROOM = 1.25
TASKS = 256  # its processes and threads together (a TensorFlow kernel uses a few dozen)
FILE_BYTES = 2**30  # any one file it writes
TMP_BYTES = 2 * 2**30  # each of its writable folders (memory-backed)
OUTPUT_BYTES = 64 * 2**20  # what it may print: the executed notebook and its outputs
WATCH_S = 0.25
CGROUPS = Path("/sys/fs/cgroup")
CONTROLLERS = ("pids", "memory", "cpu")  # cpu: no limit, but a group of its own shares the processors equally
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


@functools.cache
def no_nested_namespaces(bwrap_path: str) -> bool:
    """Whether this bubblewrap can forbid the sandbox user namespaces of its own (``--disable-userns``, 0.8 on):
    without that, a submission could mount its control groups afresh and lift the limits written in them."""
    trial = subprocess.run([bwrap_path, "--unshare-all", "--unshare-user", "--disable-userns", "--die-with-parent",
                            "--ro-bind", "/", "/", "--", "true"], capture_output=True, timeout=30)
    return trial.returncode == 0


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
    if no_nested_namespaces(bwrap_path):
        args.append("--disable-userns")
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


class ControlGroup:
    """One sandbox's control groups: the kernel holds its processes and threads to TASKS and its memory (tmpfs
    files included) to MEMORY_BYTES and MEMORY_HEADROOM, and gives it an equal share of the processors. Made under
    the grader's own groups, where it may write them (as root, say); elsewhere it holds nothing, and the watch alone
    limits."""

    def __init__(self):
        self.folders: dict[str, Path] = {}  # controller -> this sandbox's group
        self.versions: dict[str, int] = {}  # controller -> its cgroup version
        self.written: dict[Path, int] = {}  # each limit written, and its value

    @classmethod
    def made(cls) -> "ControlGroup":
        """A new group for each controller this machine lets the grader limit (none, when it may not)."""
        group, name = cls(), f"course-grading-{os.getpid()}-{secrets.token_hex(4)}"
        for controller, parent, version in _parents():
            folder = parent / name
            memory_file = "memory.max" if version == 2 else "memory.limit_in_bytes"
            limits = {"pids": {"pids.max": TASKS}, "memory": {memory_file: int(MEMORY_BYTES * MEMORY_HEADROOM)}}
            try:
                folder.mkdir(exist_ok=True)
                for file, value in limits.get(controller, {}).items():
                    (folder / file).write_text(str(value))
                    group.written[folder / file] = value
            except OSError:  # not ours to write: the watch limits this one
                with contextlib.suppress(OSError):
                    folder.rmdir()
                continue
            group.folders[controller], group.versions[controller] = folder, version
        return group

    def join(self) -> None:
        """In the child before it starts bwrap: enter the groups, so that all it starts is held by them."""
        for folder in set(self.folders.values()):
            with contextlib.suppress(OSError):  # then the watch limits it
                (folder / "cgroup.procs").write_text(str(os.getpid()))

    def exceeded(self) -> str | None:
        """Why the sandbox must stop, when the kernel refused it a process or killed one for memory, or its limits
        are not those written; else None."""
        for path, value in self.written.items():
            with contextlib.suppress(OSError):
                found = path.read_text().strip()
                if not found.isdigit() or int(found) > value + 4096:  # the kernel rounds to pages
                    return f"stopped for changing the limits it runs under ({path.name})"
        if self.events("pids", "pids.events").get("max", 0):
            return f"stopped for starting more than {TASKS} processes and threads"
        memory = self.events("memory", "memory.events" if self.versions.get("memory") == 2 else "memory.oom_control")
        if memory.get("oom_kill", 0):
            return f"stopped for using more than {MEMORY_BYTES // 2**30} GiB of memory"
        return None

    def memory_used(self) -> int | None:
        """What the group holds in memory, less the file pages the kernel may drop at will; None without a group.
        (Unlike a sum of the processes' resident sizes, it counts once the pages that forked processes share.)"""
        folder, version = self.folders.get("memory"), self.versions.get("memory")
        try:
            used = int((folder / ("memory.current" if version == 2 else "memory.usage_in_bytes")).read_text())
        except (TypeError, OSError, ValueError):
            return None
        droppable = "inactive_file" if version == 2 else "total_inactive_file"
        return used - self.events("memory", "memory.stat").get(droppable, 0)

    def events(self, controller: str, file: str) -> dict[str, int]:
        """The counters in a group's events file ({} when there is none)."""
        try:
            lines = (self.folders[controller] / file).read_text().splitlines()
        except (KeyError, OSError):
            return {}
        return {key: int(value) for key, _, value in (line.partition(" ") for line in lines) if value.isdigit()}

    def remove(self) -> None:
        """Remove the groups (and any made in them), once the processes in them have ended."""
        for folder in set(self.folders.values()):
            inner = sorted((path for path in folder.rglob("*") if path.is_dir()), key=lambda path: -len(path.parts))
            for group in [*inner, folder]:
                for _ in range(40):
                    try:
                        group.rmdir()
                        break
                    except FileNotFoundError:
                        break
                    except OSError:  # its last processes are still ending
                        time.sleep(0.05)


def kernel_limits() -> set[str]:
    """The controllers (pids, memory, cpu) under which this machine lets the grader put a sandbox (tried, undone)."""
    path = bwrap()
    if path and not no_nested_namespaces(path):
        return set()
    group = ControlGroup.made()
    group.remove()
    return set(group.folders)


def leftover_groups() -> list[Path]:
    """The control groups this process made for its sandboxes that are still there."""
    return [folder for _, parent, _ in _parents() for folder in parent.glob(f"course-grading-{os.getpid()}-*")]


def _parents() -> list[tuple[str, Path, int]]:
    """(controller, the grader's own group of it, cgroup version) for each controller the machine mounts."""
    try:
        mounts = Path("/proc/self/mountinfo").read_text().splitlines()
        own = {controller: path for line in Path("/proc/self/cgroup").read_text().splitlines()
               for controllers, path in [line.split(":", 2)[1:]] for controller in controllers.split(",")}
    except (OSError, ValueError):
        return []
    found = []
    for line in mounts:
        fields, _, after = line.partition(" - ")
        root, point = fields.split()[3:5]
        kind, _, options = after.split(" ", 2)
        for controller in CONTROLLERS:
            version = 1 if kind == "cgroup" and controller in options.split(",") else 2 if kind == "cgroup2" else 0
            path = own.get(controller if version == 1 else "")
            if version and path is not None and path.startswith(root):
                parent = Path(point) / path[len(root):].lstrip("/")
                if version == 1 or controller in _enabled(parent):
                    found.append((controller, parent, version))
    versions = {controller: min(v for c, _, v in found if c == controller) for controller, _, _ in found}
    return [(c, parent, v) for c, parent, v in found if versions[c] == v]  # a controller mounted as v1 is v1


def _enabled(parent: Path) -> list[str]:
    """The controllers a cgroup v2 group hands down to the groups made under it."""
    try:
        return (parent / "cgroup.subtree_control").read_text().split()
    except OSError:
        return []

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
        # Its own control groups, unless it could lift their limits (a bubblewrap that lets it nest namespaces).
        group = ControlGroup() if bwrap_path and not no_nested_namespaces(bwrap_path) else ControlGroup.made()

        def before_start():
            """In the child: its limits, then its control groups."""
            limit_resources()
            group.join()

        try:
            return _watched(full, process_env, cwd, before_start, limit, group)
        finally:
            group.remove()


def _watched(full: list[str], env: dict, cwd: str, before_start, limit: float, group: ControlGroup) -> Outcome:
    """Start ``full`` and watch it to its end (or stop it): its limits, its time, its output."""
    process = subprocess.Popen(full, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                               env=env, cwd=cwd, preexec_fn=before_start, start_new_session=True)
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
        elif (over := group.exceeded() or _over_limits(process.pid, group)) is not None:
            _stop(process, stopped, over)
        time.sleep(WATCH_S)
    if (over := group.exceeded()) is not None:  # it went over just before it ended
        _stop(process, stopped, over)
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


def _over_limits(pid: int, group: ControlGroup) -> str | None:
    """Why the process tree under ``pid`` must stop (too much memory, too many tasks), or None: its memory as its
    control group counts it, or else the sum of its processes' resident sizes."""
    try:
        tree = [psutil.Process(pid), *psutil.Process(pid).children(recursive=True)]
    except psutil.Error:  # the sandbox has just ended
        return None
    memory, tasks = group.memory_used(), 0
    resident = memory is None
    memory = memory or 0
    for process in tree:
        try:
            with process.oneshot():
                memory += process.memory_info().rss if resident else 0
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
