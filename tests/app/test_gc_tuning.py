"""``garagebot serve``'s garbage-collection settings (see tune_gc_for_serving)."""

from __future__ import annotations

import gc

from garagebot.app.server import GC_THRESHOLDS, tune_gc_for_serving


def test_serving_freezes_the_startup_heap_and_collects_young_objects_less_often() -> None:
    before = gc.get_threshold()
    try:
        tune_gc_for_serving()
        assert gc.get_threshold() == GC_THRESHOLDS
        assert GC_THRESHOLDS[0] > before[0]
        assert gc.get_freeze_count() > 0
    finally:
        gc.unfreeze()
        gc.set_threshold(*before)
