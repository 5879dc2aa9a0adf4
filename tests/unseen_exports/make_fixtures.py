"""Write the small raw files of ``tests/unseen_exports/`` (run from the repository root).

Small copies of exports from tools the drafter was not designed on, in the shapes a new
user met (round 3): a Zoho-style deals export (Spanish stages, ``15-Mar-2025``,
``€ 12.345,67``), a TalentLMS-style completion workbook (title rows, a merged cell,
completion dates as Excel serial numbers), an HR roster with consecutive employee
numbers, a quarterly workbook (a cover sheet, a notes row under the header, ``Q3 FY24``,
revenue as ``48.3k``), and a SurveyMonkey-style survey in Portuguese (two header rows,
0/1 multi-select columns, a test response). Seeded: the files are the same on every run.

    python tests/unseen_exports/make_fixtures.py
"""

from __future__ import annotations

import csv
import random
from datetime import date
from pathlib import Path

import openpyxl

HERE = Path(__file__).resolve().parent
DAY_ZERO = date(1899, 12, 30)  # Excel's day 0 (serial 1 is 1900-01-01, with its leap bug)
GIVEN = ["Anna", "Bram", "Carla", "Daan", "Elif", "Femke", "Gijs", "Hana", "Ivo", "Jet", "Koen"]
FAMILY = ["de Wit", "Jansen", "Mulder", "Ortega", "Peeters", "Ruiz", "Smit", "van Dijk", "Vos"]


def _euro(amount: float) -> str:
    """``€ 12.345,67``: dots group thousands, a comma marks the decimals."""
    text = f"{amount:,.2f}".replace(",", " ").replace(".", ",").replace(" ", ".")
    return f"€ {text}"


def _people(rng: random.Random, n: int) -> list[str]:
    names: list[str] = []
    while len(names) < n:
        name = f"{rng.choice(GIVEN)} {rng.choice(FAMILY)}"
        if name not in names:
            names.append(name)
    return names


def _email(name: str) -> str:
    return name.lower().replace(" ", ".") + "@example.nl"


def crm_and_lms(rng: random.Random) -> None:
    """Deals (one row per deal), completions (.xlsx, serial dates) and the HR roster."""
    people = _people(rng, 12)
    with open(HERE / "deals_export.csv", "w", newline="", encoding="utf-8") as handle:
        out = csv.writer(handle)
        out.writerow(
            ["Deal Id", "Deal Name", "Deal Owner", "Closing Date", "Amount", "Stage", "Lead Source"]
        )
        number = 0
        for month in range(1, 7):
            for person in people:
                for _ in range(rng.randint(1, 3)):
                    number += 1
                    stage = rng.choice(["Cerrado ganado", "Cerrado ganado", "Cerrado perdido"])
                    when = date(2025, month, rng.randint(1, 28)).strftime("%d-%b-%Y")
                    amount = _euro(rng.uniform(800, 24_000))
                    source = rng.choice(["Web", "Feria", "Referencia"])
                    deal = [f"zcrm_{900000 + number * 7}", f"Oportunidad {number}", person]
                    out.writerow([*deal, when, amount, stage, source])
        for k in range(4):  # open deals
            deal = [f"zcrm_{990000 + k}", f"Abierta {k}", people[k], f"0{k + 1}-Sep-2025"]
            out.writerow([*deal, _euro(5000), "Negociación/Revisión", "Web"])
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "Course completion"
    sheet["A1"] = "Course completion report"
    sheet.merge_cells("A1:F1")
    sheet["A2"] = "Generated 2025-07-03"
    sheet.append([])
    sheet.append(["Learner", "E-mail", "Course", "Status", "Completion date", "Score"])
    for index, person in enumerate(people):
        done = date(2024, rng.randint(1, 12), rng.randint(1, 28))
        sheet.append([person, _email(person), "Data Privacy Basics", "Passed"])
        sheet.cell(sheet.max_row, 5, (done - DAY_ZERO).days)
        sheet.cell(sheet.max_row, 6, rng.randint(70, 100))
        if index < 8:
            done = date(2025, 2 + index % 3, rng.randint(1, 3))
            sheet.append([person, _email(person), "Value Selling Bootcamp", "Passed"])
            sheet.cell(sheet.max_row, 5, (done - DAY_ZERO).days)
            sheet.cell(sheet.max_row, 6, rng.randint(60, 100))
        else:
            sheet.append([person, _email(person), "Value Selling Bootcamp", "In progress"])
    book.save(HERE / "lms_completions.xlsx")
    with open(HERE / "hr_roster.csv", "w", newline="", encoding="utf-8") as handle:
        out = csv.writer(handle)
        out.writerow(["Employee number", "Full name", "E-mail", "Hire date", "Region"])
        for index, person in enumerate(people):
            hired = date(2021, rng.randint(1, 12), rng.randint(13, 28)).strftime("%d-%m-%Y")
            out.writerow([40100 + index, person, _email(person), hired, rng.choice("NSEW")])


def fiscal_workbook(rng: random.Random) -> None:
    """A cover sheet, then a rep-quarter panel with a notes row under its header."""
    book = openpyxl.Workbook()
    cover = book.active
    cover.title = "Cover"
    cover["A1"] = "Quarterly performance of the account executives"
    cover["A3"] = "Revenue in USD thousands. The fiscal year starts in April."
    panel = book.create_sheet("Panel")
    panel.append(["Rep ID", "Team", "Fiscal quarter", "Net revenue", "Deals won", "FTE"])
    panel.append(["", "", "", "USD k, net of returns", "count", "share of full time"])
    for rep in range(1, 9):
        for year in (24, 25):
            for quarter in range(1, 5):
                revenue = round(rng.uniform(30, 70), 1)
                key = [f"AE-{rep:03d}", rng.choice(["DACH", "Nordics"]), f"Q{quarter} FY{year}"]
                panel.append([*key, f"{revenue}k", rng.randint(0, 6), rng.choice([1, 0.8, 0.5])])
    book.save(HERE / "fiscal_quarters.xlsx")


def survey_in_portuguese(rng: random.Random) -> None:
    """Two header rows (questions over answers), answers in Portuguese, one test row."""
    effective = (
        "De modo geral, quão eficaz é a organização de treinamento de vendas da sua empresa?"
    )
    options = ["Coaching de vendas", "Metodologia de vendas", "Negociação"]
    top = ["ID do respondente", "ID do coletor", "Data de início", "Data de término"]
    top += ["Endereço de e-mail", "Nome", "Sobrenome", "Em que setor atua a sua empresa?"]
    top += [effective, "A sua empresa compra soluções de treinamento personalizadas?"]
    top += ["Quais destas iniciativas a sua empresa realizou? (marque todas)", "", ""]
    below = [""] * 7 + ["Resposta", "Resposta", "Resposta", *options]
    levels = ["Muito ineficaz", "Ineficaz", "Eficaz", "Muito eficaz"]
    rows = []
    for index in range(40):
        first, last = rng.choice(["Ana", "João", "Rita", "Tiago"]), rng.choice(["Silva", "Costa"])
        day = f"{rng.randint(3, 20):02d}/03/2025"
        rows.append(
            [str(11800000000 + index * 137), "431207851", f"{day} 09:10:00", f"{day} 09:40:00"]
            + [f"{first.lower()}{index}@empresa.com.br", first, last]
            + [rng.choice(["Tecnologia", "Varejo", "Indústria"]), rng.choice(levels)]
            + [rng.choice(["Sim", "Não"])]
            + [rng.choice([0, 1]) for _ in options]
        )
    test = ["11799999999", "431207851", "01/03/2025 08:00:00", "01/03/2025 08:01:00"]
    test += ["teste@consultoria.com.br", "TESTE", "NÃO CONSIDERAR", "Tecnologia"]
    rows.insert(2, [*test, "Muito eficaz", "Sim", 1, 1, 1])
    with open(HERE / "survey_pt.csv", "w", newline="", encoding="utf-8-sig") as handle:
        out = csv.writer(handle)
        out.writerows([top, below, *rows])


if __name__ == "__main__":
    seed = random.Random(2025)
    crm_and_lms(seed)
    fiscal_workbook(seed)
    survey_in_portuguese(seed)
