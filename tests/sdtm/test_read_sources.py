"""Reading a layout's sources partly in a forked child gives what reading them one after the other gives."""
from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd
import pytest

from cdisc_als.background import can_fork
from cdisc_als.conversion import read_sources, split_forms
from cdisc_als.errors import UserError
from cdisc_als.ingest.layout import find_source_file, load_layout

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures"


def _read(folder: Path, layout: str, parallel: bool):
    lines: list[str] = []
    _, sources, rejects, counts, coding = read_sources(folder, layout, lines.append, parallel=parallel)
    return sources, rejects, counts, coding, lines


@pytest.mark.parametrize("folder, layout", [("proact", "proact"), ("edc", "site-edc")])
def test_split_covers_every_form_once_in_balanced_groups(folder, layout):
    here, there = split_forms(FIXTURES / folder, load_layout(layout))
    forms = list(load_layout(layout).sources)
    assert sorted(here + there) == sorted(forms)
    sizes = {}
    for form in forms:
        path = find_source_file(FIXTURES / folder, load_layout(layout).sources[form]["file"])
        sizes[form] = path.stat().st_size if path else 0
    # greedy by size: the groups differ by no more than the largest file
    assert abs(sum(sizes[f] for f in here) - sum(sizes[f] for f in there)) <= max(sizes.values())


@pytest.mark.skipif(not can_fork(), reason="forked reading needs os.fork (Linux)")
@pytest.mark.parametrize("folder, layout", [("proact", "proact"), ("edc", "site-edc")])
def test_parallel_read_equals_sequential(folder, layout):
    seq = _read(FIXTURES / folder, layout, parallel=False)
    par = _read(FIXTURES / folder, layout, parallel=True)
    assert seq[0].keys() == par[0].keys()
    for target in seq[0]:
        for a, b in zip(seq[0][target], par[0][target], strict=True):
            pd.testing.assert_frame_equal(a, b)
    for a, b in zip(seq[1], par[1], strict=True):
        pd.testing.assert_frame_equal(a, b)
    assert seq[2] == par[2]
    assert (seq[3] is None) == (par[3] is None)
    if seq[3] is not None:
        pd.testing.assert_frame_equal(seq[3], par[3])
    assert seq[4] == par[4] and seq[4]        # the same log lines in the same order


@pytest.mark.skipif(not can_fork(), reason="forked reading needs os.fork (Linux)")
def test_first_error_in_layout_order_wins_whichever_process_read_it(tmp_path):
    """Every file is broken; the error is the first form's, as reading one after the other reports it, also
    when that form is read in the child (its file made the second largest, so the child takes it)."""
    layout = load_layout("proact")
    forms = list(layout.sources)
    shutil.copytree(FIXTURES / "proact", tmp_path, dirs_exist_ok=True)
    for rank, form in enumerate([forms[1], forms[0], *forms[2:]]):      # forms[0] second largest
        path = find_source_file(tmp_path, layout.sources[form]["file"])
        path.write_bytes(b"\x00binary" * (1000 - rank * 10))
    assert forms[0] in split_forms(tmp_path, layout)[1]
    errors = []
    for parallel in (False, True):
        with pytest.raises(UserError) as caught:
            _read(tmp_path, "proact", parallel)
        errors.append(caught.value.one_line())
    assert errors[0] == errors[1]
    assert find_source_file(tmp_path, layout.sources[forms[0]]["file"]).name in errors[0]
