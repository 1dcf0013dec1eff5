"""Side-by-side benchmarks of sknn-estimators against plain Keras and its peers.

Run ``make bench`` (or ``python -m benchmarks.run --help``); see
``benchmarks/README.md``.
"""
