"""axe-core (pinned in package.json, installed by `npm ci`) on a Playwright page: the
accessibility problems a page has, as readable lines."""

from __future__ import annotations

from functools import cache
from pathlib import Path

from playwright.sync_api import Page

AXE = Path(__file__).resolve().parents[3] / "node_modules" / "axe-core" / "axe.min.js"
SERIOUS = ("critical", "serious")


@cache
def _source() -> str:
    return AXE.read_text(encoding="utf-8")


def violations(page: Page, impacts: tuple[str, ...] = SERIOUS) -> list[str]:
    """The page's axe violations of the given impacts, one line per rule with its places."""
    page.wait_for_load_state("networkidle")
    if not page.evaluate("() => !!window.axe"):
        # Evaluated by the browser's debugger protocol, so the page's content security
        # policy (no inline scripts) does not refuse it.
        page.evaluate(_source() + "\n;0")
    found = page.evaluate(
        """async () => {
          const result = await axe.run(document, {resultTypes: ["violations"]});
          return result.violations.map((v) => ({
            id: v.id, impact: v.impact, help: v.help,
            nodes: v.nodes.map((n) => n.target.join(" ") + " " + (n.failureSummary || "")
              .replace(/\\s+/g, " ").slice(0, 200)),
          }));
        }"""
    )
    return [
        f"{v['impact']} {v['id']} ({v['help']}): " + " | ".join(v["nodes"][:5])
        for v in found
        if v["impact"] in impacts
    ]


def assert_accessible(page: Page) -> None:
    """No critical or serious axe violation on the page as it is now."""
    problems = violations(page)
    if problems:
        raise AssertionError(f"{page.url}:\n" + "\n".join(problems))
