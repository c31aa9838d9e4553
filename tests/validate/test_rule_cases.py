"""Every rule in the catalog has a case that triggers it and one where it runs and passes (cases/*.yaml)."""
from __future__ import annotations

import pytest

from cdisc_als.validate.catalog import load_catalog
from cdisc_als.validate.engine import validate_package
from casebook import build_datasets, load_cases

RULES = {r.id: r for r in load_catalog()}
CASES = load_cases()
PAIRS = [(case, rule_id) for case in CASES for rule_id in case["rules"]]


def _id(pair) -> str:
    case, rule_id = pair
    return f"{rule_id}-{case['expect']}-{case['id']}"


@pytest.mark.parametrize("pair", PAIRS, ids=[_id(p) for p in PAIRS])
def test_rule_case(pair):
    case, rule_id = pair
    rule = RULES[rule_id]
    datasets = build_datasets(case)
    define = None
    if case.get("define"):
        from test_define_rules import define_from_case
        define = define_from_case(case["define"])
    result = validate_package(datasets, standard=case.get("standard", "sdtmig-3.2"), rules=(rule,), define=define,
                              unreadable=[tuple(u) for u in case.get("unreadable", ())])
    status = result.rules.iloc[0]
    assert status["status"] != "error", status["reason"]
    count = int((result.findings["rule_id"] == rule_id).sum())
    if case["expect"] == "fail":
        assert count > 0, f"{rule_id} did not fire ({status['status']}: {status['reason']})"
        if "count" in case:
            assert count == case["count"]
    else:
        allowed = {"passed", "skipped"} if case.get("allow_skip") else {"passed"}
        assert status["status"] in allowed, f"{rule_id}: {status['status']} {status['reason']} " \
                                             f"{result.findings.head(3).to_dict('records')}"


def test_every_rule_has_a_failing_and_a_passing_case():
    fails = {r for c in CASES if c["expect"] == "fail" for r in c["rules"]}
    passes = {r for c in CASES if c["expect"] == "pass" for r in c["rules"]}
    assert not set(RULES) - fails, f"rules without a failing case: {sorted(set(RULES) - fails)}"
    assert not set(RULES) - passes, f"rules without a passing case: {sorted(set(RULES) - passes)}"
    assert not (fails | passes) - set(RULES), "cases name unknown rules"
