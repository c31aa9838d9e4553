"""Reports from a validation :class:`~cdisc_als.validate.engine.Result`: JSON, XLSX and HTML.

All three are deterministic: the only timestamp is ``build_timestamp()`` (SOURCE_DATE_EPOCH or a
fixed date), rows are sorted stably, and details are capped per dataset x rule (the cap and the
true totals are written next to them).
"""
from __future__ import annotations

import html
import io
import json
import re
import zipfile
from pathlib import Path

import pandas as pd

from cdisc_als.config import build_timestamp
from cdisc_als.staging import staged_output
from cdisc_als.validate.engine import Result
from cdisc_als.validate.findings import cap_details

DETAIL_CAP = 1000
HTML_DETAIL_CAP = 25


def _records(frame: pd.DataFrame) -> list[dict]:
    return json.loads(frame.to_json(orient="records", force_ascii=False)) if len(frame) else []


def report_payload(result: Result, *, cap: int = DETAIL_CAP) -> dict:
    """The report as plain data: issues, capped details, every rule's status, dataset summary.

    Totals come from ``result.issues`` (every finding); a result that kept fewer detail rows per
    dataset x rule than ``cap`` cannot fill the report and is refused.
    """
    if result.detail_limit is not None and result.detail_limit < cap:
        raise ValueError(f"the result kept {result.detail_limit} detail rows per dataset x rule; the report needs {cap}")
    issues = result.issues
    details = cap_details(result.findings, cap)[0]
    details = details.rename(columns={"rule_id": "rule"})[["dataset", "rule", "usubjid", "seq", "variable", "value"]]
    over = issues[issues["records"] > cap]
    capped = {f"{d}/{r}": int(n) for d, r, n in zip(over["dataset"], over["rule"], over["records"])}
    return {
        "tool": "cdisc_als validate",
        "generated": build_timestamp().isoformat(),
        "standard": result.standard,
        "standard_source": result.standard_source,
        "summary": {sev.lower() + "s": n for sev, n in result.severity_counts.items()},
        "issues": _records(issues),
        "details": _records(details),
        "details_cap": cap,
        "details_capped": capped,
        "rules": _records(result.rules),
        "datasets": _records(result.datasets),
    }


def write_json(payload: dict, path: Path) -> None:
    path.write_text(json.dumps(payload, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")


def write_xlsx(payload: dict, path: Path) -> None:
    """Sheets as submission teams know them: Dataset Summary, Issue Summary, Issue Details, Rules."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    book = Workbook(write_only=True)
    sheets = {
        "Dataset Summary": (payload["datasets"], ["dataset", "file", "label", "records", "variables", "errors",
                                                  "warnings", "notices"]),
        "Issue Summary": (payload["issues"], ["dataset", "rule", "p21", "cdisc", "severity", "message", "variables",
                                              "count"]),
        "Issue Details": (payload["details"], ["dataset", "rule", "usubjid", "seq", "variable", "value"]),
        "Rules": (payload["rules"], ["rule", "p21", "cdisc", "severity", "status", "reason", "message", "datasets",
                                     "count"]),
    }
    bold = Font(bold=True)
    for title, (rows, columns) in sheets.items():
        sheet = book.create_sheet(title)
        header = []
        for name in columns:
            from openpyxl.cell import WriteOnlyCell
            cell = WriteOnlyCell(sheet, value=name)
            cell.font = bold
            header.append(cell)
        sheet.append(header)
        for row in rows:
            sheet.append([", ".join(v) if isinstance(v := row.get(c, ""), list) else v for c in columns])
    book.properties.created = build_timestamp()
    book.properties.modified = build_timestamp()
    buffer = io.BytesIO()
    book.save(buffer)
    _restamp_zip(buffer.getvalue(), path)


def _restamp_zip(data: bytes, path: Path) -> None:
    """Rewrite a zip (XLSX) with every member dated build_timestamp(), so reruns give the same bytes."""
    stamp = build_timestamp().timetuple()[:6]
    iso = build_timestamp().strftime("%Y-%m-%dT%H:%M:%SZ")
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            fixed = zipfile.ZipInfo(info.filename, date_time=max(stamp, (1980, 1, 1, 0, 0, 0)))
            fixed.compress_type = zipfile.ZIP_DEFLATED
            content = src.read(info.filename)
            if info.filename == "docProps/core.xml":   # openpyxl stamps the save time here
                content = re.sub(rb"(<dcterms:modified[^>]*>)[^<]*", rb"\g<1>" + iso.encode(), content)
            dst.writestr(fixed, content)


_CSS = """body{font-family:system-ui,sans-serif;margin:1.5em;color:#222}table{border-collapse:collapse;margin:.5em 0 1.5em}
td,th{border:1px solid #ccc;padding:.25em .5em;text-align:left;vertical-align:top;font-size:.9em}th{background:#eee}
.Error{color:#a00;font-weight:bold}.Warning{color:#a60}.Notice{color:#555}.skipped{color:#777}.error{color:#a00}
details{margin:.2em 0}summary{cursor:pointer}"""


def _table(rows: list[dict], columns: list[str], cls_column: str | None = None) -> str:
    head = "".join(f"<th>{html.escape(c)}</th>" for c in columns)
    body = []
    for row in rows:
        cls = f' class="{html.escape(str(row.get(cls_column, "")))}"' if cls_column else ""
        cells = "".join(f"<td>{html.escape(', '.join(v) if isinstance(v := row.get(c, ''), list) else str(v))}</td>"
                        for c in columns)
        body.append(f"<tr{cls}>{cells}</tr>")
    return f"<table><tr>{head}</tr>{''.join(body)}</table>"


def write_html(payload: dict, path: Path) -> None:
    """One self-contained page: totals, datasets, issues with their first records, rule statuses."""
    s = payload["summary"]
    by_issue: dict[tuple, list] = {}
    for row in payload["details"]:
        by_issue.setdefault((row["dataset"], row["rule"]), []).append(row)
    issue_blocks = []
    for issue in payload["issues"]:
        rows = by_issue.get((issue["dataset"], issue["rule"]), [])[:HTML_DETAIL_CAP]
        ids = " / ".join(x for x in (issue["p21"], issue["cdisc"]) if x)
        issue_blocks.append(
            f'<details><summary><span class="{issue["severity"]}">{issue["severity"]}</span> '
            f'{html.escape(issue["dataset"])} {issue["rule"]} {html.escape(ids)}: {html.escape(issue["message"])} '
            f'({issue["count"]})</summary>'
            + _table(rows, ["usubjid", "seq", "variable", "value"])
            + (f"<p>first {HTML_DETAIL_CAP} of {issue['count']} shown</p>" if issue["count"] > HTML_DETAIL_CAP else "")
            + "</details>")
    page = f"""<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>cdisc_als validation report</title>
<style>{_CSS}</style></head><body>
<h1>Validation report</h1>
<p>Standard {html.escape(payload['standard'])} ({html.escape(payload['standard_source'])}); generated {payload['generated']}.</p>
<p><span class="Error">{s['errors']} errors</span>, <span class="Warning">{s['warnings']} warnings</span>,
<span class="Notice">{s['notices']} notices</span>.</p>
<h2>Datasets</h2>{_table(payload['datasets'], ['dataset', 'file', 'label', 'records', 'variables', 'errors', 'warnings', 'notices'])}
<h2>Issues</h2>{''.join(issue_blocks) or '<p>No issues.</p>'}
<h2>Rules</h2>{_table(payload['rules'], ['rule', 'p21', 'cdisc', 'severity', 'status', 'reason', 'message', 'count'], 'status')}
</body></html>
"""
    path.write_text(page, encoding="utf-8")


def write_reports(result: Result, out_dir: str | Path, *, cap: int = DETAIL_CAP) -> dict[str, Path]:
    """Write report.json, report.xlsx and report.html into ``out_dir`` (created if needed)."""
    out = Path(out_dir)
    payload = report_payload(result, cap=cap)
    names = {"json": "report.json", "xlsx": "report.xlsx", "html": "report.html"}
    with staged_output(out) as stage:          # the three appear together or not at all
        write_json(payload, stage / names["json"])
        write_xlsx(payload, stage / names["xlsx"])
        write_html(payload, stage / names["html"])
    return {kind: out / name for kind, name in names.items()}
