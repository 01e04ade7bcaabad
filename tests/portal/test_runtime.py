"""Process-wide runtime settings every portal process applies when it builds the app."""

from __future__ import annotations

import gc

import pytest

from portal.runtime import GC_GEN0_THRESHOLD, tune_garbage_collector


@pytest.fixture
def default_gc_thresholds():
    saved = gc.get_threshold()
    gc.set_threshold(700, 10, 10)  # CPython's defaults
    yield
    gc.set_threshold(*saved)


def test_building_the_app_runs_the_young_generation_collector_less_often(
    default_gc_thresholds, settings
):
    from portal.app import create_app

    create_app(settings)
    assert gc.get_threshold() == (GC_GEN0_THRESHOLD, 10, 10)


def test_a_higher_threshold_set_by_the_operator_is_kept(default_gc_thresholds):
    gc.set_threshold(50_000, 10, 10)
    tune_garbage_collector()
    assert gc.get_threshold() == (50_000, 10, 10)
