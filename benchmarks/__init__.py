"""asv benchmarks against plain Keras and peers (``make bench``; README.md)."""
