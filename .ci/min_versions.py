"""Print pip constraints that pin each dependency of pyproject.toml to the
oldest version its lower bound allows (``make test-min``).

``name>=X.Y.Z`` becomes ``name==X.Y.Z``; ``name>=X.Y`` becomes
``name~=X.Y.0``, the oldest minor release with its newest patch (TensorFlow
has no 2.16.0, for example). Extras given as arguments are pinned too.
"""

import re
import sys
import tomllib
from pathlib import Path

project = tomllib.loads(Path("pyproject.toml").read_text())["project"]
requirements = list(project["dependencies"])
for extra in sys.argv[1:]:
    requirements += project["optional-dependencies"][extra]
for requirement in requirements:
    found = re.match(r"([A-Za-z0-9_.-]+)\s*>=\s*([0-9.]+)", requirement)
    if found:
        name, version = found.groups()
        pin = "==" if version.count(".") >= 2 else "~="
        print(f"{name}{pin}{version if pin == '==' else version + '.0'}")
