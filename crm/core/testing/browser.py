"""Headless Chromium (Debian's /usr/bin/chromium) for browser tests, failing on any console
error, page error or failed request."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager

from playwright.sync_api import Browser, Page, sync_playwright

CHROMIUM = os.environ.get("CRM_CHROMIUM", "/usr/bin/chromium")
FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]

# What sticks out of the viewport sideways: the page's own width, any visible element not
# inside a box that scrolls or clips it, and a page title on more than one line.
LAYOUT_PROBLEMS = """() => {
  const width = window.innerWidth;
  const problems = [];
  const page = document.documentElement.scrollWidth;
  if (page > width) problems.push(`the page is ${page} px wide`);
  const clipped = (el) => {
    for (let box = el.parentElement; box && box !== document.body; box = box.parentElement) {
      if (getComputedStyle(box).overflowX !== "visible") return true;
    }
    return false;
  };
  const name = (el) => el.tagName.toLowerCase() + (el.id ? "#" + el.id : "") +
    [...el.classList].map((c) => "." + c).join("") + ` "${el.textContent.trim().slice(0, 30)}"`;
  for (const el of document.body.querySelectorAll("*")) {
    const box = el.getBoundingClientRect();
    if (!box.width || !box.height || getComputedStyle(el).visibility === "hidden") continue;
    if ((box.left < -1 || box.right > width + 1) && !clipped(el)) {
      problems.push(`${name(el)} spans ${Math.round(box.left)}..${Math.round(box.right)} px`);
    }
  }
  const title = document.querySelector("h1");
  if (title) {
    const style = getComputedStyle(title);
    const line = parseFloat(style.lineHeight) || parseFloat(style.fontSize) * 1.2;
    const height = title.getBoundingClientRect().height;
    if (height > line * 1.5) problems.push(`the title takes ${Math.round(height / line)} lines`);
  }
  return problems;
}"""


@contextmanager
def chromium() -> Iterator[Browser]:
    """The browser, for the tests of one module to share."""
    # Playwright's sync API runs an event loop; the live server's ORM calls are in
    # another thread, so Django's async guard does not apply to them.
    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        try:
            yield browser
        finally:
            browser.close()


def _left_behind(request) -> bool:
    """A page's request the browser gave up because the page was left (a poll, a list or
    an icon sheet being loaded): what users never see as an error."""
    return request.failure == "net::ERR_ABORTED" and request.resource_type != "document"


@contextmanager
def chromium_page(
    *, width: int = 1280, height: int = 900, browser: Browser | None = None
) -> Iterator[tuple[Page, list[str]]]:
    """A page and the list of problems it met (console errors, failed requests, 4xx/5xx),
    in a browser of its own unless one is given."""
    if browser is None:
        with chromium() as own, chromium_page(width=width, height=height, browser=own) as found:
            yield found
        return
    problems: list[str] = []
    # Without animations, what the page shows (and axe measures) is its settled state, not
    # a colour halfway through a button's transition.
    context = browser.new_context(
        viewport={"width": width, "height": height}, locale="zh-CN", reduced_motion="reduce"
    )
    page = context.new_page()
    page.on(
        "console",
        lambda m: problems.append(f"console: {m.text}") if m.type == "error" else None,
    )
    page.on("pageerror", lambda e: problems.append(f"page error: {e}"))
    page.on(
        "requestfailed",
        lambda r: None if _left_behind(r) else problems.append(f"failed: {r.url} {r.failure}"),
    )
    page.on(
        "response",
        lambda r: problems.append(f"{r.status}: {r.url}") if r.status >= 400 else None,
    )
    page.on("dialog", lambda d: d.accept())
    try:
        yield page, problems
    finally:
        context.close()


def assert_fits(page: Page) -> None:
    """Nothing sticks out of the viewport sideways and the page title takes one line."""
    page.wait_for_load_state("networkidle")  # parts the page loads after it shows
    problems = page.evaluate(LAYOUT_PROBLEMS)
    if problems:
        raise AssertionError(f"{page.url}: " + "; ".join(problems))


def sign_in(page: Page, base_url: str, username: str) -> None:
    """Sign in through the login page (a test user's password) and wait on the workbench
    until its parts have loaded, so that leaving it cancels nothing."""
    from crm.conftest import PASSWORD

    page.goto(f"{base_url}/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{base_url}/")
    page.wait_for_load_state("networkidle")


def refusals_aside(problems: list[str], url: str, status: int) -> list[str]:
    """The problems a page met besides the refused requests it was sent to make (answered
    `status` at `url`: a board move a rule refuses), which the browser and htmx also report
    on the console."""
    path = url.split("/", 3)[-1]
    expected = (
        f"{status}: {url}",
        f"console: Failed to load resource: the server responded with a status of {status} ",
        f"console: Response Status Error Code {status} from /{path}",
    )
    return [p for p in problems if not p.startswith(expected)]
