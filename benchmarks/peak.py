"""Run a Python module or script, then report its peak memory (VmHWM) to $PEAK_FILE.

    python peak.py -m stalindeck --db X status
    python peak.py anki_side.py open COLLECTION
    python peak.py -c "import stalindeck.cli"

`wait4`'s peak RSS would count the memory of the parent a child was forked from, before it
exec'd; VmHWM is the process's own high-water mark.
"""

from __future__ import annotations

import atexit
import os
import runpy
import sys


def _report() -> None:
    target = os.environ.get("PEAK_FILE")
    if not target:
        return
    with open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                with open(target, "w", encoding="ascii") as out:
                    out.write(line.split()[1])  # kB


atexit.register(_report)
if sys.argv[1] == "-c":
    code, sys.argv = sys.argv[2], ["-c", *sys.argv[3:]]
    exec(compile(code, "<string>", "exec"), {"__name__": "__main__"})
elif sys.argv[1] == "-m":
    sys.argv = sys.argv[2:]
    runpy.run_module(sys.argv[0], run_name="__main__", alter_sys=True)
else:
    sys.argv = sys.argv[1:]
    runpy.run_path(sys.argv[0], run_name="__main__")
