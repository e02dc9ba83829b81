"""Every page obeys the site's own Content-Security-Policy: no inline style or script
is refused and the favicon loads, so the browser console stays clean, at 360 px."""

import pytest

from hotline.people import volunteers

pytestmark = pytest.mark.browser  # headless Chromium (tests/web/browser/conftest.py)

PAGES = ("/login", "/volunteer/", "/admin/directory/", "/admin/people/", "/admin/figures/",
         "/admin/scripts/", "/admin/accounts/", "/admin/access-log", "/account/")
# Records each CSP refusal the page meets (inline styles, data: images, scripts).
WATCH = """window.__refused = [];
document.addEventListener('securitypolicyviolation', e =>
    window.__refused.push(e.violatedDirective + ' ' + (e.blockedURI || 'inline')));"""


def test_every_page_keeps_the_console_clean_and_has_its_icon_at_360_px(
        app, page, make_user, login, screenshots):
    runtime = app.extensions["hotline"]
    volunteers.add(runtime.redis, runtime.config, "Kim", "+821011112222", ("ko",))
    make_user("boss", role="staff", volunteer="Kim")
    messages: list[str] = []
    page.on("console", lambda m: messages.append(f"{m.type}: {m.text}")
            if m.type in ("error", "warning") else None)
    page.on("pageerror", lambda e: messages.append(f"pageerror: {e}"))
    failed: list[str] = []
    # A request the browser cancelled itself when the test moved on (the icon's fetch is
    # low priority, and may still be pending at the next goto) is no failure of the site;
    # the icon itself is fetched and checked at the end.
    page.on("requestfailed", lambda r: None if r.failure == "net::ERR_ABORTED"
            else failed.append(f"{r.url} ({r.failure})"))
    page.context.add_init_script(WATCH)
    page.set_viewport_size({"width": 360, "height": 800})
    login(page, "boss")
    for path in PAGES:
        if path == "/login":
            continue
        response = page.goto(path)
        assert response is not None and response.status == 200, path
        page.wait_for_load_state("networkidle")
        refused = page.evaluate("window.__refused")
        assert refused == [], f"{path}: the CSP refused {refused}"
        assert page.evaluate("document.documentElement.scrollWidth") <= 360, path
        icon = page.evaluate("document.querySelector('link[rel=icon]').href")
        assert icon.endswith("/assets/favicon.svg"), icon
    screenshots(page, "queue-clean-console")
    assert messages == [] and failed == [], (messages, failed)
    assert page.goto(icon).status == 200
    assert page.goto("/favicon.ico").url.endswith("/assets/favicon.svg")
