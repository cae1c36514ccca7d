"""Read wsprobe's junit.xml with an independent JUnit reader (junitparser, from
PyPI) and check it says what results.json says: per testcase, FAIL is a
failure, ERROR an error, INFO/UNIMPLEMENTED/SKIPPED a skip, the rest passes
(and a failure the baseline pins may be a skip). Exit 1 on any mismatch.

Usage: python check_junit.py REPORT_DIR...
"""

import json
import sys
from pathlib import Path

from junitparser import Error, Failure, JUnitXml, Skipped


def check(d: Path) -> list[str]:
    results = json.loads((d / "results.json").read_text())
    verdicts = {r["case"]["id"]: r["judgement"]["verdict"] for r in results["results"]}
    xml = JUnitXml.fromfile(str(d / "junit.xml"))
    seen = {}
    for suite in xml:
        for case in suite:
            kinds = {type(r) for r in case.result}
            seen[case.name] = (
                "failure" if Failure in kinds else
                "error" if Error in kinds else
                "skipped" if Skipped in kinds else "passed"
            )
    problems = []
    if set(seen) != set(verdicts):
        problems.append(f"{d}: testcases differ from results.json: {sorted(set(seen) ^ set(verdicts))[:5]}")
    allowed = {
        "fail": {"failure", "skipped"}, "error": {"error", "skipped"},
        "informational": {"skipped"}, "unimplemented": {"skipped"}, "skipped": {"skipped"},
        "pass": {"passed"}, "non-strict": {"passed"},
    }
    for cid, v in verdicts.items():
        if cid in seen and seen[cid] not in allowed[v]:
            problems.append(f"{d}: {cid} is {v} in results.json but {seen[cid]} in junit.xml")
    print(f"{d}: junit.xml read by junitparser: {len(seen)} testcases in {len(list(xml))} suites, "
          f"{sum(1 for s in seen.values() if s == 'failure')} failures, "
          f"{sum(1 for s in seen.values() if s == 'skipped')} skipped")
    return problems


problems = [p for d in sys.argv[1:] for p in check(Path(d))]
if problems:
    sys.exit("\n".join(problems))
