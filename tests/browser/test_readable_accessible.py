"""Issue 26: every page readable and accessible, in English and German, at 1280 and 375 px.

- axe-core (npm, ``tests/browser/axe``; ``make test`` installs it) runs in Chromium on each
  page with the WCAG 2.1 A/AA rules: no violation of impact *serious* or *critical*.
- No word in a table header or a button is broken inside its letters (a word whose letters
  sit on two lines; a break at a hyphen or slash is a break between words).
- The API chart's labels never overlap.

``HUBSYNC_AXE_REPORT=path`` appends each page's counts (all impacts) as JSON lines.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import Browser, Page

from connector.models import ApiCallBucket, HeldDeletion
from connector.sync.cycle import sync_cycle_run
from marketing.models import Contact
from tests.conftest import PASSWORD
from tests.factories import ContactFactory

pytestmark = pytest.mark.browser

AXE = Path(__file__).resolve().parent / "axe" / "node_modules" / "axe-core" / "axe.min.js"
WCAG = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
RUN_AXE = """
async (tags) => {
  const result = await axe.run(document, {runOnly: {type: "tag", values: tags}});
  return result.violations.map(v => ({
    id: v.id, impact: v.impact, nodes: v.nodes.length,
    targets: v.nodes.slice(0, 3).map(n => n.target.join(" ")),
  }));
}
"""
# Words (letter sequences) of table headers and buttons laid out on more than one line.
BROKEN_WORDS = """
() => {
  const out = [];
  for (const el of document.querySelectorAll("th, button, .btn, [role=button]")) {
    if (!el.getClientRects().length) continue;
    const walker = document.createTreeWalker(el, NodeFilter.SHOW_TEXT);
    let node;
    while ((node = walker.nextNode())) {
      const words = /[^\\s\\-\\/–·,()]+/g;
      let m;
      while ((m = words.exec(node.data))) {
        const range = document.createRange();
        range.setStart(node, m.index);
        range.setEnd(node, m.index + m[0].length);
        const tops = new Set([...range.getClientRects()].filter(r => r.width > 0)
          .map(r => Math.round(r.top)));
        if (tops.size > 1) out.push(`${el.tagName.toLowerCase()}: ${m[0]}`);
      }
    }
  }
  return out;
}
"""
# The language box narrower than its chosen language's name (plus its arrow and padding).
CLIPPED = """
() => {
  const select = document.querySelector("#language-select");
  if (!select) return [];
  const style = getComputedStyle(select);
  const probe = document.createElement("span");
  probe.style.font = style.font;
  probe.style.position = "absolute";
  probe.style.whiteSpace = "nowrap";
  probe.textContent = select.options[select.selectedIndex].text;
  document.body.appendChild(probe);
  const needed = probe.getBoundingClientRect().width + parseFloat(style.paddingLeft)
    + parseFloat(style.paddingRight);
  probe.remove();
  const text = probe.textContent;
  return select.clientWidth + 0.5 < needed ? [`${text}: ${select.clientWidth} < ${needed}`] : [];
}
"""
# Pairs of chart labels whose boxes overlap.
OVERLAPPING_LABELS = """
() => {
  const boxes = [...document.querySelectorAll("#api-usage-chart svg text")]
    .map(t => [t.textContent.trim(), t.getBoundingClientRect()]).filter(([, b]) => b.width);
  const out = [];
  for (let i = 0; i < boxes.length; i++) for (let j = i + 1; j < boxes.length; j++) {
    const [a, p] = boxes[i], [b, q] = boxes[j];
    if (p.left < q.right - 0.5 && q.left < p.right - 0.5 && p.top < q.bottom - 0.5
        && q.top < p.bottom - 0.5) out.push(`${a} / ${b}`);
  }
  return out;
}
"""


@pytest.fixture
def site(salesforce, integration_settings, marketing_admin):
    """Every page with something on it: failing records, history, a held deletion, a chart
    over the limit."""
    integration_settings.crm_enabled = True
    integration_settings.api_call_limit = 10
    integration_settings.save()
    ContactFactory(
        email="a-very-long-address-for-a-table@subdomain.example.com", job_title="T" * 200
    )
    ContactFactory.create_batch(3)
    sync_cycle_run(trigger="test")
    now = timezone.now()
    ApiCallBucket.objects.create(minute=now - timedelta(hours=2), calls=198)
    linked = Contact.objects.exclude(salesforce_id="").first()
    HeldDeletion.objects.create(
        contact=linked,
        email=linked.email,
        object_type="Lead",
        salesforce_id=linked.salesforce_id,
        cycle="1",
    )
    contact = Contact.objects.get(job_title="T" * 200)
    return {
        "integrations": reverse("settings_ui:integrations"),
        "settings": reverse("settings_ui:salesforce_settings"),
        "history": reverse("settings_ui:salesforce_settings") + "?history=1#section-history",
        "errors": reverse("settings_ui:sync_errors"),
        "mappings": reverse("settings_ui:field_mappings"),
        "contact": reverse("settings_ui:contact_sync", args=[contact.pk]),
        "held deletions": reverse("settings_ui:held_deletions"),
        "inclusion list": reverse("settings_ui:inclusion_list_create"),
        "login": reverse("login"),
    }


def sweep(
    browser: Browser, live_server, user, pages: dict[str, str], *, language: str, width: int
) -> Iterator[tuple[str, Page]]:
    """Each page in turn in one browser context: the login page first, signed out, then
    the others signed in once (a context and a sign-in per page: a sweep took 27 s, now 18)."""
    context = browser.new_context(
        base_url=live_server.url,
        viewport={"width": width, "height": 900},
        locale="de-DE" if language == "de" else "en-US",
        extra_http_headers={"Accept-Language": language},
    )
    context.add_init_script(path=str(AXE))  # by the browser, not a <script>: CSP allows it
    try:
        page = context.new_page()
        login = reverse("login")
        signed_in = False
        for name, url in sorted(pages.items(), key=lambda item: item[1] != login):
            if url != login and not signed_in:
                page.goto(login)
                page.fill("#id_username", user.get_username())
                page.fill("#id_password", PASSWORD)
                page.locator("form [type=submit]").click()
                page.wait_for_url(lambda u: "/accounts/login/" not in u)
                signed_in = True
            page.goto(url)
            page.wait_for_load_state("networkidle")
            yield name, page
    finally:
        context.close()


@pytest.mark.parametrize("width", [1280, 375])
@pytest.mark.parametrize("language", ["en", "de"])
def test_every_page_is_readable_and_accessible(
    browser, live_server, site, marketing_admin, language, width, django_db_serialized_rollback
):
    if not AXE.exists():
        pytest.fail(
            f"{AXE} is missing: run `make test-clients-install` (npm ci in tests/browser/axe)"
        )
    problems = []
    report = []
    for name, page in sweep(
        browser, live_server, marketing_admin, site, language=language, width=width
    ):
        assert page.locator("html").get_attribute("lang") == language
        violations = page.evaluate(RUN_AXE, WCAG)
        report.append(
            {
                "page": name,
                "language": language,
                "width": width,
                "violations": {v["id"]: v["impact"] for v in violations},
            }
        )
        for v in violations:
            if v["impact"] in ("serious", "critical"):
                problems.append(f"{name}: axe {v['id']} ({v['impact']}) {v['targets']}")
        problems += [f"{name}: broken word in {w}" for w in page.evaluate(BROKEN_WORDS)]
        problems += [
            f"{name}: chart labels overlap: {o}" for o in page.evaluate(OVERLAPPING_LABELS)
        ]
        problems += [f"{name}: language box clipped: {c}" for c in page.evaluate(CLIPPED)]
    if path := os.environ.get("HUBSYNC_AXE_REPORT"):
        with open(path, "a", encoding="utf-8") as out:
            for line in report:
                out.write(json.dumps(line) + "\n")
    assert not problems, "\n".join(problems)
