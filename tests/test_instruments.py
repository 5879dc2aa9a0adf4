"""Study 3: instruments as data, scoring, agreement, misalignment, benchmarks and the KPI gaming check."""

import numpy as np
import pandas as pd
import pytest
import yaml

from analysis import instruments as ins
from analysis import kpi_gaming
from analysis.core import paths
from analysis.datasets.instruments import generate_kpi_episode, generate_two_views
from analysis.instruments import InstrumentError
from conftest import copy_example_client

DEFINITIONS = ins.load_instruments(paths.INSTRUMENTS_DIR)
READINESS = DEFINITIONS["strategic_readiness"]


def _readiness_answers(n_false):
    row = {
        "respondent_id": "r1",
        **{item: (i >= n_false) for i, item in enumerate(READINESS.item_ids)},
    }
    return pd.DataFrame([row])


def test_shipped_instruments_load_with_the_article_structure():
    assert len(READINESS.items) == 10 and READINESS.scoring["count_value"] is False
    assert (
        len(DEFINITIONS["failure_reasons"].items) == 20
        and len(DEFINITIONS["failure_reasons"].themes) == 8
    )
    assert len(DEFINITIONS["two_views"].items) == 7
    assert DEFINITIONS["two_views"].groups == [
        "sales training",
        "product marketing",
        "sales operations",
        "sales leadership",
    ]


def test_six_false_answers_need_serious_work_five_do_not():
    # Article 002: more than five "false" answers means serious work is needed.
    six = ins.score(_readiness_answers(6), READINESS).iloc[0]
    five = ins.score(_readiness_answers(5), READINESS).iloc[0]
    assert six["score"] == 6 and six["band"] == "Serious work needed"
    assert five["score"] == 5 and five["band"] == "Largely strategic"


def test_responses_are_checked_and_typed():
    raw = pd.DataFrame(
        {"respondent_id": ["a", "b"], **{i: ["True", "no"] for i in READINESS.item_ids}}
    )
    typed = ins.check_responses(raw, READINESS)
    assert typed[READINESS.item_ids[0]].tolist() == [True, False]
    bad = raw.assign(**{READINESS.item_ids[2]: ["maybe", "yes"]}).drop(
        columns=READINESS.item_ids[3]
    )
    with pytest.raises(InstrumentError) as error:
        ins.check_responses(bad, READINESS, source="readiness.csv")
    message = str(error.value)
    assert (
        "readiness.csv" in message
        and READINESS.item_ids[3] in message
        and "'maybe'" in message
        and "lines 2" in message
    )


def test_rwg_matches_hand_computation():
    # Binary answers coded 1/2, uniform null variance (2^2 - 1) / 12 = 0.25.
    assert ins.rwg([1, 1, 1, 1, 1, 2]) == pytest.approx(
        1 - (1 / 6) / 0.25
    )  # s^2 = 1/6 -> r_wg = 1/3
    assert ins.rwg([1, 1, 1, 1]) == 1.0
    assert ins.rwg([1, 2, 1, 2]) == 0.0  # more spread than random answering, truncated at 0
    table = pd.DataFrame({"a": [1, 1, 1, 1, 1, 2], "b": [1, 1, 1, 1, 1, 1]})
    mean_ratio = ((1 / 6 + 0) / 2) / 0.25
    assert ins.rwg_j(table, ["a", "b"]) == pytest.approx(
        2 * (1 - mean_ratio) / (2 * (1 - mean_ratio) + mean_ratio)
    )
    # Complete disagreement on many statements: the mean variance (0.5) exceeds the
    # no-agreement variance (0.25); R's multilevel::rwg.j caps the ratio at 1 and gives 0.
    # The uncapped formula gives 7(1-2)/(7(1-2)+2) = 1.4, which used to be shown as 1.
    split = pd.DataFrame({f"s{j}": [1, 2] for j in range(7)})
    assert ins.rwg_j(split, list(split.columns)) == 0.0


def test_krippendorff_alpha_matches_hand_computation_and_the_published_example():
    # Two coders, four units: coincidences o11 = 4, o22 = 2, o12 = o21 = 1; n1 = 5, n2 = 3, n = 8;
    # alpha = 1 - (n - 1) * 2 / (2 * n1 * n2) = 1 - 14 / 30.
    assert ins.nominal_alpha([[1, 1, 2, 2], [1, 1, 2, 1]]) == pytest.approx(1 - 14 / 30)
    # Krippendorff (2011), "Computing Krippendorff's alpha-reliability", 4 observers x 12 units, nominal: 0.743.
    nan = np.nan
    example = [
        [1, 2, 3, 3, 2, 1, 4, 1, 2, nan, nan, nan],
        [1, 2, 3, 3, 2, 2, 4, 1, 2, 5, nan, 3],
        [nan, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, nan],
        [1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, nan],
    ]
    assert round(ins.nominal_alpha(example), 3) == 0.743


@pytest.mark.slow  # a recovery simulation over many planted surveys: ~25 s, run by make test-slow
def test_planted_misalignment_is_found():
    views = DEFINITIONS["two_views"]
    planted = {
        "value": {"sales leadership": 0.05, "sales training": 0.95},
        "design_point": {"sales leadership": 0.1, "product marketing": 0.9},
    }
    data = ins.check_responses(generate_two_views(views, 12, misaligned=planted, seed=5), views)
    found = ins.misalignment(data, views)
    tests, index = found.statements, found.index
    by_item = tests.set_index("item")
    assert by_item.loc["value", "p_value"] < 0.01 and by_item.loc["design_point", "p_value"] < 0.01
    sentence = ins.describe_disagreement(tests, views)
    assert "who sets the agenda" in sentence and "design point" in sentence
    aligned = ins.check_responses(generate_two_views(views, 12, seed=5), views)
    assert ins.misalignment(aligned, views).index < index
    agreement = ins.alignment_agreement(data, views)
    assert set(agreement["group"]) == set(views.groups) and agreement["rwg_j"].between(0, 1).all()


def test_checklist_ranking_and_themes():
    checklist = DEFINITIONS["failure_reasons"]
    data = pd.DataFrame(
        {"respondent_id": ["a", "b", "c"], **{i: [0, 0, 0] for i in checklist.item_ids}}
    )
    data["no_reinforcement"] = [1, 1, 1]
    data["underfunded"] = [1, 0, 0]
    typed = ins.check_responses(data, checklist)
    ranking = ins.rank_checklist(typed, checklist)
    ranked, themes = ranking.reasons, ranking.themes
    assert ranked.iloc[0]["item"] == "no_reinforcement" and ranked.iloc[0]["estimate"] == 1.0
    assert ranked.iloc[1]["item"] == "underfunded"
    assert (
        themes.iloc[0]["theme"] == "Reinforcement and coaching"
        and themes.iloc[0]["respondents_citing"] == 3
    )


def test_benchmark_needs_enough_clients_and_respondents():
    aggregates = pd.DataFrame(
        {
            "client_id": ["me", "a", "b", "c", "a", "b"],
            "item": ["x"] * 4 + ["y"] * 2,
            "count": [1, 2, 3, 4, 1, 1],
            "n": [5, 4, 4, 4, 3, 3],
        }
    )
    bench = ins.benchmark(aggregates, exclude_client="me").set_index("item")
    assert bench.loc["x", "estimate"] == pytest.approx(9 / 12) and not bench.loc["x", "suppressed"]
    assert bench.loc["y", "suppressed"] and np.isnan(
        bench.loc["y", "estimate"]
    )  # two other clients only


@pytest.mark.parametrize(
    "change,message",
    [
        (lambda s: s.update(type="likert"), "not one of"),
        (lambda s: s["items"].append(dict(s["items"][0])), "duplicate item id"),
        (lambda s: s["scoring"].update(bands=[{"label": "only", "min": 6}]), "exactly one band"),
        (lambda s: s.pop("items"), "missing key"),
        (lambda s: s["items"][0].pop("text"), "lacks text"),
    ],
)
def test_bad_instrument_files_are_named(tmp_path, change, message):
    spec = yaml.safe_load((paths.INSTRUMENTS_DIR / "strategic_readiness.yml").read_text())
    change(spec)
    path = tmp_path / "broken.yml"
    path.write_text(yaml.safe_dump(spec))
    with pytest.raises(InstrumentError, match=message):
        ins.load_instrument(path)


def _laughs(levels: int = 6) -> str:
    """Anchors and aliases that expand a 1 KB file nine-fold per level."""
    lines = ['a0: &a0 "lol lol lol lol lol lol lol lol"']
    for level in range(1, levels + 1):
        lines.append(f"a{level}: &a{level} [" + ", ".join([f"*a{level - 1}"] * 9) + "]")
    return "\n".join(lines) + "\n"


@pytest.mark.parametrize(
    "extra,message",
    [
        (_laughs(), r"line \d+: anchors and aliases \(&name, \*name\) are not allowed"),
        ("extra: " + "[" * 3000 + "]" * 3000 + "\n", "nested more than 32 deep"),
        ("? !!set {a: null}\n: 1\n", r"!!set \(a set\) is not allowed"),
        ("? [a, b]\n: 1\n", "a key must be a plain name"),
        ('extra: "\\udc80"\n', "not a character"),
        ("id: strategic_readiness\n", "key 'id' is given twice"),
    ],
    ids=["anchors", "3000-brackets", "set-key", "list-key", "surrogate", "duplicate-key"],
)
def test_instrument_files_are_read_as_strictly_as_client_yml(tmp_path, extra, message):
    text = (paths.INSTRUMENTS_DIR / "strategic_readiness.yml").read_text(encoding="utf-8")
    path = tmp_path / "instruments" / "strategic_readiness.yml"
    path.parent.mkdir()
    path.write_text(text + extra, encoding="utf-8")
    with pytest.raises(InstrumentError, match=message) as error:
        ins.load_instrument(path)
    assert str(error.value).startswith("instruments/strategic_readiness.yml")
    assert "\n" not in str(error.value)


def test_an_instrument_file_linked_out_of_its_folder_is_not_read(tmp_path):
    shared = tmp_path / "instruments"
    shared.mkdir()
    outside = tmp_path / "elsewhere.yml"
    outside.write_text((paths.INSTRUMENTS_DIR / "two_views.yml").read_text(encoding="utf-8"))
    (shared / "two_views.yml").symlink_to(outside)
    with pytest.raises(InstrumentError, match="is a symbolic link to .*elsewhere.yml, outside"):
        ins.load_instruments(shared)


@pytest.mark.slow
def test_kpi_gaming_is_flagged_when_planted_and_rarely_otherwise():
    for seed in range(3):
        panel, targets = generate_kpi_episode(gamed=True, seed=seed)
        assert kpi_gaming.gaming_check(panel, targets).flags["gamed"].all()
        panel, targets = generate_kpi_episode(
            gamed=True, targeted_teams=(), seed=seed
        )  # interrupted time series
        check = kpi_gaming.gaming_check(panel, targets)
        effects, flags = check.effects, check.flags
        assert flags["gamed"].all() and effects["design"].eq("interrupted time series").all()
    false_positives = 0
    for seed in range(200):
        panel, targets = generate_kpi_episode(
            gamed=False, targeted_teams=("East",), seed=10_000 + seed
        )
        false_positives += int(kpi_gaming.gaming_check(panel, targets).gamed)
    assert false_positives / 200 <= 0.05, false_positives


def test_kpi_targets_are_checked():
    panel, targets = generate_kpi_episode(seed=1)
    with pytest.raises(ValueError, match="not a period of kpi_panel.csv"):
        kpi_gaming.gaming_check(panel, targets.assign(start_period="2031-01"))
    with pytest.raises(ValueError, match="needs a column in kpi_panel.csv"):
        kpi_gaming.gaming_check(panel, targets.assign(metric="emails"))
    with pytest.raises(ValueError, match="'Mars' is not a team"):
        kpi_gaming.gaming_check(panel, targets.assign(scope="Mars"))
    teams = sorted(panel["team"].unique())
    misspelt = f"{teams[0]}; {teams[1][:-1]}x"  # one real team, one typo: the typo must not be dropped quietly
    with pytest.raises(
        ValueError, match=f"'{teams[1][:-1]}x' is not a team.*did you mean '{teams[1]}'"
    ):
        kpi_gaming.gaming_check(panel, targets.assign(scope=misspelt))


def test_interrupted_time_series_equals_the_segmented_dummy_regression():
    import statsmodels.formula.api as smf

    panel, targets = generate_kpi_episode(gamed=True, targeted_teams=(), seed=3, n_reps=30)
    effects = kpi_gaming.gaming_check(panel, targets).effects
    row = effects.set_index("measure").loc["activity"]
    frame = panel.copy()
    frame["t"] = frame["period"].rank(method="dense") - 1
    frame["post"] = (frame["period"] >= targets.loc[0, "start_period"]).astype(float)
    frame["since"] = np.where(
        frame["post"] == 1, frame["t"] - frame.loc[frame["post"] == 1, "t"].min(), 0.0
    )
    reference = smf.ols("meetings ~ t + post + since + C(rep_id)", frame).fit()
    assert row["estimate"] == pytest.approx(reference.params["post"], rel=1e-8)


# ----------------------------------------------------------------- the responses contract and sections


def test_the_responses_contract_is_a_pandera_schema_read_from_the_instrument():
    import pandera.pandas as pa

    views = DEFINITIONS["two_views"]
    schema = ins.response_schema(views)
    assert isinstance(schema, pa.DataFrameSchema)
    assert list(schema.columns) == ["respondent_id", "group", *views.item_ids]
    assert schema.columns["respondent_id"].unique
    readiness = ins.response_schema(READINESS)
    assert "group" not in readiness.columns and set(READINESS.item_ids) <= set(readiness.columns)
    raw = pd.DataFrame(
        {
            "respondent_id": ["a", "a", "c"],
            "group": ["sales training"] * 3,
            **{i: ["View 1", " view 2 ", 2] for i in views.item_ids},
        }
    )
    raw.loc[2, views.item_ids[0]] = "View 3"
    with pytest.raises(InstrumentError) as error:
        ins.check_responses(raw, views, source="two_views.csv")
    message = str(error.value)
    assert "two_views.csv: column respondent_id has duplicated values on lines 2, 3" in message
    assert (
        f"two_views.csv: column {views.item_ids[0]} has unknown value(s) 'view 3' on lines 4"
        in message
    )
    typed = ins.check_responses(raw.assign(respondent_id=["a", "b", "c"]).drop(index=2), views)
    assert typed[views.item_ids[1]].tolist() == [1, 2]
    blanks = pd.DataFrame(
        {"respondent_id": ["a", "b"], **{i: [1.0, None] for i in READINESS.item_ids}}
    )
    with pytest.raises(
        InstrumentError, match=rf"column {READINESS.item_ids[0]} is empty on lines 3"
    ):
        ins.check_responses(blanks, READINESS)


def _section_kinds(section):
    return [type(o).__name__ for o in section.outputs]


def test_a_checklist_nobody_ticked_says_so_instead_of_naming_a_theme():
    from analysis.studies.readiness_alignment.sections import checklist_section

    checklist = DEFINITIONS["failure_reasons"]
    data = ins.check_responses(
        pd.DataFrame({"respondent_id": list("abcde"), **{i: [0] * 5 for i in checklist.item_ids}}),
        checklist,
    )
    section = checklist_section(data, checklist)
    assert section.sentences == [
        "No respondent ticked any reason of the " + checklist.title.lower() + "."
    ]
    data["no_reinforcement"] = True
    assert "reinforcement and coaching" in checklist_section(data, checklist).sentences[0]


def test_one_stakeholder_group_gets_no_misalignment_index():
    from analysis.studies.readiness_alignment.sections import two_views_section

    views = DEFINITIONS["two_views"]
    data = ins.check_responses(generate_two_views(views, 40, seed=3), views)
    single = data[data["group"] == views.groups[0]]
    section = two_views_section(single, views)
    assert section.records == [] and "cannot be measured" in section.sentences[0]
    both = two_views_section(data, views)
    assert [r["name"] for r in both.records] == ["two_views_misalignment_index"]
    assert both.records[0]["estimate"] == pytest.approx(ins.misalignment(data, views).index)


def test_a_readiness_section_says_when_there_is_no_benchmark_yet():
    from analysis.studies.readiness_alignment.sections import true_false_section

    answers = ins.check_responses(
        pd.concat([_readiness_answers(k).assign(respondent_id=f"r{k}") for k in range(10)]),
        READINESS,
    )
    section = true_false_section(answers, READINESS)
    html = "".join(o._repr_html_() for o in section.outputs)
    assert "no benchmark yet" in html and "suppressed" not in html.split("Other clients")[-1]
    names = [r["name"] for r in section.records]
    assert names == [
        "strategic_readiness_mean_score",
        "strategic_readiness_share_serious_work_needed",
    ]
    assert section.records[0]["estimate"] == pytest.approx(4.5)
    assert "95% range" in section.sentences[0] and "CI" not in section.sentences[0]


def test_benchmark_files_are_recomputed_only_when_their_inputs_change(example_project, monkeypatch):
    from analysis import instruments as ins
    from analysis.clients.discovery import discover_clients
    from analysis.render.benchmarks import FINGERPRINT, write_benchmarks

    folder = example_project["root"] / "benchmarks"
    discovery = discover_clients(example_project["clients"], example_project["notebooks"])
    written = write_benchmarks(discovery, folder)
    assert written and (folder / FINGERPRINT).is_file()
    first = {p.name: p.read_text() for p in folder.glob("*.csv")}

    calls = []
    real = ins.load_responses
    monkeypatch.setattr(ins, "load_responses", lambda *a, **k: calls.append(a) or real(*a, **k))
    assert (
        write_benchmarks(discovery, folder) == [] and calls == []
    )  # nothing changed: nothing read

    # an output edited or removed by hand is rebuilt as it was
    target = folder / "strategic_readiness.csv"
    target.write_text("edited")
    write_benchmarks(discovery, folder)
    assert calls and target.read_text() == first["strategic_readiness.csv"]

    # a client's changed answers change the benchmark
    calls.clear()
    responses = example_project["clients"] / "acme-learning" / "readiness.csv"
    lines = responses.read_text().splitlines()
    row = lines[1].split(",")
    row[1] = "false" if row[1] == "true" else "true"
    responses.write_text("\n".join([lines[0], ",".join(row), *lines[2:]]) + "\n")
    discovery = discover_clients(example_project["clients"], example_project["notebooks"])
    assert calls == [] and write_benchmarks(discovery, folder) == [target]
    assert target.read_text() != first["strategic_readiness.csv"]


def test_a_real_client_is_never_benchmarked_against_generated_example_clients(example_project):
    from analysis.clients.benchmarks import client_key, same_pool
    from analysis.clients.discovery import discover_clients
    from analysis.render.benchmarks import write_benchmarks

    clients = example_project["clients"]
    for real in ("north-real", "south-real"):
        copy_example_client("acme-learning", clients / real)
        config = (clients / real / "client.yml").read_text()
        (clients / real / "client.yml").write_text(config.replace("synthetic: true\n", ""))
    folder = example_project["root"] / "benchmarks"
    write_benchmarks(discover_clients(clients, example_project["notebooks"]), folder)
    pooled = pd.read_csv(folder / "strategic_readiness.csv")
    assert set(pooled["pool"]) == {"synthetic", "clients"}
    real_rows = same_pool(pooled, synthetic=False)
    assert set(real_rows["client_id"]) == {client_key("north-real"), client_key("south-real")}
    # one other real client: below the three other clients a benchmark needs
    bench = ins.benchmark(real_rows, exclude_client=client_key("north-real"))
    assert bench["suppressed"].all()
    examples = ins.benchmark(
        same_pool(pooled, synthetic=True), exclude_client=client_key("acme-learning")
    )
    assert not examples["suppressed"].any() and (examples["clients"] == 3).all()


def test_a_group_too_small_to_show_stays_out_of_the_spreads_and_the_index():
    # found by a new-user test: one 'sales operations' respondent was suppressed in the
    # table but drove the spreads (their answers could be read back) and the index
    from analysis.studies.readiness_alignment.sections import two_views_section

    views = DEFINITIONS["two_views"]
    data = ins.check_responses(generate_two_views(views, 40, seed=3), views)
    lonely = views.groups[-1]
    first = data[data["group"] == lonely]["respondent_id"].iloc[0]
    one = data[(data["group"] != lonely) | (data["respondent_id"] == first)]
    section = two_views_section(one, views, min_cell_size=5)
    others = one[one["group"] != lonely]
    assert section.records[0]["estimate"] == pytest.approx(ins.misalignment(others, views).index)
    html = "".join(getattr(o, "_repr_html_", lambda: "")() for o in section.outputs)
    assert f"{lonely}: fewer than 5 respondents, so left out" in html


def test_copies_of_one_client_count_once_and_never_as_its_own_benchmark():
    """Issue 29: three copies of one client made its "other clients" benchmark itself."""
    data = pd.DataFrame({"x": [True, False, True, True, False, True]})

    class _Instrument:
        type = "checklist"
        item_ids = ("x",)

    def aggregates(client_id, answers):
        return ins.client_aggregates(answers, _Instrument(), client_id)

    other = [
        pd.DataFrame({"x": answers})
        for answers in ([True] * 5 + [False], [True] * 3 + [False] * 3, [True] + [False] * 5)
    ]
    pooled = pd.concat(
        [aggregates(c, data) for c in ("me", "copy-1", "copy-2")]
        + [aggregates(f"o{k}", d) for k, d in enumerate(other)],
        ignore_index=True,
    )
    bench = ins.benchmark(pooled, exclude_client="me", min_cell_size=1).set_index("item")
    # the copies are "me": left out; the three others remain, each counted once
    assert bench.loc["x", "clients"] == 3
    assert bench.loc["x", "n"] == 18
    doubled = pd.concat([pooled, aggregates("o0-again", other[0])], ignore_index=True)
    again = ins.benchmark(doubled, exclude_client="me", min_cell_size=1).set_index("item")
    assert again.loc["x", "clients"] == 3 and again.loc["x", "n"] == 18
    only_copies = pooled[pooled["client_id"].isin(["me", "copy-1", "copy-2", "o0"])]
    alone = ins.benchmark(only_copies, exclude_client="me", min_cell_size=1).set_index("item")
    assert alone.loc["x", "suppressed"]  # one other client, not three
