"""Which worker a process is and where it writes, from the real config (no TensorFlow)."""

import json

import pytest

from tests.conftest import compose_config
from ticket_triage.distribution.local_workers import _parse, tf_config, worker_arguments
from ticket_triage.distribution.worker import Worker, worker_config
from ticket_triage.errors import ConfigError
from ticket_triage.local_servers import free_ports


def test_local_workers_form_one_cluster_on_distinct_free_ports():
    ports = free_ports(3)
    assert len(set(ports)) == 3
    configs = [json.loads(tf_config(ports, index)) for index in range(3)]
    assert all(c["cluster"] == configs[0]["cluster"] for c in configs)
    assert [c["task"]["index"] for c in configs] == [0, 1, 2]
    workers = [Worker.current("multi_worker", {"TF_CONFIG": tf_config(ports, i)}) for i in range(3)]
    assert [w.chief for w in workers] == [True, False, False]
    assert {w.count for w in workers} == {3}


def test_a_chief_task_is_the_chief_and_worker_0_is_not_then():
    cluster = {"chief": ["a:1"], "worker": ["b:2", "c:3"]}

    def as_task(kind, index):
        task = {"type": kind, "index": index}
        return Worker.current(
            "multi_worker", {"TF_CONFIG": json.dumps({"cluster": cluster, "task": task})}
        )

    assert as_task("chief", 0).chief and not as_task("worker", 0).chief
    assert as_task("chief", 0).count == 3


def test_without_multi_worker_or_tf_config_the_process_is_the_chief_alone():
    environ = {"TF_CONFIG": tf_config([1, 2], 1)}
    assert Worker.current("mirrored", environ) == Worker()
    assert Worker.current("multi_worker", {}) == Worker()


def test_a_broken_tf_config_is_one_clear_error():
    with pytest.raises(ConfigError, match="TF_CONFIG is not a cluster and task"):
        Worker.current("multi_worker", {"TF_CONFIG": '{"cluster": {}}'})


def test_a_non_chief_worker_writes_in_its_own_folder_and_not_to_mlflow(tmp_path):
    cfg = compose_config("train", [f"paths.models_dir={tmp_path}/models"])
    assert worker_config(cfg, Worker()) is cfg
    other = worker_config(cfg, Worker(index=1, count=2, chief=False))
    scratch = tmp_path / "models-backup" / "worker-1"
    assert other.paths.models_dir == str(scratch / "models")
    assert other.paths.reports_dir == str(scratch / "reports")
    assert other.paths.backup_dir == str(scratch / "backup")
    assert other.tracking.enabled is False
    assert cfg.tracking.enabled is True  # the chief's config is left alone


def test_every_distribution_choice_composes():
    for choice in ("none", "mirrored", "multi_worker"):
        assert compose_config("train", [f"distribution={choice}"]).distribution.name == choice


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        (["loop=graph"], ["ours", "loop=graph"]),
        (["-m", "loop=fit,graph"], ["-m", "ours", "loop=fit,graph"]),
        (["-cn", "train", "loop=graph", "-m"], ["-cn", "train", "ours", "loop=graph", "-m"]),
        (["--multirun"], ["--multirun", "ours"]),
        (["distribution=multi_worker", "hydra.run.dir=x"], ["ours"]),
    ],
)
def test_worker_arguments_keep_the_users_order_and_flags(given, expected):
    ours = [
        "distribution=multi_worker",
        "hydra.run.dir=out/worker-1",
        "hydra.sweep.dir=out/worker-1",
    ]
    arguments = worker_arguments(given, "out", 1)
    at = expected.index("ours")
    assert arguments == [*expected[:at], *ours, *expected[at + 1 :]]


def test_local_workers_refuse_another_distribution(capsys):
    with pytest.raises(SystemExit):
        _parse(["2", "distribution=mirrored"])
    assert "always train with distribution=multi_worker, not distribution=mirrored" in (
        capsys.readouterr().err
    )
