"""Test helper: a local Dask cluster of two worker processes on 127.0.0.1."""

import contextlib


@contextlib.contextmanager
def local_dask_client():
    """A ``distributed.Client`` of a ``LocalCluster`` with 2 single-threaded
    worker processes on the loopback address, closed on exit."""
    from distributed import Client, LocalCluster

    with (
        LocalCluster(
            n_workers=2,
            threads_per_worker=1,
            processes=True,
            host="127.0.0.1",
            dashboard_address=None,
        ) as cluster,
        Client(cluster) as client,
    ):
        yield client
