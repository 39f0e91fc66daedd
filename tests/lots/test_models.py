"""semscan.lots.models: the tables, keys and immutability."""

from __future__ import annotations

import pytest

pytest.importorskip("sqlalchemy")

from semscan.lots.models import Base


def test_tables_and_the_analysis_key():
    assert sorted(Base.metadata.tables) == [
        "analysis", "audit_event", "image", "lab_measurement", "lot", "sample",
        "sample_analysis", "spec", "spec_version", "verdict"]
    uq = next(c for c in Base.metadata.tables["analysis"].constraints
              if c.name == "uq_analysis_key")
    assert [c.name for c in uq.columns] == ["image_id", "config_hash", "semscan_version"]
    assert Base.metadata.tables["image"].c.sha256.unique
