"""The identity benchmark still runs, and rewrites only its own block of docs/performance.md."""

import pytest

from tests.bench.identity_bench import BEGIN, END, report, run, write_performance_doc

pytestmark = pytest.mark.bench


@pytest.fixture(scope="module")
def small_run():
    return run(count=2_000, rounds=1)


def test_report_names_every_measure(small_run):
    text = report(small_run)
    for word in ("precision", "recall", "F1", "misclassified", "keys/second"):
        assert word in text


def test_doc_block_is_added_once_and_others_text_is_kept(small_run, tmp_path):
    doc = tmp_path / "performance.md"
    doc.write_text("# Performance\n\n## Ranking\n<!-- ranking:begin -->\nranking numbers\n<!-- ranking:end -->\n",
                   encoding="utf-8")
    write_performance_doc(small_run, doc)
    write_performance_doc(small_run, doc)
    text = doc.read_text(encoding="utf-8")
    assert text.count(BEGIN) == 1 and text.count(END) == 1 and text.count("## Album identity") == 1
    assert "<!-- ranking:begin -->\nranking numbers\n<!-- ranking:end -->" in text
    assert "precision" in text.split(BEGIN)[1]


def test_doc_is_created_when_missing(small_run, tmp_path):
    doc = tmp_path / "docs" / "performance.md"
    write_performance_doc(small_run, doc)
    assert doc.read_text(encoding="utf-8").startswith("# Performance")
