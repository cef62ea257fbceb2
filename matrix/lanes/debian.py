"""Making and unmaking lanes with apt and debootstrap: PyPy on the host, the Debian sid root."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import time
from pathlib import Path
from typing import IO, Sequence

from matrix.lanes.discover import host_pypy_lane, lane_version
from matrix.lanes.model import (
    APT_NO_VALID_UNTIL,
    HOST_MARKER_NAME,
    HOST_PYPY,
    HOST_PYPY_LANE,
    HOST_PYPY_PACKAGES,
    MARKER_NAME,
    SID_BASE_PACKAGES,
    SID_INTERPRETERS,
    SID_OPTIONAL_PACKAGES,
    SID_SUITE,
    Lane,
    LaneError,
    Progress,
    lane_scratch_dir,
    lanes_dir,
    root_state,
    sid_lane_name,
    sid_root,
    write_marker,
)
from matrix.lanes.mounts import ensure_mounted, mounts_under, safe_rmtree, unmount_all
from matrix.lanes.rootconfig import chroot, chroot_env, configure_root, debian_mirror, sync_ca_certificates
from matrix.lanes.system import last_line, require_root, run, say, stamp, warn


def apt_env() -> dict[str, str]:
    env = dict(os.environ)
    env["DEBIAN_FRONTEND"] = "noninteractive"
    return env


def _apt_install_host(packages: Sequence[str], log: IO[str]) -> None:
    """``apt-get install`` on the host, running ``apt-get update`` if the first try fails."""
    cmd = ["apt-get", "install", "-y", "--no-install-recommends", *list(packages)]
    if run(cmd, env=apt_env(), log=log).returncode == 0:
        return
    run(["apt-get", "update"], env=apt_env(), log=log)
    if run(cmd, env=apt_env(), log=log).returncode != 0:
        raise LaneError(f"apt-get install {' '.join(packages)} failed (log: {log.name})")


def _open_log(tag: str) -> IO[str]:
    logs = lanes_dir() / "logs"
    logs.mkdir(parents=True, exist_ok=True)
    return (logs / f"{tag}-{time.strftime('%Y%m%d-%H%M%S')}.log").open("w", encoding="utf-8")


def _host_pypy_ok() -> bool:
    if host_pypy_lane() is None:
        return False
    proc = run([HOST_PYPY, "-c", "import ensurepip, venv"], timeout=120)
    return proc.returncode == 0


def install_host_pypy(progress: Progress = print) -> None:
    """Install Debian's PyPy (and its venv support) on the host with apt."""
    if _host_pypy_ok():
        say(progress, f"{HOST_PYPY_LANE}: already installed ({HOST_PYPY})")
        return
    require_root("installing pypy3 with apt-get")
    if shutil.which("apt-get") is None:
        raise LaneError("apt-get not found: cannot install pypy3 on this host")
    had_pypy = host_pypy_lane() is not None
    start = time.monotonic()
    say(progress, f"{HOST_PYPY_LANE}: apt-get install {' '.join(HOST_PYPY_PACKAGES)}")
    with _open_log("host-pypy3") as log:
        _apt_install_host(HOST_PYPY_PACKAGES, log)
    if not _host_pypy_ok():
        raise LaneError(f"{HOST_PYPY} does not work after apt-get install")
    seconds = round(time.monotonic() - start, 1)
    marker = lanes_dir() / HOST_MARKER_NAME
    marker.write_text(
        json.dumps(
            {"installed_by_mp_matrix": not had_pypy, "packages": list(HOST_PYPY_PACKAGES), "seconds": seconds}
        )
        + "\n",
        encoding="utf-8",
    )
    say(progress, f"{HOST_PYPY_LANE}: installed in {seconds} s")


def _find_debootstrap() -> str | None:
    found = shutil.which("debootstrap")
    if found:
        return found
    for cand in ("/usr/sbin/debootstrap", "/sbin/debootstrap"):
        if Path(cand).is_file():
            return cand
    return None


_NOISY = re.compile(
    r"^I: (Retrieving|Validating|Extracting|Unpacking|Configuring) "
    r"(?!the |required |base )\S+( \S+)?(\.\.\.)?\s*$"
)


def _stream(cmd: Sequence[str], log: IO[str], progress: Progress, prefix: str, env: dict[str, str]) -> int:
    """Run ``cmd``, logging everything and echoing the stage lines via ``progress``."""
    log.write(stamp("$ " + " ".join(cmd)) + "\n")
    log.flush()
    proc = subprocess.Popen(list(cmd), stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env)
    assert proc.stdout is not None
    quiet = 0
    last_beat = time.monotonic()
    for line in proc.stdout:
        log.write(line)
        text = line.rstrip()
        if _NOISY.match(text):
            quiet += 1
            if time.monotonic() - last_beat > 20:
                say(progress, f"{prefix}: ... {quiet} package steps so far ({text[3:]})")
                last_beat = time.monotonic()
            continue
        if text:
            say(progress, f"{prefix}: {text}")
            last_beat = time.monotonic()
    return proc.wait()


def _ensure_debootstrap(progress: Progress, log: IO[str]) -> str:
    debootstrap = _find_debootstrap()
    if debootstrap is not None:
        return debootstrap
    say(progress, "sid: debootstrap not found; apt-get install debootstrap")
    try:
        _apt_install_host(["debootstrap"], log)
    except LaneError:
        raise LaneError("debootstrap is not installed and apt-get could not install it") from None
    debootstrap = _find_debootstrap()
    if debootstrap is None:
        raise LaneError("debootstrap is still missing after apt-get install debootstrap")
    return debootstrap


def _install_optional_packages(root: Path, progress: Progress, log: IO[str]) -> list[str]:
    """apt-get install those of SID_OPTIONAL_PACKAGES that the archive has."""
    env = chroot_env()
    say(progress, "sid: apt-get update inside the root")
    if run(chroot(root, ["apt-get", "-o", APT_NO_VALID_UNTIL, "update"]), env=env, log=log).returncode != 0:
        raise LaneError(f"apt-get update inside {root} failed (log: {log.name})")
    extras = []
    for pkg in SID_OPTIONAL_PACKAGES:
        show = run(chroot(root, ["apt-cache", "show", "--no-all-versions", pkg]), env=env)
        if show.returncode == 0 and show.stdout.strip():
            extras.append(pkg)
        else:
            say(progress, f"sid: {pkg} is not in the archive; skipping it")
    if extras:
        say(progress, f"sid: apt-get install {' '.join(extras)}")
        cmd = ["apt-get", "-o", APT_NO_VALID_UNTIL, "install", "-y", "--no-install-recommends", *extras]
        if run(chroot(root, cmd), env=env, log=log).returncode != 0:
            raise LaneError(f"apt-get install {' '.join(extras)} inside {root} failed (log: {log.name})")
    run(chroot(root, ["apt-get", "clean"]), env=env, log=log)
    return extras


def _build_sid_root(root: Path, progress: Progress, log: IO[str]) -> dict[str, object]:
    debootstrap = _ensure_debootstrap(progress, log)
    mirror = debian_mirror()
    include = ",".join(SID_BASE_PACKAGES + SID_INTERPRETERS)
    say(progress, f"sid: debootstrap --variant=minbase --include={include} {SID_SUITE} {root} {mirror}")
    start = time.monotonic()
    rc = _stream(
        [debootstrap, "--variant=minbase", f"--include={include}", SID_SUITE, str(root), mirror],
        log,
        progress,
        "sid: debootstrap",
        apt_env(),
    )
    debootstrap_seconds = round(time.monotonic() - start, 1)
    if rc != 0:
        raise LaneError(
            f"debootstrap of {SID_SUITE} from {mirror} failed with exit code {rc} (log: {log.name})"
        )
    say(progress, f"sid: debootstrap done in {debootstrap_seconds} s")

    configure_root(root, mirror)
    ensure_mounted(root)
    sync_ca_certificates(root, log)
    extras = _install_optional_packages(root, progress, log)

    interpreters = []
    versions: dict[str, str] = {}
    for interp in SID_INTERPRETERS:
        lane = Lane(sid_lane_name(interp), ("chroot", str(root), f"/usr/bin/{interp}"), root)
        if not lane.host_path(lane.interpreter).exists():
            warn(f"sid: {interp} is missing from the root")
            continue
        versions[interp] = lane_version(lane)
        interpreters.append(interp)
        say(progress, f"sid: {lane.name}: {versions[interp]}")
    if not interpreters:
        raise LaneError(f"no interpreter works inside {root}")
    lane_scratch_dir(Lane("sid", ("chroot",), root))
    return {
        "suite": SID_SUITE,
        "mirror": mirror,
        "interpreters": interpreters,
        "versions": versions,
        "extra_packages": extras,
        "debootstrap_seconds": debootstrap_seconds,
    }


def install_sid(progress: Progress = print) -> None:
    """Build the sid root with debootstrap (skipped when it is already complete)."""
    root = sid_root()
    state = root_state(root)
    if state == "complete":
        say(progress, f"sid: already installed ({root})")
        return
    require_root("building the sid root (debootstrap, mount, chroot)")
    if state == "partial":
        say(progress, f"sid: {root} is half-made (no {MARKER_NAME}); unmounting and deleting it")
        unmount_all(root)
        safe_rmtree(root)
    start = time.monotonic()
    root.parent.mkdir(parents=True, exist_ok=True)
    with _open_log("sid") as log:
        try:
            info = _build_sid_root(root, progress, log)
        finally:
            # Never leave mounts behind (debootstrap's own or ours), failed or not;
            # discover_lanes/test mount again on demand.
            unmount_all(root)
    info["total_seconds"] = round(time.monotonic() - start, 1)
    info["created"] = time.strftime("%Y-%m-%dT%H:%M:%S%z")
    write_marker(root, info)  # the very last step: only now is the root "complete"
    say(progress, f"sid: installed in {info['total_seconds']} s ({root})")


def remove_sid(progress: Progress) -> None:
    root = sid_root()
    if not os.path.lexists(str(root)) and not mounts_under(root):
        return
    if mounts_under(root):
        require_root(f"unmounting {root}")
        say(progress, f"sid: unmounting {len(mounts_under(root))} mount(s) under {root}")
        unmount_all(root)
    say(progress, f"sid: deleting {root}")
    safe_rmtree(root)


def remove_host_pypy(progress: Progress) -> None:
    """Purge pypy3 from the host only when ``install`` put it there."""
    host_marker = lanes_dir() / HOST_MARKER_NAME
    if not host_marker.is_file():
        return
    try:
        info = json.loads(host_marker.read_text(encoding="utf-8"))
    except ValueError:
        info = {}
    if isinstance(info, dict) and info.get("installed_by_mp_matrix"):
        require_root("apt-get purge pypy3")
        say(progress, f"{HOST_PYPY_LANE}: apt-get purge {' '.join(HOST_PYPY_PACKAGES)}")
        proc = run(["apt-get", "purge", "-y", *HOST_PYPY_PACKAGES], env=apt_env())
        if proc.returncode != 0:
            raise LaneError(f"apt-get purge failed: {last_line(proc.stdout + proc.stderr)}")
    else:
        say(progress, f"{HOST_PYPY_LANE}: pypy3 was on the host before; leaving it")
    host_marker.unlink()
