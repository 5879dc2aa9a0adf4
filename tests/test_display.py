"""Number formats, table styling and the headline summary."""

import numpy as np
import pandas as pd
import pytest

from analysis.report import display
from injection import ALL, PAYLOADS, unescaped


@pytest.mark.parametrize(
    "value,unit,expected",
    [
        (0.2643, "share", "26.4%"),
        (2.0, "ratio", "2.00"),
        (1234.4, "count", "1,234"),
        (0.0004, "p_value", "<0.001"),
        (0.0312, "p_value", "0.031"),
        (350000, "currency", "350,000"),
        (float("nan"), "share", "–"),
        (None, "ratio", "–"),
        (np.inf, "ratio", "∞"),
        (-3982.4, "currency", "\u22123,982"),  # a real minus sign
        (12.345, "currency", "12.3"),
        (-0.03312, "currency", "\u22120.033"),
        (147.076, "number", "147"),  # digits from the size, not three decimals
        (0.466, "number", "0.47"),
        (-37.2, "percent", "\u221237%"),
        (0.0, "currency", "0"),
    ],  # an effect on a rate is not rounded to 0
)
def test_format_value(value, unit, expected):
    assert display.format_value(value, unit) == expected


def test_one_row_writes_its_estimate_and_bounds_with_the_same_decimals():
    data = pd.DataFrame(
        {
            "term": ["revenue", "call score"],
            "estimate": [4641.98, 5.561],
            "conf_low": [3342.8, 4.31],
            "conf_high": [5941.1, 6.81],
            "planned": [3000.0, 3.0],
            "flag": [True, False],
        }
    )
    html = display.table(
        data, caption="c", unit="currency", units={"planned": "currency"}, currency="EUR"
    ).to_html()
    assert "EUR 4,642" in html and "EUR 3,000" in html and "EUR 3.00" in html
    assert "EUR 5.56" in html and "3.000" not in html
    assert ">yes<" in html and "True" not in html


def test_the_first_screen_records_its_answer_and_keeps_the_naive_figure_off_the_cards(capsys):
    shown = display.publish_summary(
        [
            {
                "name": "effect",
                "label": "Effect",
                "estimate": -259.0,
                "conf_low": -975.0,
                "conf_high": 457.0,
                "unit": "currency",
            },
            {
                "name": "naive",
                "label": "Naive",
                "estimate": 8444.0,
                "unit": "currency",
                "card": False,
            },
        ],
        answer="Training has not yet paid: ROI -5%.",
        findings=["A finding."],
        currency="EUR",
    )
    html = shown._repr_html_()
    assert 'class="wb-answer"' in html and "ROI \u22125%" in html and "<li>A finding.</li>" in html
    assert "EUR \u2212259" in html and "95% range EUR \u2212975 to +457" in html
    assert "8,444" not in html and 'data-name="naive"' not in html


def test_table_uses_display_names_formats_and_shows_suppressed_cells():
    data = pd.DataFrame(
        {
            "level": ["a", "<b>x</b>"],
            "estimate": [0.25, np.nan],
            "n": [40, 3],
            "suppressed": [False, True],
        }
    )
    html = display.table(
        data,
        caption="Caption & more",
        display_names={"level": "Rating", "a": "Level A"},
        units={"estimate": "share", "n": "count"},
    ).to_html()
    assert "Rating" in html and "Level A" in html and "25.0%" in html
    assert html.count(display.SUPPRESSED) == 2 and ">3<" not in html
    assert "<b>x</b>" not in html and "&lt;b&gt;x&lt;/b&gt;" in html
    assert "Caption &amp; more" in html


def test_publish_summary_records_are_json_ready(capsys):
    shown = display.publish_summary(
        [
            {
                "name": "rr",
                "label": "Risk ratio <x>",
                "estimate": np.float64(2.5),
                "conf_low": np.nan,
                "n": np.int64(80),
                "unit": "ratio",
            }
        ],
        sentences=["One & two."],
    )
    html = shown._repr_html_()
    assert "Risk ratio &lt;x&gt;" in html and "2.50" in html and "One &amp; two." in html
    with pytest.raises(ValueError, match="lacks"):
        display.publish_summary([{"name": "x"}])


def test_figure_embeds_png_and_escapes_caption():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots()
    ax.plot([1, 2])
    html = display.figure(fig, caption="A <caption>")._repr_html_()
    assert html.startswith('<figure class="wb-figure"><img src="data:image/png;base64,')
    assert "<figcaption>A &lt;caption&gt;</figcaption>" in html


def test_a_model_caveat_becomes_one_report_note(monkeypatch):
    import warnings

    import IPython.display

    from analysis.report.theme import show_caveats_as_notes
    from analysis.survey.practice_models import ModelWarning

    shown = []
    monkeypatch.setattr(IPython.display, "display", lambda obj: shown.append(obj))
    monkeypatch.setattr(warnings, "showwarning", warnings.showwarning)
    show_caveats_as_notes()
    with warnings.catch_warnings():
        warnings.simplefilter("always")
        warnings.warn("too few cases per parameter <here>", ModelWarning, stacklevel=1)
        warnings.warn("only 12 clusters", UserWarning, stacklevel=1)
    html = [obj._repr_html_() for obj in shown]
    assert len(html) == 2
    assert (
        'class="wb-note"' in html[0]
        and "Caveat: too few cases per parameter &lt;here&gt;" in html[0]
    )


def test_figures_are_palette_pngs_that_look_the_same():
    import base64
    import io
    import re

    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import numpy as np
    from PIL import Image

    from analysis.report.display import compressed_png, figure

    fig, ax = plt.subplots(figsize=(6, 3), dpi=110)
    ax.imshow(np.linspace(0, 1, 400).reshape(20, 20), cmap="cividis")
    ax.bar(range(5), [3, 1, 4, 1, 5])
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png")
    original = buffer.getvalue()
    smaller = compressed_png(original)
    assert len(smaller) < 0.6 * len(original)
    a = np.asarray(Image.open(io.BytesIO(original)).convert("RGB"), dtype=float)
    b = np.asarray(Image.open(io.BytesIO(smaller)).convert("RGB"), dtype=float)
    assert a.shape == b.shape and np.abs(a - b).mean() < 1.5  # out of 255
    markup = figure(fig, "A chart")._repr_html_()
    embedded = base64.b64decode(re.search(r"base64,([^\"]+)", markup).group(1))
    assert Image.open(io.BytesIO(embedded)).mode == "P"


def _pixels(png: bytes):
    import io

    import numpy as np
    from PIL import Image

    return np.asarray(Image.open(io.BytesIO(png)).convert("RGB"), dtype=float)


@pytest.mark.parametrize("outside", [False, True])
def test_figure_png_matches_savefig_with_a_tight_box(outside):
    # figure_png asks savefig for raw pixels instead of a PNG to decode again: the same
    # box, size and picture as savefig(bbox_inches="tight"), also when a label placed
    # past the figure's edge makes the box larger than the canvas.
    import io

    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import pandas as pd

    from analysis.core import plots
    from analysis.report import set_theme
    from analysis.report.display import figure_png

    set_theme()
    data = pd.DataFrame(
        {
            "term": ["Coaching cadence", "Shared scorecard", "Manager sign-off"],
            "estimate": [1.4, 2.1, 0.8],
            "conf_low": [0.9, 1.3, 0.5],
            "conf_high": [2.2, 3.4, 1.3],
        }
    )
    fig = plots.plot_forest(data, xlabel="Risk ratio")
    if outside:
        fig.text(1.15, 0.5, "a note past the right edge")
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png")
    reference, ours = _pixels(buffer.getvalue()), _pixels(figure_png(fig))
    plt.close(fig)
    assert ours.shape == reference.shape
    assert np.abs(ours - reference).mean() < 0.05  # out of 255: the same pixels
    if outside:
        width = fig.get_size_inches()[0] * fig.dpi
        assert ours.shape[1] > width  # the box grew past the canvas, as savefig's does


# ------------------------------------------------------- client text is escaped by construction


@pytest.mark.parametrize("name", sorted(PAYLOADS))
def test_escape_helpers_turn_every_payload_into_text(name):
    from nbconvert.filters import markdown2html_mistune

    from analysis.report.escape import element, heading, html_text, markdown_text

    payload = PAYLOADS[name]
    assert unescaped(str(html_text(payload))) == []
    assert unescaped(str(element("span", payload, class_=payload))) == []
    rendered = markdown2html_mistune(f"### {markdown_text(payload)}")
    assert unescaped(rendered) == [] and "<a " not in rendered.replace('<a class="anchor-link"', "")
    shown = heading(payload)
    assert unescaped(shown._repr_html_()) == []
    assert unescaped(markdown2html_mistune(shown._repr_markdown_())) == []
    # the reader still sees the text itself
    assert "remote.invalid" in rendered or name not in ("remote-image", "markdown-image")


def test_markup_the_workbench_built_passes_and_text_cannot_break_out_of_a_line():
    from analysis.report.escape import Markup, html_text, markdown_text

    assert html_text(Markup("<b>ours</b>")) == "<b>ours</b>"
    assert "\n" not in markdown_text("Title\n\n<script>x</script>\n# heading")
    with pytest.raises(ValueError):
        from analysis.report.escape import element

        element("script", "x")


def test_an_instrument_title_reaches_the_report_as_text(monkeypatch):
    """Issue 29: the title reached ``Markdown(f"### {title}")`` unescaped and ran in Chromium."""
    import IPython.display
    from nbconvert.filters import markdown2html_mistune

    from analysis.studies.readiness_alignment.sections import Section

    shown: list = []
    monkeypatch.setattr(IPython.display, "display", lambda *objects, **_: shown.extend(objects))
    Section(ALL)._ipython_display_()
    title = shown[0]
    html = title._repr_html_() if hasattr(title, "_repr_html_") else ""
    markdown = title._repr_markdown_() if hasattr(title, "_repr_markdown_") else ""
    assert unescaped(html) == [] and unescaped(markdown2html_mistune(markdown)) == []
    assert "&lt;img src=x" in html + markdown2html_mistune(markdown)


def test_table_headings_from_client_text_are_escaped():
    """Group, answer and practice names become column headings (widen, display_names)."""
    frame = pd.DataFrame({PAYLOADS["img-onerror"]: ["a"], "n": [3]})
    html = display.table(
        frame, caption=ALL, display_names={"n": PAYLOADS["svg-onload"], "a": ALL}
    ).to_html()
    assert unescaped(html) == [], unescaped(html)


def test_a_dollar_sign_in_client_text_is_a_dollar_not_tex():
    import matplotlib.pyplot as plt

    from analysis.report import set_theme

    set_theme()
    fig, ax = plt.subplots()
    ax.set_title(PAYLOADS["tex"])  # "$\foo{$" stopped the figure (and the report) before
    ax.set_xticks([0, 1], ["Save $5", "$\\frac{$"])
    assert display.figure(fig, caption=PAYLOADS["tex"])._repr_html_().startswith("<figure")


def test_a_result_object_shows_client_text_as_text():
    from analysis.core.results import result_html

    shown = result_html(pd.DataFrame({ALL: [ALL]}), caption=ALL, notes=[ALL])
    assert unescaped(shown) == [] and "&lt;svg" in shown


def test_a_row_unit_leaves_p_values_and_counts_alone_and_money_takes_the_style():
    data = pd.DataFrame(
        {
            "term": ["revenue", "wins"],
            "estimate": [4642.0, 0.466],
            "p_value": [0.0004, 0.03],
            "n": [1590, 1590],
            "unit": ["currency", "number"],
        }
    )
    html = display.table(data, caption="c", row_unit="unit", currency="EUR", symbol=True).to_html()
    assert "€4,642" in html and "0.47" in html
    assert "&lt;0.001" in html and "0.030" in html and "1,590" in html
    assert "€1,590" not in html and "€0.03" not in html
