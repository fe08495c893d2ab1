"""The Content-Security-Policy allows no inline script (config/response_headers.py):
no template may carry a `<script>` block, an `on...=` handler attribute, `hx-on` (which
htmx evaluates) or a `javascript:` URL. Behaviour goes in static/crm.js."""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
TEMPLATE_DIRS = ["templates", "crm", "ops", "billing", "tenants", "api"]

INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.IGNORECASE)
HANDLER_ATTRIBUTE = re.compile(r"""\son[a-z]+\s*=\s*["']""", re.IGNORECASE)
HTMX_ON = re.compile(r"\shx-on[:-]", re.IGNORECASE)
JAVASCRIPT_URL = re.compile(r"javascript:", re.IGNORECASE)


def templates():
    for folder in TEMPLATE_DIRS:
        yield from (ROOT / folder).rglob("*.html")


def test_no_template_has_inline_script():
    offences = []
    for path in templates():
        text = path.read_text()
        for name, pattern in [
            ("<script> block", INLINE_SCRIPT),
            ("on...= handler", HANDLER_ATTRIBUTE),
            ("hx-on", HTMX_ON),
            ("javascript: URL", JAVASCRIPT_URL),
        ]:
            for match in pattern.finditer(text):
                line = text.count("\n", 0, match.start()) + 1
                offences.append(f"{path.relative_to(ROOT)}:{line} {name}")
    assert offences == []
