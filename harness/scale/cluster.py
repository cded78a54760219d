"""Joining Ray: a local instance on this machine's cores, or the cluster ``--ray-address`` names, checked
before any run row exists (an unreachable address, too few CPUs or GPUs, ray missing: one line each)."""

from __future__ import annotations

import os
import socket
from types import ModuleType
from typing import Any

from harness.errors import BadInput, missing_extra
from harness.models.base import ModelBackend
from harness.types import RunConfig

# How long a TCP probe of --ray-address may take: Ray itself retries an unreachable address for minutes.
PROBE_TIMEOUT_S = 5.0


def import_ray() -> ModuleType:
    """The ``ray`` module, or the one-line error naming the extra that installs it."""
    try:
        import ray
    except ImportError:
        raise missing_extra("ray", "ray") from None
    return ray


def connect(config: RunConfig) -> dict[str, float]:
    """Join (or start) Ray once per process and check it can hold ``config.workers`` workers.

    Returns the cluster's resources. A process that has already called ``ray.init`` keeps its instance.
    """
    ray = import_ray()
    if not ray.is_initialized():
        address = config.ray_address or os.environ.get("RAY_ADDRESS")
        if address:
            _join(ray, address)
        else:
            # The machine's cores as Ray counts them (cgroup limits included); workers hold --threads CPUs each.
            ray.init(include_dashboard=False, logging_level="ERROR", log_to_driver=False)
    resources: dict[str, float] = ray.cluster_resources()
    _check_resources(config, resources, _gpus_per_node(ray))
    return resources


def _join(ray: ModuleType, address: str) -> None:
    """``ray.init(address=...)`` after a quick probe: Ray would retry an unreachable address for minutes."""
    if address != "auto":
        host, port = _host_port(address)
        try:
            socket.create_connection((host, port), timeout=PROBE_TIMEOUT_S).close()
        except OSError as exc:
            raise BadInput(
                f"--ray-address {address}: no Ray cluster answers there ({exc.strerror or exc}): "
                "start one with `ray start --head` and pass the address it prints"
            ) from None
    try:
        ray.init(address=address, logging_level="ERROR", log_to_driver=False)
    except Exception as exc:  # ConnectionError, version mismatch, ...: Ray's own words, on one line
        reason = " ".join(str(exc).split())[:300]
        raise BadInput(f"--ray-address {address}: cannot join the Ray cluster ({reason})") from None


def _host_port(address: str) -> tuple[str, int]:
    """HOST and PORT of ``HOST:PORT`` or ``ray://HOST:PORT``."""
    host, sep, port = address.removeprefix("ray://").rpartition(":")
    if not sep or not host or not port.isdigit():
        raise BadInput(
            f"--ray-address {address}: expected HOST:PORT (what `ray start --head` prints), ray://HOST:PORT or auto"
        )
    return host, int(port)


def _gpus_per_node(ray: ModuleType) -> list[float]:
    return [float(node["Resources"].get("GPU", 0)) for node in ray.nodes() if node.get("Alive")]


def worker_cpus(config: RunConfig) -> int:
    """Logical CPUs one worker holds: its torch threads (``--threads``, default 1)."""
    return config.threads or 1


def _check_resources(config: RunConfig, resources: dict[str, Any], gpus_per_node: list[float]) -> None:
    """Workers the cluster can never place would wait forever: refuse them now."""
    workers = config.workers or 1
    cpus, needed = float(resources.get("CPU", 0)), workers * worker_cpus(config)
    if needed > cpus:
        raise BadInput(
            f"--workers {workers}: they need {needed} CPUs (--threads {worker_cpus(config)} each) "
            f"and the Ray cluster has {cpus:g}: lower --workers or --threads, or add nodes"
        )
    gpus = config.gpus_per_worker
    if gpus is None:
        return
    most = max(gpus_per_node, default=0.0)
    if gpus > most:
        raise BadInput(
            f"--gpus-per-worker {gpus:g}: no node of the Ray cluster has that many GPUs (the most is {most:g}): "
            "lower it, or leave it out to evaluate on CPUs"
        )
    total = float(resources.get("GPU", 0))
    if workers * gpus > total:
        raise BadInput(
            f"--workers {workers} --gpus-per-worker {gpus:g}: they need {workers * gpus:g} GPUs "
            f"and the Ray cluster has {total:g}: lower --workers"
        )


def refuse_api_model(model: ModelBackend, spec: str) -> None:
    """API models scale by requests in flight, not by processes."""
    if model.model_kind == "api":
        raise BadInput(
            f"--workers: {spec} is an API model: it scales by requests in flight, not processes: "
            "use --concurrency N instead of --workers"
        )
