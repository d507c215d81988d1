"""axe-core, vendored, run inside a Playwright page: the accessibility rules a page must pass.

The script is evaluated through the DevTools protocol (`page.evaluate`), which the page's
Content-Security-Policy does not govern, so the app's CSP stays exactly as it is served: a
`<script>` tag added to the page would be an inline script the policy rightly refuses.
Nothing is fetched from the network.
"""

import json
import os
from pathlib import Path

AXE_SOURCE = Path(__file__).with_name("vendor").joinpath("axe.min.js")

# Serious and critical violations fail a page; moderate and minor are reported in
# docs/accessibility.md but do not fail it.
BLOCKING = ("serious", "critical")
IMPACTS = ("critical", "serious", "moderate", "minor")

# WCAG 2.1 A and AA, plus axe's best practices (landmarks, one <h1>, headings in order).
RUN_OPTIONS = {
    "runOnly": {
        "type": "tag",
        "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"],
    },
    "resultTypes": ["violations"],
}

_source: str | None = None


def _axe_source() -> str:
    global _source
    if _source is None:
        _source = AXE_SOURCE.read_text(encoding="utf-8")
    return _source


def axe_violations(page) -> list[dict]:
    """The axe violations on the page as it is now: id, impact, help and target nodes."""
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        # Wrapped so the library's `var`s stay out of the page's own globals.
        page.evaluate(f"() => {{ {_axe_source()}\n; window.axe = axe; }}")
    return page.evaluate(
        """async (options) => {
            const results = await window.axe.run(document, options);
            return results.violations.map(v => ({
                id: v.id,
                impact: v.impact,
                help: v.help,
                nodes: v.nodes.map(n => ({
                    target: n.target.join(' '),
                    summary: (n.failureSummary || '').replace(/\\s+/g, ' ').trim(),
                })),
            }));
        }""",
        RUN_OPTIONS,
    )


def describe(violations: list[dict]) -> str:
    """Each violation's id, impact and target nodes, one per line, for a failing assertion."""
    lines = []
    for v in violations:
        lines.append(f"[{v['impact']}] {v['id']}: {v['help']}")
        lines.extend(f"    {node['target']}  ({node['summary']})" for node in v["nodes"])
    return "\n".join(lines)


def by_impact(violations: list[dict]) -> dict[str, int]:
    """How many violations of each impact, for the report."""
    return {impact: sum(v["impact"] == impact for v in violations) for impact in IMPACTS}


def blocking(violations: list[dict]) -> list[dict]:
    return [v for v in violations if v["impact"] in BLOCKING]


def assert_no_serious_violations(page, where: str = "") -> list[dict]:
    """Fail on any serious or critical violation; return all violations for the report."""
    violations = axe_violations(page)
    bad = blocking(violations)
    assert not bad, f"axe on {where or page.url}:\n{describe(bad)}"
    return violations


def report_entry(violations: list[dict]) -> dict:
    """A page's line in the report: counts by impact and each violation's id."""
    return {
        "impacts": by_impact(violations),
        "violations": [f"{v['id']} ({v['impact']})" for v in violations],
    }


def write_report(results: dict[str, dict]) -> None:
    """Merge `results` into the JSON file named by $AXE_REPORT, if set, for the docs."""
    path = os.environ.get("AXE_REPORT")
    if path and results:
        report = Path(path)
        earlier = json.loads(report.read_text()) if report.exists() else {}
        report.write_text(json.dumps({**earlier, **results}, indent=2, sort_keys=True))
