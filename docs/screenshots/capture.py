"""Screenshots of the rendered example reports for the README (run after `make reports`).

Each study's first screen at 1280 px and two printed pages of the training-impact PDF,
saved as small palette PNGs: ``python docs/screenshots/capture.py [reports-dir [study ...]]``
(all four studies by default; the PDF pages when training_impact is among them).
"""

from __future__ import annotations

import io
import sys
from pathlib import Path

from PIL import Image

HERE = Path(__file__).resolve().parent
STUDIES = ("training_impact", "org_effectiveness", "evaluation_plan", "readiness_alignment")


def small_png(png: bytes, path: Path, width: int) -> None:
    """Scale to ``width`` and keep at most 64 colours: a few tens of KB per picture."""
    with Image.open(io.BytesIO(png)) as image:
        image = image.convert("RGB")
        height = round(image.height * width / image.width)
        image = image.resize((width, height), Image.Resampling.LANCZOS)
        image.quantize(colors=64, method=Image.Quantize.MEDIANCUT).save(path, optimize=True)


def main(reports: Path, studies: tuple[str, ...] = STUDIES) -> None:
    import pypdfium2 as pdfium
    from playwright.sync_api import sync_playwright

    from analysis.render.pdf import CHROMIUM_ARGS, find_chromium

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=find_chromium(), args=CHROMIUM_ARGS)
        for study in studies:
            page = browser.new_page(viewport={"width": 1280, "height": 900})
            page.goto((reports / "acme-learning" / f"{study}.html").resolve().as_uri())
            small_png(page.screenshot(), HERE / f"{study}_first_screen.png", 900)
            page.close()
        browser.close()
    if "training_impact" not in studies:
        return
    document = pdfium.PdfDocument(reports / "acme-learning" / "training_impact.pdf")
    for number in (1, len(document) - 2):
        out = io.BytesIO()
        document[number - 1].render(scale=1.2).to_pil().save(out, format="PNG")
        small_png(out.getvalue(), HERE / f"training_impact_pdf_page_{number}.png", 500)


if __name__ == "__main__":
    main(
        Path(sys.argv[1] if len(sys.argv) > 1 else "reports"),
        tuple(sys.argv[2:]) or STUDIES,
    )
