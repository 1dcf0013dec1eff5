"""Run one call on a hostile file in a child Python, with bounded memory and time.

The hostile-file suites (IDX files here; saved models next) use it so that a
case that allocates without limit or blocks fails its test instead of taking
the machine or the test run with it. The child has an address-space limit, its
own empty TMPDIR and a timeout; it reports the exception it got and its own
peak resident memory. Not imported by ``conftest``.
"""

import json
import os
import subprocess
import sys
import textwrap
from dataclasses import dataclass
from pathlib import Path

#: Address-space limit of the child (virtual memory, bytes).
ADDRESS_SPACE_LIMIT = 4 * 1024**3
#: Seconds the child may run; a hang fails the case.
TIMEOUT = 60
_REPOSITORY = Path(__file__).resolve().parents[1]

_CHILD = """
import json, resource, sys, traceback
limit = int(sys.argv[1])
resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
report = {"raised": None, "message": None, "classes": []}
try:
    exec(compile(sys.argv[2], "<hostile case>", "exec"), {})
except BaseException as exc:
    report.update(
        raised=type(exc).__name__,
        message=str(exc),
        classes=[cls.__name__ for cls in type(exc).__mro__],
        traceback=traceback.format_exc(),
    )
# The peak resident memory of this program (VmHWM, kept per address space and
# so started afresh by exec). Not ru_maxrss: Linux carries that over from the
# forked parent, so a child of a large test process would report its size.
with open("/proc/self/status", encoding="ascii") as status:
    peak = [line.split()[1] for line in status if line.startswith("VmHWM:")]
peak_kib = int(peak[0])
report["max_rss_bytes"] = peak_kib * 1024
print("HOSTILE-REPORT " + json.dumps(report))
"""


@dataclass
class ChildResult:
    """What the child did: the exception it raised (None if none), its message
    and classes, its peak resident memory, the files it left in its TMPDIR,
    whether it timed out, and its exit code and output."""

    raised: str | None
    message: str | None
    exception_classes: list
    max_rss_bytes: int | None
    tmp_leftovers: list
    timed_out: bool
    returncode: int | None
    output: str

    def raised_value_error_naming(self, path):
        """True if the child raised a ValueError whose message names ``path``."""
        named = str(path) in (self.message or "")
        return "ValueError" in self.exception_classes and named


def run_in_child(code, tmp_path, *, timeout=TIMEOUT, limit=ADDRESS_SPACE_LIMIT):
    """Run Python ``code`` in a child process under the limits; a ChildResult.

    ``code`` is executed in a fresh namespace and may import this checkout.
    The child's TMPDIR, also its working folder, is a new empty folder under
    ``tmp_path``.
    """
    tmpdir = Path(tmp_path) / "child-tmp"
    tmpdir.mkdir(parents=True)
    env = {
        **os.environ,
        "PYTHONPATH": str(_REPOSITORY),
        "TMPDIR": str(tmpdir),
        "OMP_NUM_THREADS": "1",
        "OPENBLAS_NUM_THREADS": "1",
    }
    command = [sys.executable, "-c", _CHILD, str(limit), textwrap.dedent(code)]
    try:
        done = subprocess.run(
            command,
            capture_output=True,
            text=True,
            env=env,
            cwd=tmpdir,
            timeout=timeout,
        )
    except subprocess.TimeoutExpired as exc:
        output = (exc.stdout or b"").decode() if isinstance(exc.stdout, bytes) else ""
        return ChildResult(None, None, [], None, _leftovers(tmpdir), True, None, output)
    report = {}
    for line in done.stdout.splitlines():
        if line.startswith("HOSTILE-REPORT "):
            report = json.loads(line.removeprefix("HOSTILE-REPORT "))
    return ChildResult(
        report.get("raised"),
        report.get("message"),
        report.get("classes", []),
        report.get("max_rss_bytes"),
        _leftovers(tmpdir),
        False,
        done.returncode,
        done.stdout + done.stderr,
    )


def _leftovers(folder):
    return sorted(str(path.relative_to(folder)) for path in folder.rglob("*"))
