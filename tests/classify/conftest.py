"""Shared fixtures of the classify tests."""

from __future__ import annotations

import pytest

from semscan.classify.model_file import load_model


@pytest.fixture(scope="module")
def model():
    """The shipped structure model."""
    return load_model()
