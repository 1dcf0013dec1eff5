"""Print pip constraints that pin each dependency of pyproject.toml to the
oldest version its lower bound allows (``make test-min``).

``name>=X.Y.Z`` becomes ``name==X.Y.Z``; ``name>=X.Y`` becomes
``name~=X.Y.0``, the oldest minor release with its newest patch (TensorFlow
has no 2.16.0, for example). The extras named as arguments are read too.
Runs on any Python the project supports (no tomllib before 3.11).
"""

import re
import sys
from pathlib import Path

text = Path("pyproject.toml").read_text()
lists = ["dependencies", *sys.argv[1:]]
requirements = []
for name in lists:
    pattern = rf"^{re.escape(name)} = \[(.*?)^\]"
    block = re.search(pattern, text, re.MULTILINE | re.DOTALL)
    requirements += re.findall(r'^\s*"([^"]+)"', block[1], re.MULTILINE)
for requirement in requirements:
    found = re.match(r"([A-Za-z0-9_.-]+)\s*>=\s*([0-9.]+)", requirement)
    if found:
        name, version = found.groups()
        pin = "==" if version.count(".") >= 2 else "~="
        print(f"{name}{pin}{version if pin == '==' else version + '.0'}")
