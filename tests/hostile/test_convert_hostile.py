"""``convert`` on damaged copies of the fixture trial, both layouts: one hostile file in place of one form.

File-level damage must stop the command with one line naming the file (row/column where they apply) and
leave --out as it was; row-level damage must convert, with a reject carrying a reason for each bad cell;
damage that only changes the packaging (BOM, semicolons with decimal commas, an Excel title row, numbers
stored as text) must give the very same SDTM bytes as the clean file.
"""
from __future__ import annotations

from datetime import datetime

import pandas as pd
import pytest

from cdisc_als.xport import read_xpt, write_xpt
from tests.hostile.corpus import HTML_PAGE, XPT_DAMAGE, garbage, read_text_table, write_csv
from tests.hostile.helpers import ROLES, assert_failed_cleanly, call_cli, copy_raw, snapshot

LAYOUTS = sorted(ROLES)


def _xpt_source(raw, roles, damage):
    """The questionnaire form sent as an XPT (columns renamed to v5 names), then damaged."""
    path = raw / roles.qs
    frame = read_text_table(path).iloc[:, :3].set_axis(["SUBJECT", "VISIT", "VISDATE"], axis=1)
    path.unlink()
    target = path.with_suffix(".xpt")
    write_xpt(frame, target, name="ALSFRS")
    target.write_bytes(XPT_DAMAGE[damage](target.read_bytes()))
    return target


def _rewrite(path, change, **kwargs):
    frame = read_text_table(path)
    change(frame)
    write_csv(frame, path, **kwargs)
    return path


def _duplicate_header(raw, r):
    frame = read_text_table(raw / r.qs)
    write_csv(frame, raw / r.qs, header=[r.subject, r.subject, *frame.columns[2:]])
    return {"file": raw / r.qs, "column": r.subject}


def _missing_required(raw, r):
    frame = read_text_table(raw / r.qs)
    write_csv(frame.drop(columns=r.subject), raw / r.qs)
    return {"file": raw / r.qs, "column": r.subject}


def _long_field(raw, r):
    _rewrite(raw / r.ae, lambda f: f.__setitem__(r.term, f[r.term].where(f.index != 4, "x" * 100_000)))
    return {"file": raw / r.ae, "row": 5, "column": r.term}


NON_ASCII = {"cp1252": "Céphalée – légère", "latin-1": "Douleur à l'épaule"}     # the dash is cp1252-only


def _non_ascii(encoding):
    def damage(raw, r):
        _rewrite(raw / r.ae, lambda f: f.__setitem__(r.term, f[r.term].where(f.index != 0, NON_ASCII[encoding])),
                 encoding=encoding)
        return {"file": raw / r.ae, "row": 1, "column": r.term}
    return damage


def _write(name, data):
    def damage(raw, r):
        (raw / getattr(r, name)).write_bytes(data)
        return {"file": raw / getattr(r, name)}
    return damage


def _header_only(name):
    def damage(raw, r):
        path = raw / getattr(r, name)
        path.write_text(path.read_text(encoding="utf-8").split("\n", 1)[0] + "\n", encoding="utf-8")
        return {"file": path}
    return damage


def _html_as_xpt(raw, r):
    (raw / r.qs).unlink()
    (raw / r.qs).with_suffix(".xpt").write_bytes(HTML_PAGE)
    return {"file": (raw / r.qs).with_suffix(".xpt")}


FILE_LEVEL = {
    "empty": _write("qs", b""),
    "binary_garbage": _write("qs", garbage()),
    "binary_garbage_without_nul": _write("qs", garbage(nul=False)),
    "html_page_as_csv": _write("qs", HTML_PAGE),
    "html_page_as_xpt": _html_as_xpt,
    **{f"xpt_{d}": (lambda d: lambda raw, r: {"file": _xpt_source(raw, r, d)})(d)
       for d in ("truncated", "lies_variable_count", "lies_variable_length", "trailing_garbage", "header_only")},
    "duplicate_column": _duplicate_header,
    "missing_required_column": _missing_required,
    "field_of_100000_characters": _long_field,
    "subjects_header_only": _header_only("dm"),
    "cp1252_text_without_transliterate": _non_ascii("cp1252"),
    "latin1_text_without_transliterate": _non_ascii("latin-1"),
}


# the non-ASCII cases convert everything before the XPT writer refuses: one encoding per layout keeps it fast
SLOW_TWINS = {("latin1_text_without_transliterate", "site-edc"), ("cp1252_text_without_transliterate", "proact")}


@pytest.mark.parametrize("case, layout", [(c, lay) for c in sorted(FILE_LEVEL) for lay in LAYOUTS
                                          if (c, lay) not in SLOW_TWINS])
def test_file_level_damage_stops_with_one_line(case, layout, cli, tmp_path):
    raw = copy_raw(layout, tmp_path)
    where = FILE_LEVEL[case](raw, ROLES[layout])
    out = tmp_path / "out"
    if case.startswith("binary"):            # an earlier, complete output must survive a failed rerun
        out.mkdir()
        (out / "keep.txt").write_text("earlier run")
    before = snapshot(out)
    result = cli("convert", "--layout", layout, "--study", "S1", raw, "--out", out)
    assert result.code == 2
    assert_failed_cleanly(result, out_before=before, out_dir=out, **where)


def _sdtm(out, name):
    return read_xpt(out / "sdtm" / f"{name}.xpt").frame


def _convert_ok(cli, layout, raw, out, *extra):
    result = cli("convert", "--layout", layout, "--study", "S1", raw, "--out", out, *extra)
    assert result.code == 0 and "Traceback" not in result.err and not result.error_lines, result.err
    return result


def _to_excel(path, *, title: bool, numbers_as_text: bool):
    """A form as a workbook: optionally a title row above the header; numbers typed, or kept as text cells."""
    frame = read_text_table(path)
    if not numbers_as_text:
        numeric = frame.apply(lambda c: c.str.fullmatch(r"-?\d+") | (c == "")).all() & (frame != "").any()
        for name in numeric[numeric].index:
            frame[name] = pd.to_numeric(frame[name])
    with pd.ExcelWriter(path.with_suffix(".xlsx"), engine="openpyxl") as book:
        if title:
            pd.DataFrame([[f"{path.name} export, printed for the monitor"]]).to_excel(book, header=False, index=False)
        frame.to_excel(book, index=False, startrow=2 if title else 0)
    path.unlink()


def _decimal_commas(path):
    _rewrite(path, lambda f: [f.__setitem__(c, f[c].str.replace(".", ",", regex=False)) for c in f.columns],
             delimiter=";")


PACKAGING = {   # two damaged copies per layout, each damaging two forms
    "bom_and_semicolons": lambda raw, r: ((raw / r.qs).write_bytes(b"\xef\xbb\xbf" + (raw / r.qs).read_bytes()),
                                          _decimal_commas(raw / r.fvc)),
    "excel_title_row_and_numbers_as_text": lambda raw, r: (_to_excel(raw / r.qs, title=True, numbers_as_text=False),
                                                           _to_excel(raw / r.fvc, title=False, numbers_as_text=True)),
}


@pytest.mark.parametrize("layout", LAYOUTS)
@pytest.mark.parametrize("case", sorted(PACKAGING))
def test_packaging_damage_gives_the_clean_datasets(case, layout, cli, tmp_path, clean_outputs):
    """A UTF-8 BOM, an Excel title row and numbers stored as text change nothing; semicolon files with
    decimal commas give the same numbers (--ORRES keeps the comma as collected)."""
    raw = copy_raw(layout, tmp_path)
    PACKAGING[case](raw, ROLES[layout])
    _convert_ok(cli, layout, raw, tmp_path / "out")
    clean = clean_outputs(layout)
    assert (tmp_path / "out/sdtm/qs.xpt").read_bytes() == (clean / "sdtm/qs.xpt").read_bytes()
    re_damaged, re_clean = _sdtm(tmp_path / "out", "re"), _sdtm(clean, "re")
    if case == "bom_and_semicolons":
        assert (re_damaged["REORRES"] != re_clean["REORRES"]).any()
        re_damaged["REORRES"] = re_damaged["REORRES"].str.replace(",", ".", regex=False)
        re_damaged["REORREF"] = re_damaged["REORREF"].str.replace(",", ".", regex=False)
    pd.testing.assert_frame_equal(re_damaged, re_clean)
    damaged = pd.read_csv(tmp_path / "out/reconciliation.csv").drop(columns="file")
    assert damaged.equals(pd.read_csv(clean / "reconciliation.csv").drop(columns="file"))


def _set_cells(path, column, values: dict[int, str], **kwargs):
    """Overwrite 1-based data rows of ``column``; returns the original values."""
    frame = read_text_table(path)
    original = {row: frame.at[row - 1, column] for row in values}
    for row, value in values.items():
        frame.at[row - 1, column] = value
    write_csv(frame, path, **kwargs)
    return original


def _rejected(out, file_name, column):
    rej = pd.read_csv(out / "rejects.csv", dtype=str, keep_default_na=False)
    return rej[(rej["file"] == file_name) & (rej["column"] == column)].set_index("row")["reason"]


@pytest.fixture(scope="module", params=LAYOUTS)
def row_level(request, tmp_path_factory, clean_outputs):
    """One copy per layout carrying every row-level damage at once (one conversion instead of one per case):
    impossible dates, numbers stored as text, legacy-encoded text (converted with --transliterate), a form
    holding a header only; site-EDC also dates in several formats and partial dates."""
    layout, r = request.param, ROLES[request.param]
    base = tmp_path_factory.mktemp(f"rows-{layout}")
    raw = copy_raw(layout, base)
    _set_cells(raw / r.qs, r.date, {3: "30-FEB-2014", 4: "2014-02-30"})
    _set_cells(raw / r.qs, r.item, {11: "4.0", 12: "3.00", 13: "three", 14: "2,0"})
    empty_form = raw / ("disposition.csv" if layout == "site-edc" else "PROACT_DEATHDATA.csv")
    empty_form.write_text(empty_form.read_text().split("\n", 1)[0] + "\n")
    if layout == "site-edc":
        day = datetime.strptime(read_text_table(raw / r.qs).at[4, r.date], "%d-%b-%Y")
        _set_cells(raw / r.qs, r.date, {5: day.strftime("%Y-%m-%d"),      # the same day, other declared format
                                        6: day.strftime("%d/%m/%Y"), 7: day.strftime("%b %d, %Y"),
                                        8: day.strftime("%Y%m%d")})
        _set_cells(raw / r.ae, r.ae_start, {2: "UN-SEP-2011", 3: "UN-UNK-2012"})
    encoding = "cp1252" if layout == "site-edc" else "latin-1"
    _set_cells(raw / r.ae, r.term, {1: NON_ASCII[encoding]}, encoding=encoding)
    result = _convert_ok(call_cli, layout, raw, base / "out", "--transliterate")
    return layout, raw, base / "out", result.err.splitlines()


def test_impossible_dates_are_rejected_with_reasons(row_level, clean_outputs):
    layout, raw, out, _ = row_level
    r = ROLES[layout]
    reason = "BAD_DATE" if layout == "site-edc" else "BAD_NUMBER"      # PRO-ACT dates are day offsets
    assert _rejected(out, r.qs, r.date).reindex(["3", "4"]).tolist() == [reason, reason]
    clean = pd.read_csv(clean_outputs(layout) / "reconciliation.csv")
    damaged = pd.read_csv(out / "reconciliation.csv")
    assert (damaged["rows_read"] == damaged["rows_mapped"] + damaged["rows_rejected"]).all()
    changed = damaged["rows_read"] != clean["rows_read"]
    assert list(damaged.loc[changed, "rows_read"]) == [0]                 # only the header-only form


def test_dates_in_several_formats_follow_the_layout(row_level, clean_outputs):
    """site-edc declares DD-MON-YYYY and YYYY-MM-DD: both are read; other spellings are rejected, not guessed."""
    layout, raw, out, _ = row_level
    if layout != "site-edc":
        pytest.skip("PRO-ACT has day offsets, no calendar dates")
    r = ROLES[layout]
    day = datetime.strptime(read_text_table(clean_outputs(layout).parent / "raw" / r.qs).at[4, r.date], "%d-%b-%Y")
    subject = read_text_table(raw / r.qs).at[4, r.subject]
    qs = _sdtm(out, "qs")
    assert day.strftime("%Y-%m-%d") in set(qs.loc[qs["USUBJID"] == f"S1-{subject}", "QSDTC"])
    assert _rejected(out, r.qs, r.date).reindex(["6", "7", "8"]).tolist() == ["BAD_DATE"] * 3


def test_partial_dates_keep_their_precision(row_level):
    layout, raw, out, _ = row_level
    if layout != "site-edc":
        pytest.skip("PRO-ACT has day offsets, no calendar dates")
    r = ROLES[layout]
    ae, source = _sdtm(out, "ae"), read_text_table(raw / r.ae, encoding="cp1252")
    for row, expected in ((2, "2011-09"), (3, "2012")):
        hit = ae[(ae["USUBJID"] == f"S1-{source.at[row - 1, r.subject]}") &
                 (ae["AESPID"] == source.at[row - 1, "AE_NUMBER"])]
        assert list(hit["AESTDTC"]) == [expected]
        assert hit["AESTDY"].isna().all()                # no study day from a partial date


def test_numbers_stored_as_text_are_read_or_rejected(row_level):
    layout, raw, out, _ = row_level
    r = ROLES[layout]
    qs = _sdtm(out, "qs")
    for text, number in (("4.0", 4.0), ("3.00", 3.0)):           # --ORRES as collected, --STRESN the number
        assert list(qs.loc[qs["QSORRES"] == text, "QSSTRESN"]) == [number]
    assert _rejected(out, r.qs, r.item).reindex(["13", "14"]).tolist() == ["BAD_NUMBER"] * 2


def test_legacy_encodings_are_decoded_then_transliterated(row_level):
    layout, *_ = row_level
    out = row_level[2]
    ascii_spelling = {"site-edc": "Cephalee - legere", "proact": "Douleur a l'epaule"}[layout]
    assert _sdtm(out, "ae")["AETERM"].iat[0] == ascii_spelling


def test_a_form_with_a_header_only_is_said_and_converts(row_level):
    layout, raw, out, lines = row_level
    empty_form = "disposition.csv" if layout == "site-edc" else "PROACT_DEATHDATA.csv"
    assert any(line.strip().startswith(f"{raw / empty_form}: no data rows") for line in lines)
    table = pd.read_csv(out / "reconciliation.csv").set_index("file")
    assert table.loc[empty_form, "rows_read"] == 0
