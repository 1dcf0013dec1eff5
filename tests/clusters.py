"""Test helper: a local Dask cluster of two worker processes on 127.0.0.1."""

import contextlib


@contextlib.contextmanager
def local_dask_client(**cluster_options):
    """A ``distributed.Client`` of a ``LocalCluster`` with 2 single-threaded
    worker processes on the loopback address, closed on exit;
    ``cluster_options`` go to ``LocalCluster`` (e.g. ``memory_limit``)."""
    from distributed import Client, LocalCluster

    with (
        LocalCluster(
            n_workers=2,
            threads_per_worker=1,
            processes=True,
            host="127.0.0.1",
            dashboard_address=":0",
            **cluster_options,
        ) as cluster,
        Client(cluster) as client,
    ):
        yield client
