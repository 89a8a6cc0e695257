"""Running the flywheel's heavy stages beyond one machine (no Dagster here).

``ray_pool.RaySandboxPool`` is the sandbox pool of ``pipelines.sandbox`` spread over a Ray cluster:
the same ``map``/``run``/``isolation``/``close`` the render, repair and expansion stages call, so a
stage does not know whether its figures render in local warm workers or in one warm
:class:`~pipelines.sandbox.Sandbox` per Ray node. Ray is the optional ``ray`` extra."""
