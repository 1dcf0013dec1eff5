"""``python -m sknn_estimators``: the ``sknn-estimators`` command."""

import sys

from sknn_estimators._cli import main

if __name__ == "__main__":
    sys.exit(main())
