"""semscan.distributed on a real Dask LocalCluster of 2 process workers; nothing is mocked.

Workers are killed with real signals: ``kill -9`` of a worker process found through the
scheduler, and a "poison" image whose analysis kills its worker every time (the same
``on_result`` hook as tests/report/test_batch_hardening.py uses for the local pool: a real
SIGKILL of the process that analyses a file named ``poison*``).
"""

from __future__ import annotations

import logging
import os
import signal
import sys
import threading
import time
from pathlib import Path

import pandas as pd
import pytest

pytest.importorskip("distributed")

from distributed import Client, LocalCluster

from semscan.config import AnalysisConfig
from semscan.distributed import (
    analyze_distributed,
    distributed_executor,
    parse_scheduler,
)
from semscan.errors import ConfigError
from semscan.pipeline import BatchTask
from semscan.report.batch import run_batch
from tests._synthetic import disc_pores, sem_image, write_fei_tiff

FAST = AnalysisConfig().with_overrides(
    {"classify.enabled": False, "measure.local_thickness": False}
)
TIMING = ("seconds", "time", "timing")  # columns that differ from run to run


def _cluster():
    return LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                        dashboard_address="127.0.0.1:0")


@pytest.fixture(scope="module")
def client():
    with _cluster() as cluster, Client(cluster) as c:
        yield c


@pytest.fixture
def own_client():
    """A cluster of its own, for a test that kills both workers and changes them."""
    with _cluster() as cluster, Client(cluster) as c:
        yield c


def _images(folder: Path, n: int, *, shape=(256, 256)) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    return [
        write_fei_tiff(folder / f"m{i}.tif", sem_image(disc_pores(shape, seed=i), seed=i))
        for i in range(n)
    ]


def _table(out: Path) -> pd.DataFrame:
    frame = pd.read_csv(out / "results.csv")
    keep = [c for c in frame.columns if not any(t in c for t in TIMING)]
    return frame[keep].sort_values("file").reset_index(drop=True)


def kill_on_poison(result):
    """on_result of the tests: a real SIGKILL of the worker analysing a 'poison' file."""
    if "poison" in Path(result.micrograph.path).name:
        os.kill(os.getpid(), signal.SIGKILL)
    return result.to_row()


def test_parse_scheduler():
    assert parse_scheduler("local:3") == ("local", 3)
    assert parse_scheduler("tcp://h:8786") == ("tcp://h:8786", None)
    for bad in ("local:0", "local:x", "myhost"):
        with pytest.raises(ConfigError, match="--scheduler"):
            parse_scheduler(bad)


@pytest.mark.parametrize("upload", [False, True])
def test_results_equal_jobs_1_and_a_rerun_recomputes_nothing(client, tmp_path, upload):
    paths = _images(tmp_path / "lot", 4)
    broken = tmp_path / "lot" / "broken.tif"
    broken.write_bytes(b"II*\x00" + b"\x00" * 50)  # a decode error: fails at once, by name
    tasks = [BatchTask(str(p)) for p in [*paths, broken]]
    local = run_batch(tasks, out_dir=tmp_path / "local", config=FAST, jobs=1)
    out = tmp_path / "dask"
    executor = distributed_executor(client, upload=upload)
    first = run_batch(tasks, out_dir=out, config=FAST, executor=executor)
    assert (first.analysed, first.skipped) == (4, 0)
    assert first.failures == local.failures
    assert first.failures[0][0] == str(broken) and "WorkerDied" not in first.failures[0][1]
    pd.testing.assert_frame_equal(_table(out), _table(tmp_path / "local"))
    assert list(pd.read_csv(out / "failures.csv")["file"]) == [str(broken)]
    for name in ("overlays", "chords", "images"):
        assert sorted(p.name for p in (out / name).iterdir()) == sorted(
            p.name for p in (tmp_path / "local" / name).iterdir())
    again = run_batch(tasks, out_dir=out, config=FAST, executor=executor)
    assert (again.analysed, again.skipped) == (0, 4)  # only the broken file is tried again
    assert [f for f, _ in again.failures] == [str(broken)]
    assert len(client.who_has()) == 0  # nothing left on the cluster


def test_a_poison_image_is_named_in_failures_csv_after_its_retry_alone(client, tmp_path):
    paths = _images(tmp_path / "lot", 2)
    poison = write_fei_tiff(tmp_path / "lot" / "poison.tif", sem_image(disc_pores(seed=9)))
    tasks = [BatchTask(str(p)) for p in [paths[0], poison, paths[1]]]

    starts = tmp_path / "starts.txt"  # each analysis that reached the outputs: its task key

    def poisoned(tasks, *, on_result, **options):
        return analyze_distributed(tasks, client=client,
                                   on_result=_KillOnPoison(on_result, starts), **options)

    summary = run_batch(tasks, out_dir=tmp_path / "out", config=FAST, executor=poisoned)
    assert summary.analysed == 2
    assert [f for f, _ in summary.failures] == [str(poison)]
    failures = pd.read_csv(tmp_path / "out" / "failures.csv")
    assert list(failures["file"]) == [str(poison)]
    error = failures.loc[0, "error"]
    assert error.startswith("WorkerDied: the worker died (worker tcp://")
    assert f"while analysing {poison}, twice (the second time alone)" in error
    (note,) = summary.notes
    assert note.startswith("the worker died (worker tcp://") and str(poison) in note
    assert note.endswith("it is retried alone once")
    table = pd.read_csv(tmp_path / "out" / "results.csv")
    assert sorted(table["name"]) == ["m0.tif", "m1.tif"]
    assert (table["pore_intercept_mean_um"] > 0).all()
    # The scheduler reruns a dead worker's tasks by itself (allowed-failures): such a rerun
    # must not analyse anything (it killed a second worker and its innocent images before).
    keys = starts.read_text().split()
    assert len(keys) == len(set(keys))  # no task key analysed twice
    assert sum("poison" in k for k in keys) == 2  # its first run and its retry alone


def test_an_innocent_queued_behind_the_poison_with_slow_claims(own_client, tmp_path):
    """The flake seen under load, made to happen: m1 queued behind the poison on its
    worker, m1's claim 5 s slow after it takes its token (a loaded worker), and the
    client told of the death 1 s late (a loaded client).

    The scheduler reruns the poison and m1 on the other worker at once, and m1's rerun
    takes its token before the client looks. Before, the client waited 2 s for the token
    to be put back, then took m1 for a suspect, cancelled it (its rerun went on analysing
    it) and retried it alone, beside that rerun: two death notes (the old code failed so
    in 3 runs of the 3 that finished; a fourth hung and was stopped).
    """
    client = own_client
    paths = _images(tmp_path / "lot", 2)
    poison = write_fei_tiff(tmp_path / "lot" / "poison.tif", sem_image(disc_pores(seed=9)))
    tasks = [BatchTask(str(p)) for p in [paths[0], poison, paths[1]]]
    starts = tmp_path / "starts.txt"
    first = sorted(client.nthreads())[0]
    pinned = _PinnedClient(client, first, ("poison", "m1"))

    def poisoned(tasks, *, on_result, **options):
        return analyze_distributed(
            tasks, client=pinned, on_result=_KillOnPoison(on_result, starts, delay_s=2.0),
            **options)

    client.run(_slow_claims, 5.0, "-m1.tif-")
    client.run_on_scheduler(_work_stealing, False)  # m1 stays queued behind the poison
    try:
        summary = run_batch(tasks, out_dir=tmp_path / "out", config=FAST, executor=poisoned)
    finally:
        client.run_on_scheduler(_work_stealing, True)
        client.run(_slow_claims, 0.0)
    assert pinned.pinned == {"poison", "m1"}  # both were queued on the same worker
    assert summary.analysed == 2 and [f for f, _ in summary.failures] == [str(poison)]
    (note,) = summary.notes  # the poison's only: m1 was not taken for a suspect
    assert str(poison) in note
    keys = starts.read_text().split()
    assert len(keys) == len(set(keys))
    assert sum("poison" in k for k in keys) == 2 and sum("m1" in k for k in keys) == 1


class _PinnedClient:
    """A client whose first task for each named file goes to one worker (the scheduler may
    still run it elsewhere: ``allow_other_workers``); the rest is the client's."""

    def __init__(self, client, worker, names):
        self._client, self._worker, self._names = client, worker, names
        self.pinned: set[str] = set()

    def __getattr__(self, name):
        return getattr(self._client, name)

    def subscribe_topic(self, topic, handler):
        """Every event reaches the batch 1 s late (and all after it: one stream), as on a
        loaded client: the scheduler's reruns of a dead worker's tasks claim them first."""
        import asyncio

        async def late(event):
            await asyncio.sleep(1.0)
            handler(event)

        return self._client.subscribe_topic(topic, late)

    def submit(self, fn, *args, key=None, **kwargs):
        name = next((n for n in self._names if n in (key or "")), None)
        if name is not None and name not in self.pinned and "state" not in key:
            self.pinned.add(name)
            kwargs.update(workers=[self._worker], allow_other_workers=True)
        return self._client.submit(fn, *args, key=key, **kwargs)


async def _work_stealing(on, dask_scheduler=None):
    """On the scheduler: start or stop moving queued tasks to idle workers."""
    stealing = dask_scheduler.extensions["stealing"]
    await (stealing.start() if on else stealing.stop())


def _slow_claims(seconds, name=""):
    """On a worker: the start claim (semscan._dask_plugin.claim_start) of a task whose claim
    queue's name has ``name`` sleeps ``seconds`` after it takes the token (0: restore)."""
    import time as _time

    from semscan import _dask_plugin as module

    original = module.__dict__.get("_semscan_claim_start", module.claim_start)
    module._semscan_claim_start = original
    if not seconds:
        module.claim_start = original
        return

    def claim_start(claim):
        got = original(claim)
        if name in claim:
            _time.sleep(seconds)
        return got

    module.claim_start = claim_start


class _KillOnPoison:
    """Wraps the batch's output writer: SIGKILL of the worker that reaches a poison file
    (after ``delay_s``)."""

    def __init__(self, inner, starts=None, delay_s=0.0):
        self.inner, self.starts, self.delay_s = inner, starts, delay_s

    def __call__(self, result):
        if self.starts is not None:
            from distributed import get_worker

            with open(self.starts, "a") as f:
                print(get_worker().get_current_task(), file=f, flush=True)
        if "poison" in Path(result.micrograph.path).name:
            time.sleep(self.delay_s)
        kill_on_poison(result)
        return self.inner(result)


def _has_queue(name, dask_scheduler=None):
    return name in dask_scheduler.extensions["queues"].queues


def _claim_on_worker(name):
    from semscan._dask_plugin import claim_start

    return claim_start(name)


def test_a_claim_token_is_taken_once_and_a_released_claim_has_none(client):
    """The start claim (one queue_get on the scheduler): the first take gets the token, a
    second finds it gone, whoever takes (a worker or the client), and a queue the client
    released (its task done or cancelled) has no token."""
    from semscan._dask_plugin import new_claims, release_claim, take_token

    names = [f"semscan-test-claim-{i}" for i in range(3)]
    client.sync(new_claims, client.scheduler, names)
    worker = sorted(client.nthreads())[0]
    assert client.submit(_claim_on_worker, names[0], workers=[worker], pure=False).result()
    assert not client.sync(take_token, client.scheduler, names[0])
    assert client.sync(take_token, client.scheduler, names[1])
    assert not client.submit(_claim_on_worker, names[1], pure=False).result()
    release_claim(client, names[2])  # sent on the client's stream: wait till it is done
    for _ in range(600):
        if not client.run_on_scheduler(_has_queue, names[2]):
            break
        time.sleep(0.05)
    assert not client.sync(take_token, client.scheduler, names[2])
    assert not client.submit(_claim_on_worker, names[2], pure=False).result()
    for name in names[:2]:
        release_claim(client, name)


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc's mallopt")
def test_the_workers_keep_image_sized_arrays_on_their_heap(client):
    """The nanny's MALLOC_TRIM_THRESHOLD_=65536 (twice the CPU per image) is undone in
    every worker that has the batch's plugin (see semscan._dask_plugin.heap_for_images)."""
    from semscan._dask_plugin import heap_for_images

    assert set(client.run(os.environ.get, "MALLOC_TRIM_THRESHOLD_").values()) == {"65536"}
    assert set(client.run(heap_for_images).values()) == {True}


def _periodic(dask_worker):
    return {name: pc.callback_time for name, pc in dask_worker.periodic_callbacks.items()}


def test_a_local_cluster_runs_only_the_monitors_a_batch_needs():
    """connect('local:N') (LOCAL_CLUSTER_CONFIG): the workers run no memory monitor (no
    spilling, no pausing: a task holds nothing between tasks) and no profiler; the nanny
    still terminates a worker above its memory budget, checked every 0.5 s; the system
    monitors sample every 2 s."""
    from semscan.distributed import connect

    with connect("local:1") as c:
        c.wait_for_workers(1)
        [worker_pcs] = c.run(_periodic).values()
        assert "memory_monitor" not in worker_pcs and "profile" not in worker_pcs
        assert worker_pcs["monitor"] == 2000 and worker_pcs["heartbeat"] > 0
        [nanny] = c.cluster.workers.values()
        assert nanny.periodic_callbacks["memory_monitor"].callback_time == 500
        assert nanny.memory_manager.memory_terminate_fraction == 0.95
        assert c.cluster.scheduler.periodic_callbacks["monitor"].callback_time == 2000
        assert c.submit(abs, -3).result() == 3


def test_only_io_errors_are_retried(client, tmp_path, caplog):
    missing = tmp_path / "gone.tif"  # a file the workers do not see: an I/O error
    broken = tmp_path / "broken.tif"  # bytes that cannot be decoded: fails at once
    broken.write_bytes(b"II*\x00" + b"\x00" * 50)
    with caplog.at_level(logging.WARNING, logger="semscan.distributed"):
        items = {i.path: i for i in analyze_distributed(
            [BatchTask(str(missing)), BatchTask(str(broken))], client=client, config=FAST)}
    assert items[str(missing)].error == (
        f"ImageFormatError: cannot read {missing}: no such file; check the path")
    assert items[str(broken)].error.startswith(f"ImageFormatError: cannot read {broken}: not")
    retried = [r.getMessage() for r in caplog.records if "retrying it once" in r.getMessage()]
    assert len(retried) == 1 and retried[0].startswith(f"I/O error on {missing} ")


def test_kill_9_of_a_worker_mid_run_completes_the_batch(client, tmp_path):
    _images(tmp_path / "lot", 6, shape=(320, 320))
    tasks = [BatchTask(str(p)) for p in sorted((tmp_path / "lot").glob("*.tif"))]
    out = tmp_path / "out"
    killed: list[int] = []

    def kill_a_busy_worker() -> None:
        while not any((out / "images").glob("*.json")):
            time.sleep(0.02)
        pids = client.run(os.getpid)  # {worker address: its process id}
        for _ in range(500):
            busy = [pids[a] for a, keys in client.processing().items() if keys and a in pids]
            if busy:
                os.kill(busy[0], signal.SIGKILL)
                killed.append(busy[0])
                return
            time.sleep(0.01)

    killer = threading.Thread(target=kill_a_busy_worker, daemon=True)
    killer.start()
    summary = run_batch(tasks, out_dir=out, config=FAST, executor=distributed_executor(client))
    killer.join(10)
    if not killed:
        pytest.skip("the batch finished before a worker could be killed")
    assert summary.ok and summary.analysed == 6
    assert sorted(pd.read_csv(out / "results.csv")["name"]) == [f"m{i}.tif" for i in range(6)]
    client.wait_for_workers(2, timeout=180)  # the nanny restarted it


def test_the_cli_runs_on_a_running_scheduler(client, tmp_path):
    from semscan.cli.app import app
    from tests.cli._helpers import runner

    _images(tmp_path / "lot", 2)
    out = tmp_path / "out"
    flags = ["--no-classify", "--no-local-thickness", "--no-overlays"]
    address = client.scheduler.address
    res = runner.invoke(app, ["analyze", str(tmp_path / "lot"), "--out", str(out),
                              "--scheduler", address, "--upload", *flags])
    assert res.exit_code == 0, res.output
    assert f"Dask scheduler {address}" in res.output
    assert "analysed 2, skipped 0 (already done), failed 0" in res.output
    assert sorted(pd.read_csv(out / "results.csv")["name"]) == ["m0.tif", "m1.tif"]
    res = runner.invoke(app, ["analyze", str(tmp_path / "lot"), "--out", str(out), "--upload",
                              *flags])
    assert res.exit_code == 2 and "give --scheduler too" in res.output
    res = runner.invoke(app, ["analyze", str(tmp_path / "lot"), "--out", str(out),
                              "--scheduler", "local:0", *flags])
    assert res.exit_code == 2 and "expected local:N" in res.output
