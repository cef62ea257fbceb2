"""What a Debian root takes from the host: the mirror, name resolution, apt and pip settings and
the extra CAs the host trusts (safe to repeat, for install and for every venv build).
"""

from __future__ import annotations

import configparser
import os
import shutil
from pathlib import Path
from typing import IO, Sequence

from matrix.lanes.model import DEFAULT_MIRROR, MIRROR_ENV, SID_SUITE, Lane, LaneError, lane_env
from matrix.lanes.system import last_line, run


def _parse_sources(text: str) -> list[str]:
    """Debian archive URIs (not security) from a sources.list or deb822 .sources file."""
    uris = []
    for raw in text.splitlines():
        line = raw.strip()
        if line.startswith("URIs:"):
            uris.extend(line[len("URIs:") :].split())
        elif line.startswith("deb "):
            parts = [p for p in line.split()[1:] if not p.startswith("[")]
            if parts:
                uris.append(parts[0])
    return [u for u in uris if "/debian" in u and "security" not in u]


def debian_mirror() -> str:
    """``$MP_MATRIX_DEBIAN_MIRROR``, else the host's Debian mirror, else deb.debian.org."""
    explicit = os.environ.get(MIRROR_ENV, "")
    if explicit:
        return explicit
    files = sorted(Path("/etc/apt/sources.list.d").glob("*.sources")) + sorted(
        Path("/etc/apt/sources.list.d").glob("*.list")
    )
    files.append(Path("/etc/apt/sources.list"))
    for path in files:
        try:
            uris = _parse_sources(path.read_text(encoding="utf-8", errors="replace"))
        except OSError:
            continue
        if uris:
            return uris[0].rstrip("/")
    return DEFAULT_MIRROR


def host_pip_settings() -> dict[str, str]:
    """Index settings from the host's pip config and ``PIP_*`` env (to copy into roots).

    Only the keys that make sense inside another root are taken: a host file
    path (constraints, find-links) would not exist there.
    """
    keys = ("index-url", "extra-index-url", "trusted-host", "timeout", "retries", "proxy")
    found: dict[str, str] = {}
    home = Path.home()
    xdg = os.environ.get("XDG_CONFIG_HOME") or str(home / ".config")
    files = [
        "/etc/xdg/pip/pip.conf",
        "/etc/pip.conf",
        str(home / ".pip" / "pip.conf"),
        str(Path(xdg) / "pip" / "pip.conf"),
    ]
    if os.environ.get("PIP_CONFIG_FILE"):
        files.append(os.environ["PIP_CONFIG_FILE"])
    for name in files:
        parser = configparser.ConfigParser(interpolation=None)
        try:
            parser.read(name, encoding="utf-8")
        except (configparser.Error, OSError):
            continue
        for section in ("global", "install"):
            if parser.has_section(section):
                for key in keys:
                    if parser.has_option(section, key):
                        found[key] = parser.get(section, key).strip()
    for key in keys:
        env_key = "PIP_" + key.upper().replace("-", "_")
        if os.environ.get(env_key):
            found[key] = os.environ[env_key]
    for key in ("index-url", "extra-index-url"):
        # file:// indexes and plain paths are host dirs: not there inside a root.
        urls = [u for u in found.get(key, "").split() if u.startswith(("http://", "https://"))]
        if urls:
            found[key] = " ".join(urls)
        else:
            found.pop(key, None)
    return found


def configure_root(root: Path, mirror: str) -> None:
    """Network, apt and pip config inside the root (safe to repeat)."""
    etc = root / "etc"
    for name in ("resolv.conf", "hosts"):
        src = Path("/etc") / name
        dst = etc / name
        if src.is_file():
            if dst.is_symlink():
                dst.unlink()
            shutil.copyfile(str(src), str(dst))
    apt_conf = etc / "apt" / "apt.conf.d" / "99mp-matrix"
    apt_conf.parent.mkdir(parents=True, exist_ok=True)
    # The archive we reach is a snapshot: its Release file may look expired.
    apt_conf.write_text(
        'Acquire::Check-Valid-Until "false";\nAPT::Install-Recommends "false";\n', encoding="utf-8"
    )
    (etc / "apt" / "sources.list").write_text(f"deb {mirror} {SID_SUITE} main\n", encoding="utf-8")
    lines = ["[global]", "disable-pip-version-check = true"]
    for key, value in sorted(host_pip_settings().items()):
        lines.append(f"{key} = {value}")
    (etc / "pip.conf").write_text("\n".join(lines) + "\n", encoding="utf-8")


HOST_LOCAL_CAS = Path("/usr/local/share/ca-certificates")


def sync_ca_certificates(root: Path, log: IO[str] | None = None) -> None:
    """Trust inside the root the extra CAs the host trusts (e.g. a TLS-inspecting proxy).

    The host's local CAs (``/usr/local/share/ca-certificates``) are copied in and
    ``update-ca-certificates`` is run in the chroot, so the root's own
    /etc/ssl/certs bundle (which SSL_CERT_FILE, REQUESTS_CA_BUNDLE, pip and apt
    use) has them.  Does nothing when the copies are already up to date.
    """
    if not HOST_LOCAL_CAS.is_dir():
        return
    dest = root / "usr" / "local" / "share" / "ca-certificates" / "mp-matrix-host"
    changed = False
    for src in sorted(HOST_LOCAL_CAS.rglob("*.crt")):
        rel = src.relative_to(HOST_LOCAL_CAS)
        target = dest / rel
        data = src.read_bytes()
        if not target.is_file() or target.read_bytes() != data:
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(data)
            changed = True
    if changed or not (root / "etc" / "ssl" / "certs" / "ca-certificates.crt").is_file():
        proc = run(chroot(root, ["update-ca-certificates"]), env=chroot_env(), log=log)
        if proc.returncode != 0:
            raise LaneError(f"update-ca-certificates inside {root} failed: {last_line(proc.stderr)}")


def chroot(root: Path, args: Sequence[str]) -> list[str]:
    return ["chroot", str(root), *list(args)]


def chroot_env() -> dict[str, str]:
    return lane_env(Lane("sid", ("chroot",), Path("/")))
