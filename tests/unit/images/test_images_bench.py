"""The images benchmark, run once with one repeat so it cannot rot (numbers are printed, not judged)."""

from __future__ import annotations

import pytest

from tests.bench import images_bench


@pytest.mark.bench
def test_images_benchmark_runs(capsys):
    images_bench.main(repeats=1)
    printed = capsys.readouterr().out
    assert "duel image" in printed and "chart 5x5" in printed and "cover fetch" in printed
