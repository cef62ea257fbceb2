"""The platform probe: a stdlib-only script each interpreter runs on itself (Python 3.6+).

It prints one JSON object. The default start method is read without fixing it in a way that
matters (the probe is its own throw-away process): ``get_start_method(allow_none=True)`` is None in
a fresh process, and then ``get_start_method()`` reports the platform default -- on every version
(on 3.6/3.7 ``get_all_start_methods()[0]`` is not always the default, so it is not used for that).
"""

from __future__ import annotations

PROBE_SOURCE = r"""
import json, os, platform, sys, sysconfig
out = {}
try:
    impl = platform.python_implementation()
    out["implementation"] = impl.lower()
    out["version"] = "%d.%d.%d" % tuple(sys.version_info[:3])
    if impl == "PyPy":
        p = sys.pypy_version_info
        out["implementation_version"] = "%d.%d.%d" % (p.major, p.minor, p.micro)
    else:
        out["implementation_version"] = out["version"]
    out["build"] = " ".join(sys.version.split())
    out["executable"] = sys.executable
    out["platform"] = sys.platform
    out["release"] = platform.release()
    if hasattr(sys, "_is_gil_enabled"):
        out["gil"] = bool(sys._is_gil_enabled())
    else:
        out["gil"] = not bool(sysconfig.get_config_var("Py_GIL_DISABLED"))
    import multiprocessing
    chosen = multiprocessing.get_start_method(allow_none=True)
    out["default_start_method"] = chosen if chosen is not None else multiprocessing.get_start_method()
    methods = []
    for m in multiprocessing.get_all_start_methods():
        try:
            multiprocessing.get_context(m)
        except ValueError:
            continue
        methods.append(m)
    out["start_methods"] = methods
except Exception as exc:
    out["error"] = "%s: %s" % (type(exc).__name__, exc)
sys.stdout.write(json.dumps(out) + "\n")
"""
