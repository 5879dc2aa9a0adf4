"""Build the bad-input corpus: one folder per case with the broken files and case.yml.

Run from the project root with ``python tests/bad_inputs/build_corpus.py``; the folders
are committed. Each case.yml names the study, the data files (as in client.yml), the
parameters, and the messages (regular expressions) that `workbench validate` must print.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pandas as pd
import yaml

from analysis.core import paths
from analysis.datasets.examples import readiness_files
from analysis.datasets.survey import generate_survey
from analysis.datasets.training import TrainingDesign, generate_training_client

HERE = Path(__file__).resolve().parent
SURVEY = generate_survey(30, seed=3, n_industries=5)
TRAINING = generate_training_client(
    TrainingDesign(n_reps=16, n_periods=6, cohorts=(2, 3), never_share=0.25), seed=4
)
READINESS = readiness_files(
    {"n": 8, "p_true": 0.5, "groups": 3, "misaligned": {}, "kpi": {"gamed": False}, "seed": 5}
)
TRAINING_DATA = {
    "reps_path": "reps.csv",
    "panel_path": "panel.csv",
    "reactions_path": "reactions.csv",
    "assessments_path": "assessments.csv",
    "costs_path": "costs.csv",
}
READINESS_DATA = {
    "responses": {
        "strategic_readiness": "readiness.csv",
        "failure_reasons": "failure_reasons.csv",
        "two_views": "two_views.csv",
    },
    "kpi_panel_path": "kpi_panel.csv",
    "kpi_targets_path": "kpi_targets.csv",
}


def case(
    name: str,
    study: str,
    files: dict[str, object],
    expect: list[str],
    *,
    data=None,
    parameters=None,
    warnings: list[str] | None = None,
) -> None:
    folder = HERE / name
    if folder.exists():
        shutil.rmtree(folder)
    folder.mkdir()
    for filename, content in files.items():
        (folder / filename).parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, pd.DataFrame):
            content.to_csv(folder / filename, index=False)
        elif isinstance(content, bytes):
            (folder / filename).write_bytes(content)
        else:
            (folder / filename).write_text(content, encoding="utf-8")
    spec = {
        "study": study,
        "data": data if data is not None else {"survey_path": "survey.csv"},
        "parameters": parameters or {},
        "errors": expect,
        "warnings": warnings or [],
    }
    (folder / "case.yml").write_text(yaml.safe_dump(spec, sort_keys=False), encoding="utf-8")


def survey(change) -> pd.DataFrame:
    frame = SURVEY.astype(str).copy()
    changed = change(frame)
    return frame if changed is None else changed


def training(**changes) -> dict[str, object]:
    files = {
        f"{k}.csv": TRAINING[k].copy()
        for k in ("reps", "panel", "reactions", "assessments", "costs")
    }
    for key, change in changes.items():
        result = change(files[f"{key}.csv"])
        if result is not None:
            files[f"{key}.csv"] = result
    return files


def import_case(name: str, files: dict[str, object], codebook: dict, expect: list[str]) -> None:
    """A case for `workbench import`: raw files plus the codebook that fails on them."""
    case(
        name,
        "import",
        {**files, "codebook.yml": yaml.safe_dump(codebook, sort_keys=False, allow_unicode=True)},
        expect,
    )
    spec = yaml.safe_load((HERE / name / "case.yml").read_text())
    spec["data"] = {}
    (HERE / name / "case.yml").write_text(yaml.safe_dump(spec, sort_keys=False), encoding="utf-8")


EXAMPLES = paths.DATA_DIR / "examples"


def example_codebook(*tables: str) -> dict:
    codebook = yaml.safe_load((EXAMPLES / "codebook.yml").read_text(encoding="utf-8"))
    return {"tables": {t: codebook["tables"][t] for t in tables}}


def qualtrics_export(change) -> str:
    lines = (
        (EXAMPLES / "qualtrics_export.csv").read_text(encoding="utf-8").splitlines(keepends=True)
    )
    return "".join(change(lines))


def workbook(sheets: dict[str, list[list[object]]], merge: dict[str, str] | None = None) -> bytes:
    import io

    from openpyxl import Workbook

    book = Workbook()
    book.remove(book.active)
    for title, rows in sheets.items():
        sheet = book.create_sheet(title)
        for row in rows:
            sheet.append(row)
        if merge and title in merge:
            sheet.merge_cells(merge[title])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def readiness(**changes) -> dict[str, object]:
    files = {name: frame.copy() for name, frame in READINESS.items()}
    for key, change in changes.items():
        result = change(files[key])
        if result is not None:
            files[key] = result
    return files


COBALT = paths.CLIENTS_DIR / "cobalt-software"


def parameter_cases(T, TD, S, R, RD) -> None:
    """Cases where validate once said "0 errors" and render then failed (issue: one path)."""
    panel_files = training()
    case(
        "p01-conf-level-as-text",
        T,
        panel_files,
        [r"conf_level must be a number, not '0\.95'; e\.g\. conf_level: 0\.95"],
        data=TD,
        parameters={"conf_level": "0.95"},
    )
    case(
        "p02-event-window-one-number",
        T,
        panel_files,
        [r"event_window must be a list, not 6; e\.g\. event_window: \[-4, 6\]"],
        data=TD,
        parameters={"event_window": 6},
    )
    case(
        "p03-segment-as-list",
        T,
        panel_files,
        [r"segment must be a text, not \['team', 'tenure_band'\]"],
        data=TD,
        parameters={"segment": ["team", "tenure_band"]},
    )
    case(
        "p04-margin-in-percent",
        T,
        panel_files,
        [r"margin is a share between 0 and 1: did you mean 0\.35\?"],
        data=TD,
        parameters={"margin": 35},
    )
    case(
        "p05-conf-level-in-percent",
        S,
        {"survey.csv": survey(lambda d: None)},
        [r"conf_level is a share between 0 and 1: did you mean 0\.95\?"],
        parameters={"conf_level": 95},
    )
    case(
        "p06-covariate-not-in-panel",
        T,
        panel_files,
        [r"panel\.csv: covariates\[0\] column 'region' is not in the data; columns: .*rep_id"],
        data=TD,
        parameters={"covariates": ["region"]},
    )
    case(
        "p07-no-behaviour-column",
        T,
        training(panel=lambda d: d.drop(columns=["call_score"])),
        [],
        data=TD,
        warnings=[r"section behaviour is left out: No behaviour measure was named"],
    )
    case(
        "p08-behaviour-named-but-missing",
        T,
        training(panel=lambda d: d.drop(columns=["call_score"])),
        [r"panel\.csv: behaviour column 'call_score' is not in the data"],
        data=TD,
        parameters={"behaviour": "call_score"},
    )
    case(
        "p09-duplicated-assessment-rows",
        T,
        training(assessments=lambda d: pd.concat([d, d.head(2)], ignore_index=True)),
        [r"assessments\.csv: column rep_id has duplicated values on lines"],
        data=TD,
    )
    case(
        "p10-three-respondents",
        S,
        {"survey.csv": survey(lambda d: d.head(3))},
        [r"survey\.csv: only 3 respondent\(s\); a report needs at least min_cell_size \(5\)"],
    )
    case(
        "p11-practice-nobody-ticked",
        S,
        {"survey.csv": survey(lambda d: d.assign(sustain_coaching="false"))},
        [],
        warnings=[
            r"survey\.csv: sustain_coaching do\(es\) not vary among the 30 respondents of the ordinal model; left out"
        ],
        parameters={"model_terms": "practices"},  # counts of practices still vary
    )
    case(
        "p12-highlight-not-in-data",
        S,
        {"survey.csv": survey(lambda d: None)},
        [r"highlight 'R9999' is not a respondent_id in survey\.csv"],
        parameters={"highlight": "R9999"},
    )
    cross = pd.read_csv(COBALT / "cross_section.csv").head(80)
    cross_data = {"panel_path": "cross_section.csv", "costs_path": "costs.csv"}
    cross_parameters = {"time": None, "covariates": ["baseline_revenue"]}
    case(
        "p13-costs-with-thousands-separators",
        T,
        {"cross_section.csv": cross, "costs.csv": 'item,amount\ndesign,"25,000"\ndelivery,1000\n'},
        [r"costs\.csv: column amount is not numeric on lines 2: \['25,000'\]"],
        data=cross_data,
        parameters=cross_parameters,
    )
    case(
        "p14-negative-cost",
        T,
        {"cross_section.csv": cross, "costs.csv": "item,amount\ndesign,-2500\ndelivery,1000\n"},
        [
            (
                r"costs\.csv: column amount sums to -1,500\.00: the negative line\(s\) on 2 \(funding or "
                r"refunds\) outweigh the costs"
            )
        ],
        data=cross_data,
        parameters=cross_parameters,
    )
    case(
        "p15-instruments-dir-outside",
        R,
        readiness(),
        [r"instruments_dir '\.\./instruments' leaves the client's folder"],
        data=RD,
        parameters={"instruments_dir": "../instruments"},
    )
    case(
        "p16-file-under-parameters-outside",
        S,
        {"survey.csv": survey(lambda d: None)},
        [r"survey_path '\.\./borealis-pharma/survey\.csv' leaves the client's folder"],
        data={},
        parameters={"survey_path": "../borealis-pharma/survey.csv"},
    )
    case(
        "p17-duplicate-keys",
        S,
        {
            "survey.csv": survey(lambda d: None),
            "client.yml": (
                "display_name: Corpus client\ndisplay_name: Borealis Pharma\nstudies:\n  org_effectiveness:\n"
                "    data: {survey_path: survey.csv}\n"
            ),
        },
        [r"key 'display_name' is given twice \(lines 1 and 2\)"],
    )
    case(
        "p18-billion-laughs",
        S,
        {
            "survey.csv": survey(lambda d: None),
            "client.yml": (
                "display_name: Corpus client\nx: &a [lol, lol, lol]\ny: &b [*a, *a, *a]\nstudies: {org_effectiveness: {}}\n"
            ),
        },
        [r"anchors and aliases \(&name, \*name\) are not allowed"],
    )
    case(
        "p19-behaviour-constant",
        T,
        training(panel=lambda d: d.assign(call_score=50)),
        [],
        data=TD,
        parameters={"behaviour": "call_score"},
        warnings=[
            r"section behaviour is left out: The behaviour measure 'call_score' does not vary"
        ],
    )
    case(
        "p20-kpi-panel-without-targets",
        R,
        readiness(),
        [r"kpi_panel_path is set but kpi_targets_path is not"],
        data={**RD, "kpi_targets_path": None},
    )
    case(
        "p21-treatment-is-a-count",
        T,
        panel_files,
        [
            r"panel\.csv: treatment column 'calls' holds 68 on lines 2, 3, 4, 5, 6 and \d+ more; a treatment marks trained \(1\) or not \(0\)"
        ],
        data=TD,
        parameters={"treatment": "calls"},
    )
    case(
        "p22-unit-is-the-period",
        T,
        panel_files,
        [r"column 'period' is named as unit and time; each column can have one role"],
        data=TD,
        parameters={"unit": "period"},
    )
    case(
        "p23-segment-is-the-rep",
        T,
        panel_files,
        [],
        data=TD,
        parameters={"segment": "rep_id"},
        warnings=[
            r"section segments is left out: Segment 'rep_id': 'rep-0001', .* no trained or no untrained"
        ],
    )
    case(
        "p24-revenue-overflows",
        T,
        training(panel=lambda d: d.assign(revenue=d["revenue"] * 1e300)),
        [r"panel\.csv: outcome column 'revenue' holds [\d.]+e\+\d+ on lines 2, .* beyond ±1e\+15"],
        data=TD,
    )
    case(
        "p25-assessment-unchanged",
        T,
        training(assessments=lambda d: d.assign(score_after=d["score_before"])),
        [],
        data=TD,
        warnings=[
            r"section learning is left out: assessments\.csv: every rep's score changed by exactly 0"
        ],
    )
    starts = lambda first: (
        lambda d: d.assign(
            training_start=d["training_start"].where(d["training_start"].isna(), first)
        )
    )
    case(
        "p27-trained-from-the-first-period",
        T,
        training(reps=starts("2025-01")),
        [
            r"reps\.csv: column training_start: every trained rep starts in the first period of the panel \(2025-01\)"
        ],
        data=TD,
    )
    case(
        "p28-one-period-before-training",
        T,
        training(reps=starts("2025-02")),
        [],
        data=TD,
        warnings=[
            r"section event_study is left out: No trained rep is seen two or more periods before training"
        ],
    )
    case(
        "p29-event-window-without-a-lead",
        T,
        panel_files,
        [r"event_window must be two whole numbers \[before, after\] with before <= -2"],
        data=TD,
        parameters={"event_window": [-1, 0]},
    )
    case(
        "p30-kpi-target-from-the-first-period",
        R,
        readiness(**{"kpi_targets.csv": lambda d: d.assign(start_period="2025-01")}),
        [
            r"kpi_targets\.csv: column start_period, line 2: '2025-01' is the first period of kpi_panel\.csv"
        ],
        data=RD,
    )
    case(
        "p31-assessments-of-untrained-reps",
        T,
        training(
            assessments=lambda d: pd.concat(
                [
                    d,
                    pd.DataFrame(
                        {"rep_id": ["rep-0001"], "score_before": [40.0], "score_after": [90.0]}
                    ),
                ],
                ignore_index=True,
            )
        ),
        [],
        data=TD,
        warnings=[
            r"assessments\.csv: 1 row\(s\) are for reps that reps\.csv does not list as trained \(line \d+; e\.g\. 'rep-0001'\)"
        ],
    )
    case(
        "p26-outcome-missing-on-some-rows",
        T,
        training(panel=lambda d: d.assign(revenue=d["revenue"].mask(d.index % 7 == 0))),
        [],
        data=TD,
        warnings=[r"panel\.csv: 14 of 96 rows have a blank value \(14 in revenue; lines 2, 9, 16"],
    )


def main() -> None:
    for old in HERE.iterdir():
        if old.is_dir() and (old / "case.yml").exists():
            shutil.rmtree(old)
    S = "org_effectiveness"
    case(
        "s01-missing-column",
        S,
        {"survey.csv": survey(lambda d: d.drop(columns="effectiveness"))},
        [r"survey\.csv: missing column\(s\) effectiveness"],
    )
    case(
        "s17-a-block-partly-there",
        S,
        {"survey.csv": survey(lambda d: d.drop(columns="align_agree_roles"))},
        [
            r"survey\.csv: the alignment practices block is only partly there: missing column\(s\) align_agree_roles"
        ],
    )
    case(
        "s19-industry-in-two-cases",
        S,
        {
            "survey.csv": survey(
                lambda d: d.assign(
                    industry=d["industry"].where(d.index % 7 != 0, d["industry"].str.lower())
                )
            )
        },
        [],
        warnings=[
            r"survey\.csv: column industry has '.*' \(\d+ respondent\(s\)\) and '.*' "
            + r"\(\d+ respondent\(s\)\), which differ only in upper/lower case"
        ],
    )
    case(
        "s18-questions-not-asked",
        S,
        {
            "survey.csv": survey(
                lambda d: d.drop(
                    columns=[
                        "industry",
                        "leadership_meetings",
                        "top_initiative",
                        "tool_mobile_learning",
                        "tool_gamification",
                        "tool_mentor_network",
                        "tool_video_coaching",
                    ]
                )
            )
        },
        [],
        warnings=[
            r"Not asked in this survey: survey\.csv has no questions on industry\.",
            r"Not asked in this survey: survey\.csv has no questions on meetings with senior sales leadership\.",
            r"Not asked in this survey: survey\.csv has no questions on the initiative needing most support\.",
        ],
    )
    case(
        "s02-unknown-level",
        S,
        {
            "survey.csv": survey(
                lambda d: d.__setitem__(
                    "leadership_meetings", d["leadership_meetings"].where(d.index != 4, "daily")
                )
            )
        },
        [
            r"survey\.csv: column leadership_meetings has unknown value\(s\) 'daily' on lines 6; allowed: weekly"
        ],
    )
    case(
        "s03-near-miss-level",
        S,
        {
            "survey.csv": survey(
                lambda d: d.__setitem__(
                    "effectiveness", d["effectiveness"].where(d.index != 2, "very efective")
                )
            )
        },
        [
            r"column effectiveness has unknown value\(s\) 'very efective' on lines 4.*Did you mean 'very effective'"
        ],
    )
    case(
        "s04-duplicated-id",
        S,
        {
            "survey.csv": survey(
                lambda d: d.__setitem__(
                    "respondent_id", d["respondent_id"].where(d.index != 7, "R0002")
                )
            )
        },
        [r"column respondent_id has duplicated values on lines 3, 9"],
    )
    case("s05-empty-file", S, {"survey.csv": ""}, [r"survey\.csv: the file is empty"])
    case(
        "s06-header-only",
        S,
        {"survey.csv": ",".join(SURVEY.columns) + "\n"},
        [r"survey\.csv: the file has no data rows"],
    )
    case("s07-semicolon-delimiter", S, {"survey.csv": SURVEY.to_csv(index=False, sep=";")}, [])
    case(
        "s08-byte-order-mark",
        S,
        {"survey.csv": b"\xef\xbb\xbf" + SURVEY.to_csv(index=False).encode()},
        [],
    )
    case(
        "s09-latin-1",
        S,
        {
            "survey.csv": survey(
                lambda d: d.__setitem__("industry", d["industry"].where(d.index != 0, "Télécoms"))
            )
            .to_csv(index=False)
            .encode("latin-1")
        },
        [
            r"survey\.csv: not valid utf-8 text \(byte 0xe9; column\(s\) industry on line\(s\) 2\).*latin-1"
        ],
    )
    case(
        "s10-effectiveness-coded-1-4",
        S,
        {
            "survey.csv": survey(
                lambda d: d.__setitem__(
                    "effectiveness",
                    d["effectiveness"].map(
                        {
                            "not effective": "1",
                            "somewhat effective": "2",
                            "effective": "3",
                            "very effective": "4",
                        }
                    ),
                )
            )
        },
        [r"It looks coded 1-4: map 1-4 to the labels in order"],
    )
    case(
        "s11-zero-weight",
        S,
        {"survey.csv": survey(lambda d: d.assign(weight=["0"] + ["1.2"] * (len(d) - 1)))},
        [r"column weight must be greater than 0; bad on lines 2"],
    )
    case(
        "s12-negative-weight",
        S,
        {
            "survey.csv": survey(
                lambda d: d.assign(weight=["1"] * 3 + ["-2"] + ["1"] * (len(d) - 4))
            )
        },
        [r"column weight must be greater than 0; bad on lines 5"],
    )
    case(
        "s13-not-boolean",
        S,
        {
            "survey.csv": survey(
                lambda d: d.__setitem__(
                    "sustain_coaching", d["sustain_coaching"].where(d.index != 1, "sometimes")
                )
            )
        },
        [r"column sustain_coaching must be true/false; bad values \['sometimes'\] on lines 3"],
    )
    case(
        "s14-blank-rating",
        S,
        {
            "survey.csv": survey(
                lambda d: d.__setitem__("effectiveness", d["effectiveness"].where(d.index != 5, ""))
            )
        },
        [r"column effectiveness is empty on lines 7"],
    )
    case(
        "s15-many-problems-at-once",
        S,
        {
            "survey.csv": survey(
                lambda d: d.assign(
                    top_initiative=d["top_initiative"].where(d.index != 0, "world peace"),
                    align_agree_roles=d["align_agree_roles"].where(d.index != 3, "perhaps"),
                )
            )
        },
        [
            r"top_initiative has unknown value\(s\) 'world peace'",
            r"align_agree_roles must be true/false",
        ],
    )
    case(
        "s16-small-group",
        S,
        {
            "survey.csv": survey(
                lambda d: d.__setitem__(
                    "effectiveness", d["effectiveness"].replace("very effective", "effective")
                )
            )
        },
        [],
        warnings=[
            r"section comparison is left out: No respondent rated their organisation very effective in survey\.csv"
        ],
    )

    T, TD = "training_impact", TRAINING_DATA
    case(
        "t01-duplicate-rep-period",
        T,
        training(panel=lambda d: pd.concat([d, d.iloc[[3]]])),
        [r"panel\.csv: columns rep_id, period: duplicate rep-period rows on lines 5, \d+"],
        data=TD,
    )
    case(
        "t02-rep-not-in-reps-table",
        T,
        training(panel=lambda d: d.assign(rep_id=d["rep_id"].where(d.index != 2, "rep-9999"))),
        [r"panel\.csv: column rep_id: rep\(s\) \['rep-9999'\] on lines 4 are not in reps\.csv"],
        data=TD,
    )
    case(
        "t03b-decimal-commas",
        T,
        training(
            panel=lambda d: d.assign(
                revenue=d["revenue"].map(lambda v: f"{v:.2f}".replace(".", ","))
            )
        ),
        [
            r"panel\.csv: column revenue is not numeric on lines 2, 3, 4, 5, 6 and \d+ more.*numbers written as text with decimal commas"
        ],
        data=TD,
    )
    case(
        "t03-thousands-separators",
        T,
        training(panel=lambda d: d.assign(revenue=d["revenue"].map(lambda v: f"{v:,.2f}"))),
        [
            r"panel\.csv: column revenue is not numeric on lines 2, 3, 4, 5, 6 and \d+ more.*numbers written as text, such as .*run `workbench import`"
        ],
        data=TD,
    )
    case(
        "t04-dates-in-two-formats",
        T,
        training(
            panel=lambda d: d.assign(
                period=d["period"].where(
                    d.index % 2 == 0, d["period"].str[5:] + "/" + d["period"].str[:4]
                )
            )
        ),
        [
            r"panel\.csv: column period: the column mixes formats: \[.*\] on lines 3, 5, 7, 9, 11 and \d+ more are written as month\.year, the other lines as months such as 2025-01; write them all one way"
        ],
        data=TD,
    )
    case(
        "t05-period-gap",
        T,
        training(panel=lambda d: d[d["period"] != "2025-03"]),
        [r"panel\.csv: column period skips 2025-03"],
        data=TD,
    )
    case(
        "t06-start-outside-panel",
        T,
        training(
            reps=lambda d: d.assign(
                training_start=d["training_start"].where(d["training_start"].isna(), "2031-01")
            )
        ),
        [
            r"reps\.csv: column training_start: \d+ rep\(s\) start after the panel ends \(2025-06; e\.g\. 2031-01\)"
        ],
        data=TD,
    )
    case(
        "t07-likert-out-of-range",
        T,
        training(reactions=lambda d: d.assign(rating=d["rating"].where(d.index != 0, 7))),
        [r"reactions\.csv: column rating is outside 1 to 5 on lines 2"],
        data=TD,
    )
    case(
        "t08-score-out-of-range",
        T,
        training(
            assessments=lambda d: d.assign(score_after=d["score_after"].where(d.index != 1, 120))
        ),
        [r"assessments\.csv: column score_after is outside 0 to 100 on lines 3"],
        data=TD,
    )
    case(
        "t09-negative-cost",
        T,
        training(costs=lambda d: d.assign(amount=d["amount"].where(d.index != 2, -500))),
        [],
        data=TD,
        warnings=[
            (
                r"costs\.csv: facilitators and delivery \(-500\.00\) on line 4 is below zero and netted "
                r"against the other costs \(net 187,000\.00\)"
            )
        ],
    )
    case(
        "t10-constant-outcome",
        T,
        training(panel=lambda d: d.assign(revenue=1000.0)),
        [r"panel\.csv: column revenue is constant \(1000 on lines 2 to \d+\)"],
        data=TD,
    )
    case(
        "t11-nobody-trained",
        T,
        training(reps=lambda d: d.assign(training_start=None)),
        [r"reps\.csv: column training_start: treatment 'trained' never varies on lines 2 to \d+"],
        data=TD,
    )
    case(
        "t12-missing-reps-file",
        T,
        {k: v for k, v in training().items() if k != "reps.csv"} | {"reps.csv": "placeholder"},
        [r"reps\.csv: missing column\(s\) rep_id, training_start"],
        data=TD,
    )
    case(
        "t13-header-only-panel",
        T,
        training(panel=lambda d: d.head(0)),
        [r"panel\.csv: the file has a header but no data rows"],
        data=TD,
    )
    case(
        "t14-win-rate-above-one",
        T,
        training(panel=lambda d: d.assign(win_rate=d["win_rate"].where(d.index != 0, 1.4))),
        [r"panel\.csv: column win_rate is outside 0 to 1 on lines 2"],
        data=TD,
    )
    case(
        "t15-duplicate-rep",
        T,
        training(reps=lambda d: pd.concat([d, d.iloc[[0]]])),
        [r"reps\.csv: column rep_id has duplicated values on lines 2, \d+"],
        data=TD,
    )
    case(
        "t16-no-never-trained-group",
        T,
        training(reps=lambda d: d.assign(training_start=d["training_start"].fillna("2025-04"))),
        [],
        warnings=[
            (
                r"reps\.csv: column training_start: every rep is trained \(the last cohort starts 2025-04, lines 2 to 17\), "
                r"so there is no never-trained group: periods 2025-04 to 2025-06"
            )
        ],
        data=TD,
    )

    case(
        "t17-impossible-month",
        T,
        training(panel=lambda d: d.assign(period=d["period"].where(d.index != 4, "2025-13"))),
        [
            r"panel\.csv: column period: impossible month\(s\) \['2025-13'\] on lines 6; months run from 01 to 12"
        ],
        data=TD,
    )

    def weekly(d: pd.DataFrame) -> pd.DataFrame:
        return pd.concat(
            [d.assign(period=d["period"] + "-06"), d.assign(period=d["period"] + "-13")]
        )

    case(
        "t18-weekly-periods",
        T,
        training(panel=weekly),
        [
            r"panel\.csv: column period holds dates less than a month apart \(weekly: 2025-01-06, 2025-01-13"
        ],
        data=TD,
    )
    case(
        "t19-annual-periods",
        T,
        training(
            panel=lambda d: d.assign(period=d["period"].map(lambda v: str(2019 + int(v[-2:])))),
            reps=lambda d: d.assign(
                training_start=d["training_start"].map(
                    lambda v: v if pd.isna(v) else str(2019 + int(v[-2:]))
                )
            ),
        ),
        [
            r"panel\.csv: column period: holds years \(2020, 2021, 2022\), but the panel needs months"
        ],
        data=TD,
    )
    case(
        "t20-quarterly-starts-on-a-monthly-panel",
        T,
        training(
            reps=lambda d: d.assign(
                training_start=d["training_start"].map(lambda v: v if pd.isna(v) else "2025-Q2")
            )
        ),
        [
            r"reps\.csv: column training_start gives quarters \(2025Q2\) on lines .*, but the panel is monthly"
        ],
        data=TD,
    )
    case(
        "t21-trained-before-the-data-begin",
        T,
        training(
            reps=lambda d: d.assign(
                training_start=d["training_start"].where(d.index != 1, "2024-11")
            )
        ),
        [
            r"reps\.csv: column training_start: 1 rep\(s\) trained before the data begin \(e\.g\. 2024-11; the panel starts 2025-01\) on lines 3"
        ],
        data=TD,
    )
    case(
        "t22-wins-above-opportunities",
        T,
        training(
            panel=lambda d: d.assign(wins=d["wins"].where(d.index != 2, d["opportunities"] + 2))
        ),
        [r"panel\.csv: column wins exceeds opportunities on lines 4 \(e\.g\. 6 > 4\)"],
        data=TD,
    )
    south = set(TRAINING["reps"].query("team == 'South'")["rep_id"])
    case(
        "t23-one-team-in-thousands-from-mid-year",
        T,
        training(
            panel=lambda d: d.assign(
                revenue=d["revenue"].where(
                    ~(d["rep_id"].isin(south) & (d["period"] >= "2025-04")),
                    (d["revenue"] / 1000).round(2),
                )
            )
        ),
        [],
        warnings=[
            r"panel\.csv: column revenue of team South \(\d rep\(s\): rep-0003, rep-0005.*\) falls about 1,000x from 2025-04 and stays there"
        ],
        data=TD,
    )
    case(
        "t24-trailing-space-in-an-assessment-id",
        T,
        training(
            assessments=lambda d: pd.concat([d, d.head(1).assign(rep_id=d["rep_id"].iloc[0] + " ")])
        ),
        [r"assessments\.csv: column rep_id has duplicated values on lines"],
        data=TD,
    )

    first_south = TRAINING["reps"].query("team == 'South'")["rep_id"].iloc[0]
    case(
        "t26-team-misspelt-for-one-rep",
        T,
        training(
            reps=lambda d: d.assign(team=d["team"].where(d["rep_id"] != first_south, "Souht"))
        ),
        [],
        warnings=[
            r"reps\.csv: column team has 'Souht' for 1 rep\(s\) on lines \d+, close to 'South' "
            + r"\(\d+ reps\): a typo\?"
        ],
        data=TD,
    )
    case(
        "t25-rep-id-in-lower-case-in-the-panel",
        T,
        training(
            panel=lambda d: d.assign(
                rep_id=d["rep_id"].where(d["rep_id"] != "rep-0001", "REP-0001")
            )
        ),
        [
            r"panel\.csv: column rep_id: rep\(s\) \['REP-0001'\] on lines .* are not in reps\.csv; 1 of "
            + r"them differs from an id there only in upper/lower case \('REP-0001' / 'rep-0001'\)"
        ],
        data=TD,
    )

    R, RD = "readiness_alignment", READINESS_DATA
    case(
        "r01-view-3",
        R,
        readiness(
            **{"two_views.csv": lambda d: d.assign(scope=d["scope"].where(d.index != 1, "View 3"))}
        ),
        [
            r"two_views\.csv: column scope has unknown value\(s\) 'view 3' on lines 3; allowed: View 1 or View 2\.$"
        ],
        data=RD,
    )
    case(
        "r02-misspelt-item-column",
        R,
        readiness(
            **{
                "readiness.csv": lambda d: d.rename(
                    columns={"leading_indicators": "leading_indicator"}
                )
            }
        ),
        [r"readiness\.csv: missing column\(s\) leading_indicators \(found 'leading_indicator'\?\)"],
        data=RD,
    )
    case(
        "r03-checklist-not-ticked",
        R,
        readiness(
            **{
                "failure_reasons.csv": lambda d: d.assign(
                    underfunded=d["underfunded"].astype(str).where(d.index != 0, "x")
                )
            }
        ),
        [
            r"failure_reasons\.csv: column underfunded must be true/false; bad values \['x'\] on lines 2"
        ],
        data=RD,
    )
    case(
        "r04-group-with-one-respondent",
        R,
        readiness(
            **{
                "two_views.csv": lambda d: pd.concat(
                    [d, d.iloc[[0]].assign(respondent_id="solo-01", group="finance")]
                )
            }
        ),
        [],
        warnings=[
            r"two_views\.csv: column group has 'finance' for one respondent only \(lines \d+\)"
        ],
        data=RD,
    )
    case(
        "r05-kpi-start-outside-panel",
        R,
        readiness(**{"kpi_targets.csv": lambda d: d.assign(start_period="2031-01")}),
        [
            r"kpi_targets\.csv: column start_period, line 2: '2031-01' is not a period of kpi_panel\.csv"
        ],
        data=RD,
    )
    case(
        "r06-duplicated-respondent",
        R,
        readiness(
            **{
                "readiness.csv": lambda d: d.assign(
                    respondent_id=d["respondent_id"].where(d.index != 2, d["respondent_id"].iloc[0])
                )
            }
        ),
        [r"readiness\.csv: column respondent_id has duplicated values on lines 2, 4"],
        data=RD,
    )
    case(
        "r07-latin-1-responses",
        R,
        {
            **readiness(),
            "two_views.csv": readiness()["two_views.csv"]
            .assign(group=lambda d: d["group"].where(d.index != 0, "équipe ventes"))
            .to_csv(index=False)
            .encode("latin-1"),
        },
        [r"two_views\.csv: not valid utf-8 text \(byte 0xe9; column\(s\) group on line\(s\) 2\)"],
        data=RD,
    )
    case(
        "r08-unknown-instrument",
        R,
        readiness(),
        [
            r"client\.yml: studies\.readiness_alignment: responses for unknown instrument 'culture_check'"
        ],
        data={"responses": {"culture_check": "readiness.csv"}},
    )
    case(
        "r09-kpi-scope-partly-misspelt",
        R,
        readiness(**{"kpi_targets.csv": lambda d: d.assign(scope="North; Sotuh")}),
        [
            r"kpi_targets\.csv: column scope, line 2: 'Sotuh' is not a team\(s\) of kpi_panel\.csv, so it would silently count as untargeted.*'Sotuh': did you mean 'South'\?"
        ],
        data=RD,
    )
    case(
        "r10-kpi-wins-above-opportunities",
        R,
        readiness(**{"kpi_panel.csv": lambda d: d.assign(wins=d["wins"].where(d.index != 0, 9))}),
        [r"kpi_panel\.csv: column wins exceeds opportunities on lines 2 \(e\.g\. 9 > 2\)"],
        data=RD,
    )
    case(
        "r11-weekly-kpi-panel",
        R,
        readiness(
            **{
                "kpi_panel.csv": lambda d: pd.concat(
                    [d.assign(period=d["period"] + "-06"), d.assign(period=d["period"] + "-13")]
                )
            }
        ),
        [r"kpi_panel\.csv: column period holds dates less than a month apart \(weekly"],
        data=RD,
    )

    parameter_cases(T, TD, S, R, RD)
    plan_cases()
    plausibility_cases(T, TD, S)
    boundary_cases()
    screening_cases()
    rows_cases()
    pseudonym_cases()

    survey_codebook = example_codebook("survey")
    reps_codebook = {
        "tables": {
            "reps": {
                "source": {"file": "reps.xlsx", "format": "xlsx", "sheet": "Reps"},
                "dates": {"training_start": "%m/%Y"},
            }
        }
    }
    import_case(
        "i01-excel-merged-header-cells",
        {
            "reps.xlsx": workbook(
                {
                    "Reps": [
                        ["Rep", None, "Team", "training_start"],
                        ["rep-1", "A", "North", "03/2025"],
                    ]
                },
                merge={"Reps": "A1:B1"},
            )
        },
        reps_codebook,
        [
            r"reps\.xlsx \(sheet 'Reps'\): column\(s\) B hold data but no header in row 1 \(e\.g\. a merged header cell"
        ],
    )
    import_case(
        "i02-qualtrics-question-reworded",
        {
            "qualtrics_export.csv": qualtrics_export(
                lambda lines: [
                    lines[0],
                    lines[1].replace(
                        "How effective is your training organisation",
                        "How well does your training organisation perform",
                    ),
                    *lines[2:],
                ]
            )
        },
        survey_codebook,
        [r"qualtrics_export\.csv: 1 question\(s\) differ from the codebook: Q2 changed wording"],
    )
    import_case(
        "i03-qualtrics-question-renumbered",
        {
            "qualtrics_export.csv": qualtrics_export(
                lambda lines: [
                    lines[0].replace("Q3,Q4", "Q4,Q3"),
                    lines[1],
                    lines[2]
                    .replace("QID3", "QIDx")
                    .replace("QID4", "QID3")
                    .replace("QIDx", "QID4"),
                    *lines[3:],
                ]
            )
        },
        survey_codebook,
        [r"Q3 \('Do you mostly buy customized.*'\) is now asked as Q4: change Q3 to Q4"],
    )
    # An encrypted Office file is an OLE2 compound file with an EncryptedPackage stream.
    ole2 = (
        b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
        + bytes(504)
        + "EncryptedPackage".encode("utf-16-le")
        + bytes(512)
    )
    import_case(
        "i04-password-protected-workbook",
        {"reps.xlsx": ole2},
        reps_codebook,
        [r"reps\.xlsx: a password-protected workbook, which cannot be read"],
    )
    import_case(
        "i07-formula-cells-without-saved-values",
        {
            "reps.xlsx": workbook(
                {
                    "Reps": [
                        ["rep_id", "team", "training_start"],
                        ["rep-1", "North", "03/2025"],
                        ["rep-2", "North", "=B2"],
                        ["rep-3", "South", "=C2"],
                    ]
                }
            )
        },
        reps_codebook,
        [
            r"reps\.xlsx \(sheet 'Reps'\): 2 formula cell\(s\) have no saved result \(C3, C4\).*save it"
        ],
    )
    import_case(
        "i08-workbook-header-names-a-column-twice",
        {
            "reps.xlsx": workbook(
                {
                    "Reps": [
                        ["rep_id", "team", "training_start", "team"],
                        ["rep-1", "North", "03/2025", "South"],
                    ]
                }
            )
        },
        {  # a codebook that names the plain 'team', which now heads two columns
            "tables": {
                "reps": {
                    **reps_codebook["tables"]["reps"],
                    "keep": ["rep_id", "team", "training_start"],
                }
            }
        },
        [
            (
                r"reps\.xlsx: codebook table reps names 'team', but the header gives that name to more "
                r"than one column: 'team' heads 2 columns, read as 'team \(column 2\)' and "
                r"'team \(column 4\)'\. Write the name of the column you mean"
            )
        ],
    )
    import_case(
        "i10-stacked-sheets-with-different-columns",
        {
            "panel.xlsx": workbook(
                {
                    "North": [
                        ["rep_id", "period", "revenue"],
                        ["rep-1", "2025-01", 1200],
                    ],
                    "South": [
                        ["rep_id", "month", "revenue"],
                        ["rep-2", "2025-01", 900],
                    ],
                }
            )
        },
        {
            "tables": {
                "panel": {
                    "source": {
                        "file": "panel.xlsx",
                        "format": "xlsx",
                        "sheets": ["North", "South"],
                        "sheet_column": "region",
                    }
                }
            }
        },
        [
            (
                r"panel\.xlsx: the sheets to stack must have the same columns as sheet 'North', but "
                r"sheet 'South' has 'month' that 'North' lacks and lacks 'period'\. Give them the same "
                r"header"
            )
        ],
    )
    import_case(
        "i09-thousands-or-decimals-cannot-be-told",
        {"costs.csv": 'item,amount\nTrainer fees,"12,500"\nVenue,"3,250"\n'},
        {"tables": {"costs": {"source": {"file": "costs.csv", "format": "csv"}}}},
        [
            r"costs\.csv: column 'amount' cannot be read without knowing the locale: '12,500' could be 12500"
        ],
    )
    import_case(
        "i05-start-dates-in-two-formats",
        {
            "reps.xlsx": workbook(
                {
                    "Reps": [
                        ["rep_id", "team", "training_start"],
                        ["rep-1", "North", "03/2025"],
                        ["rep-2", "North", "2025-04"],
                        ["rep-3", "South", "05/2025"],
                    ]
                }
            )
        },
        reps_codebook,
        [
            r"reps\.xlsx: codebook table reps: column training_start has 1 value\(s\) not in format '%m/%Y' on rows 3, e\.g\. \['2025-04'\]\. They read as '%Y-%m'\."
        ],
    )
    import_case(
        "i06-unlisted-multi-select-option",
        {
            "qualtrics_export.csv": qualtrics_export(
                lambda lines: [
                    *lines[:4],
                    lines[4].replace("Coaching,", "Podcasts,", 1),
                    *lines[5:],
                ]
            )
        },
        survey_codebook,
        [
            r"qualtrics_export\.csv: codebook table survey: column Q6 has option\(s\) \['Podcasts'\] not listed under multi_select options \(rows 5\)"
        ],
    )


PLAN = {
    "outcomes": {"primary": "revenue", "secondary": ["wins"]},
    "behaviours": [{"measure": "call_score", "expected_change": 2.0}],
    "expected_effect": 3000.0,
    "effect_from": 1,
    "rollout": {
        "first_period": "2025-01",
        "periods": 6,
        "cohorts": [{"start": "2025-03", "reps": 6}, {"start": "2025-04", "reps": 6}],
        "untrained": 4,
    },
    "budget": 40000.0,
    "margin": 0.35,
    "assumptions": {"residual_sd": 6000.0},
}


def plan_client(study: str, data: dict, plan: dict) -> str:
    """A client.yml with one study and a measurement plan (the corpus's raw YAML form)."""
    config = {
        "display_name": "Corpus client",
        "studies": {study: {"data": data, "parameters": {}}},
        "plan": plan,
    }
    return yaml.safe_dump(config, sort_keys=False)


def plan_cases() -> None:
    """Measurement plans that cannot be used, or measures of the plan the data cannot give."""
    outside = {**PLAN, "rollout": {**PLAN["rollout"], "cohorts": [{"start": "2026-05", "reps": 6}]}}
    case(
        "p01-plan-cohort-outside-the-study",
        "training_impact",
        {**training(), "client.yml": plan_client("training_impact", TRAINING_DATA, outside)},
        [
            r"client\.yml: plan\.rollout: training start '2026-05' is not inside the 6 periods from 2025-01"
        ],
    )
    case(
        "p02-plan-without-the-outcome-variation",
        "evaluation_plan",
        {"client.yml": plan_client("evaluation_plan", {}, {**PLAN, "assumptions": {}})},
        [
            r"the power of the plan needs the outcome's variation: give baseline data \(reps_path and panel_path\) or plan\.assumptions\.residual_sd"
        ],
    )
    text_secondary = {**PLAN, "outcomes": {"primary": "revenue", "secondary": ["team"]}}
    case(
        "p03-plan-secondary-outcome-is-text",
        "training_impact",
        {**training(), "client.yml": plan_client("training_impact", TRAINING_DATA, text_secondary)},
        [],
        warnings=[
            r"panel\.csv: the plan names 'team' \(plan\.outcomes\.secondary\) but the column holds text",
            r"The measurement plan was not frozen",
        ],
    )


def _parquet(frame: pd.DataFrame) -> bytes:
    import io

    buffer = io.BytesIO()
    frame.to_parquet(buffer, index=False)
    return buffer.getvalue()


def _one(column: str, value, row: int = 5):
    """A change setting ``column`` to ``value`` in one row."""
    return lambda d: d.assign(**{column: d[column].astype(object).where(d.index != row, value)})


def plausibility_cases(T, TD, S) -> None:
    """Inputs that read cleanly but do not hold what their unit says (issue 26)."""
    case(
        "q01-money-outcome-of-small-whole-numbers",
        T,
        training(panel=lambda d: d.assign(revenue=d["wins"])),
        [
            (
                r"panel\.csv: column revenue is a money outcome but holds only small whole numbers "
                r"\(0 to \d+ on lines 2 to 97\): is it a count of deals\? Map the money column"
            )
        ],
        data=TD,
    )
    case(
        "q02-share-outcome-in-percent",
        T,
        training(panel=lambda d: d.assign(conversion=(d["win_rate"] * 100).round(1))),
        [
            (
                r"panel\.csv: column conversion is a share \(outcome_unit: rate\) but holds [\d.]+ on "
                r"lines .*: the column looks like percentages; write them as 45%"
            )
        ],
        data=TD,
        parameters={"outcome": "conversion", "outcome_unit": "rate"},
    )
    month = lambda v: v if pd.isna(v) else f"{v[:4]}.{int(v[5:])}"
    case(
        "q03-period-written-as-a-number",
        T,
        training(
            panel=lambda d: d.assign(period=d["period"].map(month)),
            reps=lambda d: d.assign(training_start=d["training_start"].map(month)),
        ),
        [
            (
                r"panel\.csv: column period holds numbers, not period labels \(2025\.1 on lines 2, .*\): "
                r"2025\.1 looks like a month written as a number"
            ),
            r"reps\.csv: column training_start holds numbers, not period labels",
        ],
        data=TD,
    )
    stored = TRAINING["panel"].assign(
        period=TRAINING["panel"]["period"].map(lambda v: float(f"{int(v[5:])}.{v[:4]}"))
    )
    case(
        "q04-period-stored-as-numbers",
        T,
        {**training(), "panel.parquet": _parquet(stored)},
        [r"panel\.parquet: column period holds numbers, not period labels \(1\.2025 on lines 2, "],
        data={**TD, "panel_path": "panel.parquet"},
    )
    number = {rep: f"{i + 1}.5" for i, rep in enumerate(TRAINING["reps"]["rep_id"])}
    case(
        "q05-fractional-rep-ids",
        T,
        training(
            reps=lambda d: d.assign(rep_id=d["rep_id"].map(number)),
            panel=lambda d: d.assign(rep_id=d["rep_id"].map(number)),
        ),
        [
            r"reps\.csv: column rep_id holds numbers with a fraction \(1\.5 on lines 2, .*\): an id names a rep"
        ],
        data=TD,
    )
    case(
        "q06-one-rep-month-at-a-billion",
        T,
        training(panel=_one("revenue", 1e9)),
        [
            (
                r"panel\.csv: column revenue holds 1e\+09 on line 7, [\d,]+ times the typical rep-period "
                r".*Check the raw file .* trim or winsorise"
            )
        ],
        data=TD,
    )
    case(
        "q07-one-survey-weight-of-a-billion",
        S,
        {
            "survey.csv": survey(
                lambda d: d.assign(weight=["1"] * 3 + ["1e9"] + ["1"] * (len(d) - 4))
            )
        },
        [r"survey\.csv: column weight holds 1e\+09 on line 5, [\d,]+ times the typical respondent"],
    )
    case(
        "q08-one-cost-of-1e300",
        T,
        training(costs=_one("amount", 1e300, row=1)),
        [r"costs\.csv: column amount holds 1e\+300 on line 3: beyond ±1e\+15"],
        data=TD,
    )
    case(
        "q09-infinite-cost",
        T,
        training(costs=_one("amount", "inf", row=1)),
        [
            r"costs\.csv: column amount holds inf on line 3: not a number any figure can be computed from"
        ],
        data=TD,
    )
    case(
        "q12-infinite-revenue",
        T,
        training(panel=_one("revenue", "inf", row=0)),
        [
            r"panel\.csv: column revenue holds inf on line 2: not a number any figure can be computed"
        ],
        data=TD,
    )
    case(
        "q10-plan-budget-infinite",
        "evaluation_plan",
        {"client.yml": plan_client("evaluation_plan", {}, {**PLAN, "budget": float("inf")})},
        [r"client\.yml: plan\.budget: inf is not a number a plan can hold"],
    )
    case(
        "q11-costs-in-another-currency-without-a-rate",
        T,
        training(),
        [],
        data=TD,
        parameters={"currency": "CAD", "costs_currency": "USD"},
        warnings=[
            (
                r"section roi is left out: costs\.csv: the costs are in USD and the results in CAD; "
                r"the client has not given the exchange rate from USD to CAD .* To add it: set "
                r"exchange_rate \(CAD per 1 USD\)"
            )
        ],
    )


def boundary_cases() -> None:
    """Issue 29: markup in every text field renders as text; one client's broken YAML or
    record fails that client with one line (validate and render alike)."""
    import sys

    sys.path.insert(0, str(HERE.parent))
    from injection import ALL, PAYLOADS, injected_instruments

    names = sorted(PAYLOADS)
    instruments = HERE / "_instruments"
    injected_instruments(instruments)
    files = readiness()
    shipped = yaml.safe_load((paths.INSTRUMENTS_DIR / "two_views.yml").read_text())["groups"]
    groups = yaml.safe_load((instruments / "two_views.yml").read_text())["groups"]
    files["two_views.csv"]["group"] = files["two_views.csv"]["group"].map(
        dict(zip(shipped, groups, strict=True))
    )
    for path in sorted(instruments.glob("*.yml")):
        files[f"instruments/{path.name}"] = path.read_text(encoding="utf-8")
    shutil.rmtree(instruments)
    replaced = r"instrument '{}' replaces the project's instrument of the same id"
    case(
        "b01-markup-in-every-instrument-field",
        "readiness_alignment",
        files,
        [],
        data=READINESS_DATA,
        parameters={"instruments_dir": "instruments"},
        warnings=[replaced.format(i) for i in ("strategic_readiness", "two_views")],
    )
    industries = sorted(SURVEY["industry"].unique())
    labelled = {
        label: f"{label} {PAYLOADS[names[i % len(names)]]}" for i, label in enumerate(industries)
    }
    case(
        "b02-markup-in-survey-answers-and-a-file-name",
        "org_effectiveness",
        {
            "survey' onmouseover='alert(1) & (x).csv": survey(
                lambda d: d.assign(industry=d["industry"].map(labelled))
            )
        },
        [],
        data={"survey_path": "survey' onmouseover='alert(1) & (x).csv"},
    )
    case(
        "b03-markup-in-cost-items",
        "training_impact",
        training(
            costs=lambda d: d.assign(
                item=[
                    f"{item} {PAYLOADS[names[i % len(names)]]}" for i, item in enumerate(d["item"])
                ]
            )
        ),
        [],
        data=TRAINING_DATA,
    )
    plan = {
        **PLAN,
        "agreed_with": ALL,
        "behaviours": [{**PLAN["behaviours"][0], "description": ALL}],
    }
    case(
        "b04-markup-in-plan-text",
        "evaluation_plan",
        {"client.yml": plan_client("evaluation_plan", {}, plan)},
        [],
        warnings=[r"The measurement plan was not frozen"],
    )
    one_client = "display_name: Corpus client\nstudies: {org_effectiveness: {data: {survey_path: survey.csv}}}\n"
    survey_file = survey(lambda d: None)
    for name, text, message in (
        (
            "b05-yaml-set-as-a-key",
            one_client + "? !!set {a: null}\n: 1\n",
            r"client\.yml: line 3: !!set \(a set\) is not allowed; write a plain list or mapping",
        ),
        (
            "b06-3000-nested-brackets",
            one_client + "notes: " + "[" * 3000 + "]" * 3000 + "\n",
            r"client\.yml: line 3: lists and mappings are nested more than 32 deep",
        ),
        (
            "b07-display-name-not-utf8",
            one_client.replace("Corpus client", '"Corpus \\udc80 client"'),
            r"client\.yml: line 1: the text holds an escaped code such as \\udc80 that is not a character",
        ),
        (
            "b08-display-name-with-a-control-character",
            one_client.replace("Corpus client", '"Corpus \\e[31m client"'),
            r"client\.yml: display_name holds a control character \(U\+001B\)",
        ),
    ):
        case(name, "org_effectiveness", {"survey.csv": survey_file, "client.yml": text}, [message])
    two_views = (paths.INSTRUMENTS_DIR / "two_views.yml").read_text(encoding="utf-8")
    for name, extra, message in (
        (
            "b09-3000-nested-brackets-in-an-instrument",
            "extra: " + "[" * 3000 + "]" * 3000 + "\n",
            r"instruments/two_views\.yml: line \d+: lists and mappings are nested more than 32 deep",
        ),
        (
            "b10-anchors-in-an-instrument",
            "a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]\n",
            r"instruments/two_views\.yml: line \d+: anchors and aliases \(&name, \*name\) are not allowed",
        ),
        (
            "b11-yaml-set-as-a-key-in-an-instrument",
            "? !!set {a: null}\n: 1\n",
            r"instruments/two_views\.yml: line \d+: !!set \(a set\) is not allowed",
        ),
    ):
        case(
            name,
            "readiness_alignment",
            {**readiness(), "instruments/two_views.yml": two_views + extra},
            [message],
            data=READINESS_DATA,
            parameters={"instruments_dir": "instruments"},
        )
    record = {"frozen_at": "2024-12-02 09:30 UTC", "sha256": "0" * 64, "plan": {}, "earlier": None}
    case(
        "b12-freeze-record-earlier-null",
        "evaluation_plan",
        {
            "client.yml": plan_client("evaluation_plan", {}, PLAN),
            "plan.frozen.json": json.dumps(record),
        },
        [
            r"plan\.frozen\.json in .*/ is not a freeze record \(earlier must be the list of the versions frozen before\)"
        ],
    )


def screening_cases() -> None:
    """Drop rules beyond equals (analysis.ingest.rules.drops): a bot-score threshold meets text."""
    codebook = example_codebook("survey")
    codebook["tables"]["survey"]["drop_rows"].append({"column": "Q_RecaptchaScore", "below": 0.5})
    header = ["Q_RecaptchaScore", "Q_RecaptchaScore", '"{""ImportId"": ""Q_RecaptchaScore""}"']

    def scored(lines: list[str]) -> list[str]:  # the score on every line, a word on line 5
        cells = [*header, *("low" if i == 1 else "0.9" for i in range(len(lines) - 3))]
        return [f"{line.rstrip(chr(13) + chr(10))},{cell}\n" for line, cell in zip(lines, cells)]

    import_case(
        "i11-bot-score-threshold-meets-text",
        {"qualtrics_export.csv": qualtrics_export(scored)},
        codebook,
        [
            r"qualtrics_export\.csv: codebook table survey: drop_rows below 0\.5 on column 'Q_RecaptchaScore': 1 value\(s\) are not numbers on lines 5, e\.g\. \['low'\]\. Correct them in the raw file"
        ],
    )


def pseudonym_cases() -> None:
    """Reps named only by name (``rep_ids``): one person's words in two orders is refused."""
    import_case(
        "i14-reps-named-by-the-same-words-in-two-orders",
        {
            "crm.csv": "Seller,Month,Revenue\nMartin Thomas,2025-01,1200\nAna Ruiz,2025-01,900\n"
            "Martin Thomas,2025-02,1300\nAna Ruiz,2025-02,950\nThomas Martin,2025-03,1250\n"
        },
        {
            "tables": {
                "panel": {
                    "source": {"file": "crm.csv", "format": "csv"},
                    "rep_ids": {"from": "Seller", "key": "name"},
                    "rename": {"Month": "period", "Revenue": "revenue"},
                    "keep": ["rep_id", "period", "revenue"],
                }
            }
        },
        [
            (
                r"crm\.csv: column Seller holds 'Martin Thomas' \(line 2\) and 'Thomas Martin' \(line 6\): "
                r"the same words in another order"
            ),
            r"write one order in the raw file for one person, or give the reps an id column",
        ],
    )


def rows_cases() -> None:
    """Several rows per key (``aggregate``) and one column in two currencies (``rates``)."""
    billing = "Rep,Month,Type,Net,Hit rate\n" + "".join(
        f"{rep},2025-0{month},{kind},{net},{share}\n"
        for rep in ("R1", "R2")
        for month in (1, 2)
        for kind, net, share in (("F2", "1200.00", "40%"), ("G2", "-200.00", "60%"))
    )
    import_case(
        "i12-a-share-summed-across-billing-lines",
        {"billing.csv": billing},
        {
            "tables": {
                "panel": {
                    "source": {"file": "billing.csv", "format": "csv"},
                    "rename": {
                        "Rep": "rep_id",
                        "Month": "period",
                        "Net": "revenue",
                        "Hit rate": "win_rate",
                    },
                    "units": {
                        "revenue": {"unit": "money", "currency": "EUR"},
                        "win_rate": {"unit": "rate"},
                    },
                    "aggregate": {"by": ["rep_id", "period"], "sum": ["revenue", "win_rate"]},
                }
            }
        },
        [
            r"billing\.csv \(codebook table panel\): aggregate\.sum names column 'win_rate', but its unit is rate: a sum of it means nothing"
        ],
    )
    import_case(
        "i13-a-currency-with-no-rate",
        {"panel.csv": "Rep,Month,Revenue\nR1,Jan-25,£48.3k\nR2,Jan-25,€52.1k\nR3,Jan-25,$10.0k\n"},
        {
            "tables": {
                "panel": {
                    "source": {"file": "panel.csv", "format": "csv"},
                    "rename": {"Rep": "rep_id", "Month": "period", "Revenue": "revenue"},
                    "dates": {"period": "%b-%y"},
                    "numbers": {"revenue": {"currency": "GBP", "rates": {"EUR": 0.85}}},
                }
            }
        },
        [
            r"panel\.csv: column 'revenue' has values in USD on line\(s\) 4 \(e\.g\. '\$10\.0k'\), but numbers\.revenue declares GBP and gives no rate for USD"
        ],
    )

    round_three_cases()


def round_three_cases() -> None:
    """What the import took silently before new-user round 3 (issue 26)."""
    import_case(
        "i15-pounds-declared-as-euros",
        {"costs.csv": 'Cost item,Amount (GBP)\nTrainer fees,"£84,000"\nVenue,"£26,500"\n'},
        {
            "tables": {
                "costs": {
                    "source": {"file": "costs.csv", "format": "csv", "decimal": "."},
                    "rename": {"Cost item": "item", "Amount (GBP)": "amount"},
                    "units": {"amount": {"unit": "money", "currency": "EUR"}},
                }
            }
        },
        [
            (
                r"costs\.csv: codebook table costs: column 'Amount \(GBP\)' \(amount\) is declared in "
                r"EUR \(units\.amount\), but 2 value\(s\) are written in GBP on line\(s\) 2, 3"
            )
        ],
    )
    import_case(
        "i16-a-row-exported-twice-would-be-summed",
        {"panel.csv": "Rep,Month,Wins\nR1,2025-01,3\nR2,2025-01,1\nR1,2025-01,3\n"},
        {
            "tables": {
                "panel": {
                    "source": {"file": "panel.csv", "format": "csv"},
                    "rename": {"Rep": "rep_id", "Month": "period", "Wins": "wins"},
                    "aggregate": {"by": ["rep_id", "period"], "sum": ["wins"]},
                }
            }
        },
        [
            (
                r"panel\.csv: codebook table panel: aggregate would add up 1 row\(s\) that are "
                r"copies of another row in every column of the raw file \(lines 4 = 2;.*identical_rows: drop"
            )
        ],
    )
    import_case(
        "i17-a-count-written-as-a-word",
        {"panel.csv": "Rep,Month,Wins\nR1,2025-01,3\nR2,2025-01,two\n"},
        {
            "tables": {
                "panel": {
                    "source": {"file": "panel.csv", "format": "csv"},
                    "rename": {"Rep": "rep_id", "Month": "period", "Wins": "wins"},
                }
            }
        },
        [
            (
                r"panel\.csv: codebook table panel: column 'Wins' \(wins\) is a number in the study, "
                r"but 1 value\(s\) are not numbers on line\(s\) 3 \(e\.g\. 'two'\)"
            )
        ],
    )


if __name__ == "__main__":
    main()
