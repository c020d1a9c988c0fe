"""The sandbox a tutorial's kernel runs in: what it sees, what it may write, and its limits.

``torch-recipes check`` runs code from tutorials people downloaded, so by default the kernel runs
under bubblewrap (``bwrap``), the tool Flatpak uses, and not with the user's permissions:

- no network: a network namespace holding only its own loopback (the kernel's ZMQ channels are
  Unix sockets in a folder shared with the checker, so they cross the boundary);
- a read-only view of the system (``/usr``, ``/etc``), of the Python installation, and of the
  document's folder; writes only to the private scratch folder, a private ``/tmp`` and an empty
  private ``HOME``, all removed afterwards; the user's home and every other folder are invisible;
- its own PID namespace: the kernel cannot see or signal the checker or any other process;
- limits on each process's memory (``RLIMIT_DATA``), on processes and threads (``RLIMIT_NPROC``)
  and on the size of a file (``RLIMIT_FSIZE``), set with util-linux's ``prlimit``.

``RLIMIT_NPROC`` is not enforced for root, so when the checker runs as root bubblewrap sets the
sandbox up with root's rights and ``setpriv`` then runs the kernel as ``nobody``. Otherwise
bubblewrap runs unprivileged in a user namespace, where the process count is the sandbox's own.
"""

from __future__ import annotations

import errno
import functools
import json
import os
import re
import shutil
import site
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path
from typing import Literal
from urllib.parse import unquote, urlparse

__all__ = ["Denial", "Limits", "Sandbox", "default_limits", "format_size", "parse_size",
           "unavailable"]

# Statuses of a block the sandbox stopped: the limit or the denied operation, by name.
Denial = Literal["memory-limit", "process-limit", "file-size-limit", "network-denied",
                 "write-denied", "hidden-path"]

HOME = "/home/sandbox"
NOBODY = 65534  # the kernel's uid when the checker runs as root
_SYSTEM = ("/usr", "/etc", "/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32")
# Variables that shape how code runs and prints; anything else (tokens, keys) stays outside.
_ENV_NAMES = {"PATH", "LANG", "LANGUAGE", "TZ", "TERM", "MPLBACKEND"}
_ENV_PREFIXES = ("LC_", "PYTHON", "PYDEVD_", "OMP_", "MKL_", "OPENBLAS_", "KMP_", "TORCH",
                 "PYTORCH_", "CUDA_", "NVIDIA_")
_UNITS = {"": 1, "k": 2**10, "m": 2**20, "g": 2**30, "t": 2**40}


@dataclass(frozen=True)
class Limits:
    """Per-process memory in bytes, processes and threads together, and bytes per file."""

    memory: int
    processes: int
    file_size: int


def default_limits(memory: int | None = None) -> Limits:
    """Half of this machine's memory per process, 4 processes or threads per CPU (at least 256),
    1 GiB per file."""
    if memory is None:
        memory = max(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") // 2, 2**30)
    return Limits(memory=memory, processes=max(256, 4 * (os.cpu_count() or 1)),
                  file_size=2**30)


def parse_size(text: str) -> int:
    """Bytes in a size written ``4G``, ``512M``, ``1.5GiB`` or ``1000000``.

    >>> parse_size("4G"), parse_size("512MiB"), parse_size("1.5g")
    (4294967296, 536870912, 1610612736)
    >>> parse_size("lots")
    Traceback (most recent call last):
    ...
    ValueError: expected a size such as 4G, 512M or 1000000 (bytes), got 'lots'
    """
    m = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*([kmgt]?)(?:i?b)?\s*", text, re.IGNORECASE)
    if m is None or float(m.group(1)) <= 0:
        raise ValueError(f"expected a size such as 4G, 512M or 1000000 (bytes), got {text!r}")
    return int(float(m.group(1)) * _UNITS[m.group(2).lower()])


def format_size(n: int) -> str:
    """``4 GiB``, ``512 MiB``: a size as the report prints it."""
    for unit, size in (("TiB", 2**40), ("GiB", 2**30), ("MiB", 2**20), ("KiB", 2**10)):
        if n >= size:
            return f"{n / size:.3g} {unit}"
    return f"{n} bytes"


@functools.cache
def _python_paths() -> tuple[Path, ...]:
    """The folders the kernel's Python needs: its prefixes, site-packages, the folders that
    ``.pth`` files there add, and the project folders of editable installs.

    Not ``sys.path`` itself: its first entry is the checker's script folder or working folder,
    which may be the user's home or ``/tmp``. An editable install's folder comes from its
    ``direct_url.json``.
    """
    found = [sys.prefix, sys.base_prefix, sys.exec_prefix, sys.base_exec_prefix,
             os.path.dirname(os.path.realpath(sys.executable))]
    sites = [*site.getsitepackages(), site.getusersitepackages()]
    found += sites
    for pth in (p for folder in sites if os.path.isdir(folder)
                for p in Path(folder).glob("*.pth")):
        for line in pth.read_text(encoding="utf-8", errors="replace").splitlines():
            if line and not line.startswith(("#", "import")) and os.path.isabs(line.strip()):
                found.append(line.strip())
    for dist in metadata.distributions():
        try:
            info = json.loads(dist.read_text("direct_url.json") or "{}")
        except (OSError, ValueError):
            continue
        if info.get("dir_info", {}).get("editable") and info.get("url", "").startswith("file:"):
            found.append(unquote(urlparse(info["url"]).path))
    return tuple(dict.fromkeys(Path(os.path.realpath(p)) for p in found if os.path.exists(p)))


def _font_cache() -> Path | None:
    """The newest font list matplotlib cached on the host, if any (it holds only font paths)."""
    folder = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "matplotlib"
    found = sorted((p for p in folder.glob("fontlist-v*.json") if os.access(p, os.R_OK)),
                   key=lambda p: p.stat().st_mtime)
    return found[-1] if found else None


def _home_or_above(path: Path) -> bool:
    """Whether mounting ``path`` would show the user's whole home folder."""
    home = Path(os.path.realpath(os.path.expanduser("~")))
    return path == home or path in home.parents


def _under(path: Path, roots: list[Path]) -> bool:
    return any(path == r or r in path.parents for r in roots)


@dataclass
class Sandbox:
    """One document's sandbox: ``readable`` folders (or files) read-only, ``writable`` ones
    read-write, everything else of the host hidden.

    A folder that would show the user's whole home (the home itself, ``/``) is never mounted:
    for a document saved directly in the home folder only the document itself is readable.
    """

    limits: Limits
    readable: list[Path] = field(default_factory=list)
    writable: list[Path] = field(default_factory=list)
    uid: int = field(default_factory=os.getuid)
    # The kernel's user when the checker runs as root. The process limit counts all of a user's
    # processes, so sandboxes that run at the same time (check -j) each need a user of their own.
    kernel_uid: int = NOBODY

    def __post_init__(self) -> None:
        self.readable = [Path(os.path.realpath(p)) for p in self.readable]
        self.writable = [Path(os.path.realpath(p)) for p in self.writable]

    # -- launching ---------------------------------------------------------------------------

    def launch(self, argv: list[str], *, cwd: str, env: dict[str, str],
               writable: list[str] = ()) -> tuple[list[str], dict[str, str]]:
        """The command line and environment that run ``argv`` inside the sandbox in ``cwd``.

        ``writable`` adds folders for this launch (the kernel's connection folder); as root,
        every writable folder and what it holds is handed to the kernel's user.
        """
        rw = self.writable + [Path(os.path.realpath(p)) for p in writable]
        if self.uid == 0:
            for folder in rw:
                for path in [folder, *folder.iterdir()]:
                    os.chown(path, self.kernel_uid, self.kernel_uid, follow_symlinks=False)
        cmd = ["bwrap", *self._namespaces(), *self._mounts(rw), "--chdir", cwd, *self._user(),
               "prlimit", f"--data={self.limits.memory}", f"--nproc={self.limits.processes}",
               f"--fsize={self.limits.file_size}", "--", *argv]
        kept = {k: v for k, v in env.items() if k in _ENV_NAMES or k.startswith(_ENV_PREFIXES)}
        return cmd, {**kept, "HOME": HOME, "TMPDIR": "/tmp", "USER": "sandbox"}

    def _namespaces(self) -> list[str]:
        # As root, bwrap needs no user namespace, and one would map the kernel's user to root.
        user = [] if self.uid == 0 else ["--unshare-user"]
        return [*user, "--unshare-pid", "--unshare-net", "--unshare-ipc", "--unshare-uts",
                "--unshare-cgroup-try", "--die-with-parent", "--new-session"]

    def _user(self) -> list[str]:
        if self.uid != 0:
            return []
        return ["setpriv", f"--reuid={self.kernel_uid}", f"--regid={self.kernel_uid}",
                "--clear-groups", "--no-new-privs", "--inh-caps=-all", "--bounding-set=-all"]

    def _mounts(self, rw: list[Path]) -> list[str]:
        args: list[str] = []
        made: set[Path] = {Path("/")}

        def parents(path: Path) -> None:
            # bwrap makes missing mount points 0700, which the kernel's user could not cross.
            for parent in reversed(path.parents):
                if parent not in made:
                    args.extend(["--perms", "0755", "--dir", str(parent)])
                    made.add(parent)
            made.add(path)

        for name in _SYSTEM:
            if os.path.islink(name):
                args.extend(["--symlink", os.readlink(name), name])
            elif os.path.isdir(name):
                args.extend(["--ro-bind", name, name])
        system = [Path(p) for p in _SYSTEM]
        args.extend(["--dev", "/dev", "--proc", "/proc"])
        for dev in sorted(Path("/dev").glob("nvidia*")):  # a GPU stays usable
            args.extend(["--dev-bind", str(dev), str(dev)])
        size = str(4 * self.limits.file_size)  # room for a few files of the largest size
        # Shared memory (multiprocessing's locks, DataLoader workers) must be writable by the
        # kernel's user, which bwrap's /dev/shm is not when it runs as root.
        for tmp in ("/tmp", "/dev/shm"):
            args.extend(["--perms", "1777", "--size", size, "--tmpfs", tmp])
            made.add(Path(tmp))
        parents(Path(HOME))
        args.extend(["--perms", "0777", "--size", size, "--tmpfs", HOME])
        fonts = _font_cache()
        if fonts:
            # The sandbox's matplotlib would rebuild its font list (a second or so) in every
            # document; the host's list, read-only, in a writable cache folder, saves that.
            cache = f"{HOME}/.cache/matplotlib"
            args.extend(["--perms", "0777", "--dir", f"{HOME}/.cache", "--perms", "0777",
                         "--dir", cache, "--ro-bind", str(fonts), f"{cache}/{fonts.name}"])
        ro: list[Path] = []
        for path in sorted([*_python_paths(), *self.readable], key=lambda p: len(p.parts)):
            if _under(path, system + ro) or _under(path, rw):
                continue
            if _home_or_above(path) or path == Path("/"):
                continue
            parents(path)
            args.extend(["--ro-bind", str(path), str(path)])
            ro.append(path)
        for path in rw:
            parents(path)
            args.extend(["--bind", str(path), str(path)])
        args.extend(["--remount-ro", "/"])
        return args

    def visible(self, path: Path) -> bool:
        """Whether the host's ``path`` is the same file inside the sandbox."""
        shown = [Path(p) for p in _SYSTEM] + list(_python_paths()) + self.readable + self.writable
        return _under(Path(os.path.realpath(path)), shown)

    # -- verdicts ----------------------------------------------------------------------------

    def classify(self, ename: str, evalue: str) -> tuple[Denial, str] | None:
        """The sandbox limit or denial that an exception reports, with the report's reason."""
        text = f"{ename}: {evalue}"
        lim = self.limits
        if ename.endswith("MemoryError") or _NO_MEMORY.search(text):
            return "memory-limit", (f"stopped by the sandbox's memory limit, "
                                    f"{format_size(lim.memory)} per process (--memory)")
        if _NO_PROCESS.search(text):
            return "process-limit", (f"stopped by the sandbox's limit of {lim.processes} "
                                     "processes and threads")
        if f"[Errno {errno.EFBIG}]" in evalue:
            return "file-size-limit", (f"stopped by the sandbox's file size limit, "
                                       f"{format_size(lim.file_size)} per file")
        if _NO_NETWORK.search(text):
            return "network-denied", ("the sandbox has no network: no outside hosts and "
                                      "nothing listening on this machine")
        if f"[Errno {errno.EROFS}]" in evalue:
            return "write-denied", ("writes outside the scratch folder, /tmp and the sandbox's "
                                    "own home are denied")
        m = _PATH_ERROR.search(evalue)
        if m and os.path.isabs(m.group(2)) and os.path.lexists(m.group(2)) \
                and not self.visible(Path(m.group(2))):
            return "hidden-path", f"{m.group(2)} exists outside the sandbox, which hides it"
        return None


_NO_MEMORY = re.compile(r"\[Errno 12\]|Cannot allocate memory|can't allocate memory|"
                        r"Unable to allocate|std::bad_alloc", re.IGNORECASE)
_NO_PROCESS = re.compile(r"\[Errno 11\] Resource temporarily unavailable|"
                         r"can't start new thread|pthread_create failed")
_NO_NETWORK = re.compile(r"\[Errno (?:101|111|113|99|-2|-3|-5)\]|Network is unreachable|"
                         r"Connection refused|Temporary failure in name resolution|"
                         r"Name or service not known|No address associated with hostname")
_PATH_ERROR = re.compile(r"\[Errno (2|13|20)\] [^:]+: '([^']+)'")


@functools.cache
def unavailable() -> str | None:
    """Why the sandbox cannot start here and how to fix it, or ``None`` when it starts.

    Starts the sandbox once (per process) with the kernel's Python, so a missing tool, forbidden
    namespaces or a Python the kernel's user cannot read are all found before any document runs.
    """
    missing = [tool for tool in ("bwrap", "prlimit") + (("setpriv",) if os.getuid() == 0 else ())
               if shutil.which(tool) is None]
    if missing:
        package = "bubblewrap" if "bwrap" in missing else "util-linux"
        return (f"the sandbox needs {', '.join(missing)}, which is not installed: install the "
                f"{package} package (Debian and Ubuntu: apt-get install {package}; Fedora: "
                f"dnf install {package}), or pass --no-sandbox to run the tutorials' code with "
                "all your permissions")
    with tempfile.TemporaryDirectory(prefix="torch-recipes-probe-") as scratch:
        sandbox = Sandbox(default_limits(), writable=[Path(scratch)])
        cmd, env = sandbox.launch([sys.executable, "-c", "import ipykernel"], cwd=scratch,
                                  env=dict(os.environ))
        try:
            done = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=120)
        except (OSError, subprocess.TimeoutExpired) as err:
            return f"the sandbox did not start ({err}); pass --no-sandbox to run without it"
    if done.returncode == 0:
        return None
    detail = (done.stderr or done.stdout).strip().splitlines()[-1:] or ["(no message)"]
    hint = ("the kernel may forbid unprivileged user namespaces: enable them (sysctl "
            "kernel.unprivileged_userns_clone=1; on Ubuntu 23.10 and later also "
            "kernel.apparmor_restrict_unprivileged_userns=0), or in a container allow them "
            "(e.g. docker run --security-opt seccomp=unconfined)")
    if os.getuid() == 0:
        hint = (f"as root the kernel runs as nobody (uid {NOBODY}), which must be able to read "
                f"{sys.executable} and its libraries; in a container, bwrap also needs the "
                "right to create namespaces (e.g. docker run --security-opt seccomp=unconfined)")
    return (f"the sandbox did not start: {detail[0]}; {hint}; or pass --no-sandbox to run the "
            "tutorials' code with all your permissions")
