"""The review queue of an output folder: flagged first, decisions recorded in the tables."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from semscan.cli.app import app
from semscan.report.review_queue import ReviewQueueError, record_review, review_queue
from tests.cli._helpers import runner
from tests.napari._files import disc_image, write_fei


def make_batch(tmp_path):
    """A batch of two clean disc images, one of pure noise and one broken file."""
    lot = tmp_path / "lot"
    lot.mkdir()
    write_fei(lot / "b_clean.tif", disc_image(seed=1)[0])
    write_fei(lot / "a_clean.tif", disc_image(seed=2)[0])
    noise = np.random.default_rng(0).uniform(0, 1, (192, 256)).astype(np.float32)
    write_fei(lot / "c_noise.tif", noise)
    (lot / "d_broken.tif").write_bytes(b"II*\x00 not really a tiff")
    out = tmp_path / "out"
    r = runner.invoke(app, ["analyze", str(lot), "--out", str(out), "--jobs", "1",
                            "--view", "surface", "--no-overlays"])
    assert r.exit_code == 1, r.output  # the broken file fails
    return out


@pytest.fixture()
def batch(tmp_path):
    return make_batch(tmp_path)


def test_flagged_first_then_by_name(batch):
    queue = review_queue(batch)
    names = [q.file.rsplit("/", 1)[-1] for q in queue]
    flags = {n: q.flag for n, q in zip(names, queue, strict=True)}
    assert names[0] == "d_broken.tif" and queue[0].kind == "failure" and queue[0].flagged
    assert flags["c_noise.tif"] in ("unreliable", "review")
    assert flags["a_clean.tif"] == flags["b_clean.tif"] == "ok"
    assert names == ["d_broken.tif", "c_noise.tif", "a_clean.tif", "b_clean.tif"]
    assert all(q.review_status == "" for q in queue)


def test_accept_and_reject_are_recorded_in_the_tables(batch):
    queue = {q.file.rsplit("/", 1)[-1]: q for q in review_queue(batch)}
    before = pd.read_csv(batch / "results.csv").set_index("name")
    record_review(batch, queue["a_clean.tif"], "accept", reviewer="me")
    record_review(batch, queue["c_noise.tif"], "reject", reviewer="me")
    record_review(batch, queue["d_broken.tif"], "reject")
    table = pd.read_csv(batch / "results.csv").set_index("name")
    assert table.loc["a_clean.tif", "review_status"] == "accepted"
    assert table.loc["c_noise.tif", "review_status"] == "rejected"
    assert pd.isna(table.loc["b_clean.tif", "review_status"])
    assert table.loc["a_clean.tif", "reviewer"] == "me"
    assert table.loc["a_clean.tif", "reviewed_at"].endswith("Z")
    numbers = [c for c in before.columns if c.startswith(("areal_", "pore_", "solid_"))]
    assert numbers
    pd.testing.assert_frame_equal(table[numbers], before[numbers])  # numbers stand
    record = json.loads(queue["c_noise.tif"].record.read_text())
    assert record["row"]["review_status"] == record["review"]["review_status"] == "rejected"
    assert json.loads(queue["d_broken.tif"].record.read_text())["review_status"] == "rejected"
    again = {q.file.rsplit("/", 1)[-1]: q.review_status for q in review_queue(batch)}
    assert again == {"a_clean.tif": "accepted", "c_noise.tif": "rejected",
                     "d_broken.tif": "rejected", "b_clean.tif": ""}
    with pytest.raises(ReviewQueueError, match="'correct' is not one of"):
        record_review(batch, queue["a_clean.tif"], "correct")


def test_a_folder_without_records_is_refused(tmp_path):
    with pytest.raises(ReviewQueueError, match="no image records"):
        review_queue(tmp_path)


def test_a_rejected_image_is_left_out_of_the_sample_aggregates(batch):
    from semscan.report.folder import read_folder

    queue = {q.file.rsplit("/", 1)[-1]: q for q in review_queue(batch)}
    table = pd.read_csv(batch / "results.csv").set_index("name")
    before = pd.read_csv(batch / "samples.csv").iloc[0]
    assert before["n_images"] == 3 and before["n_rejected"] == 0
    record_review(batch, queue["c_noise.tif"], "reject", reviewer="me")
    after = pd.read_csv(batch / "samples.csv").iloc[0]
    kept = table.loc[["a_clean.tif", "b_clean.tif"], "areal_porosity"]
    assert (after["n_images"], after["n_surface"], after["n_rejected"]) == (2, 2, 1)
    assert after["surface_areal_porosity_mean"] == pytest.approx(kept.mean(), rel=1e-12)
    assert before["surface_areal_porosity_mean"] != pytest.approx(kept.mean(), rel=1e-6)
    # results.csv keeps the row, marked; the report lists it and leaves it out of its stats
    table = pd.read_csv(batch / "results.csv").set_index("name")
    assert table.loc["c_noise.tif", "review_status"] == "rejected"
    (sample,) = read_folder(batch).samples
    assert len(sample.images) == 3 and sample.n_rejected == 1
    assert sample.n_view("surface") == 2
    stat = next(s for s in sample.stats if s.key == "areal_porosity")
    assert stat.n == 2 and stat.mean == pytest.approx(kept.mean(), rel=1e-12)
    # accepting it again brings it back
    record_review(batch, review_queue(batch)[1], "accept")
    again = pd.read_csv(batch / "samples.csv").iloc[0]
    assert again["n_images"] == 3 and again["n_rejected"] == 0
