"""Render time of a quote PDF (issue 16): 50 lines with Chinese descriptions, a
company block with a logo, through crm.sales.pdf.render_pdf (the template and
WeasyPrint, no database), 20 times after one warm-up; prints p50 and p95.

    .venv/bin/python bench/quote_pdf.py [--renders 20] [--lines 50] [--language zh-hans]
"""

import argparse
import base64
import io
import os
import statistics
import sys
import time
from datetime import date
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parent.parent


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--renders", type=int, default=20)
    parser.add_argument("--lines", type=int, default=50)
    parser.add_argument("--language", default="zh-hans", choices=["en", "zh-hans"])
    args = parser.parse_args()

    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()
    from django.utils import timezone
    from PIL import Image

    from crm.accounts.models import Account
    from crm.sales.models import DocumentSettings, Quote, QuoteLine
    from crm.sales.pdf import render_pdf
    from crm.sales.totals import price_lines

    logo = io.BytesIO()
    Image.new("RGB", (300, 120), (180, 40, 40)).save(logo, "PNG")
    company = DocumentSettings(
        company_name="上海示例贸易有限公司",
        address="上海市浦东新区世纪大道 100 号\n200120",
        phone="+86 21 5555 0100",
        tax_id="91310000MA1234567X",
    )
    quote = Quote(
        number="QT-2026-0001",
        currency="CNY",
        title="咖啡豆年度采购",
        account=Account(name="北京咖啡连锁有限公司"),
        valid_until=date(2026, 12, 31),
        terms="付款方式：收货后 30 天内付款。\nPayment within 30 days of delivery.",
        created_at=timezone.now(),
    )
    lines = [
        QuoteLine(
            position=i,
            description=f"咖啡豆（云南小粒，{i} 号批次）Arabica beans, lot {i}",
            quantity=Decimal(12 + i),
            unit="kg",
            unit_price=Decimal("88.50"),
            discount=Decimal("0.05") if i % 5 == 0 else Decimal(0),
            tax_rate=Decimal("0.13"),
        )
        for i in range(1, args.lines + 1)
    ]
    totals = price_lines(lines, "CNY")
    quote.subtotal, quote.tax, quote.total = totals.subtotal, totals.tax, totals.total
    logo_uri = f"data:image/png;base64,{base64.b64encode(logo.getvalue()).decode()}"

    def render():
        return render_pdf(
            quote, lines, company=company, language=args.language, zone=ZoneInfo("Asia/Shanghai"), logo=logo_uri
        )

    first = time.perf_counter()
    size = len(render())
    print(f"first render (fonts loaded): {(time.perf_counter() - first) * 1000:.0f} ms, {size} bytes")
    timings = []
    for _ in range(args.renders):
        start = time.perf_counter()
        render()
        timings.append((time.perf_counter() - start) * 1000)
    timings.sort()
    p95 = timings[min(len(timings) - 1, round(0.95 * len(timings)) - 1)]
    print(
        f"{args.renders} renders of {args.lines} lines ({args.language}): "
        f"p50 {statistics.median(timings):.0f} ms, p95 {p95:.0f} ms, max {timings[-1]:.0f} ms"
    )


if __name__ == "__main__":
    main()
