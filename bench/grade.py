"""Grading benchmark: 3,000 candidates × 100 items plus one practical file each, ranked in 100 formations.

Prints how long the multiple-choice part, the practical files (with and without the per-file cache),
the ranking and the whole session take, and the command that produced the figures.

    python bench/grade.py [--candidates 3000] [--items 100] [--formations 100] [--files 20]
"""

from __future__ import annotations

import argparse
import hashlib
import io
import os
import platform
import random
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import docx
import openpyxl
from docx.enum.section import WD_ORIENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.shared import Pt
from openpyxl.chart import BarChart, LineChart, PieChart, Reference

from grader import build_exam
from grader.components import CandidateScore, build_rules
from grader.files import CachedFiles
from grader.model import AttemptResult
from grader.ranking import rank_all
from grader.scoring import CompiledExam

T = TypeVar("T")
OPTIONS = ["A", "B", "C", "D", "E"]


def timed(label: str, fn: Callable[[], T], results: dict[str, float]) -> T:
    start = time.perf_counter()
    value = fn()
    results[label] = time.perf_counter() - start
    return value


def choice_items(count: int) -> list[dict[str, Any]]:
    """Half single, 15 % multi (per-option credit), 15 % true/false, 20 % TKP: the exam day's mix."""
    items: list[dict[str, Any]] = []
    for n in range(count):
        code = f"Q{n:03d}"
        if n % 5 == 4:
            items.append(
                {
                    "code": code,
                    "section": "TKP",
                    "kind": "tkp",
                    "options": OPTIONS,
                    "key": {"A": 5, "B": 4, "C": 3, "D": 2, "E": 1},
                }
            )
        elif n % 7 == 3:
            items.append(
                {
                    "code": code,
                    "section": "TIK",
                    "kind": "multi",
                    "points": 4,
                    "options": OPTIONS,
                    "key": ["A", "C"],
                    "params": {"partial": "per_option"},
                }
            )
        elif n % 7 == 5:
            items.append({"code": code, "section": "TIK", "kind": "truefalse", "points": 2, "key": n % 2 == 0})
        else:
            items.append(
                {
                    "code": code,
                    "section": "TIK",
                    "kind": "single",
                    "points": 5,
                    "options": OPTIONS,
                    "key": OPTIONS[n % 5],
                }
            )
    return items


def line(line_id: str, check: str, points: int, **args: Any) -> dict[str, Any]:
    return {
        "id": line_id,
        "check": check,
        "args": args,
        "points": points,
        "description_id": f"Baris {line_id}",
        "description_en": f"Line {line_id}",
    }


PRACTICAL = [
    {
        "code": "PRAK-DOC",
        "section": "PRAKTIK",
        "kind": "document",
        "key": [
            line("D1", "text_present", 1, text="Laporan Kegiatan Desa"),
            line("D2", "paragraph_style", 2, text="Laporan Kegiatan", style="Judul 1"),
            line("D3", "text_format", 1, text="Dana Desa", bold=True),
            line("D4", "font_size", 1, text="Ringkasan", size="14"),
            line("D5", "alignment", 1, text="Laporan Kegiatan", align="center"),
            line("D6", "table_with_rows", 2, rows=4, cols=3, header=["No", "Kegiatan", "Biaya"]),
            line("D7", "orientation", 1, orientation="landscape"),
            line("D8", "header_text", 1, text="Pemerintah Desa"),
        ],
    },
    {
        "code": "PRAK-XLS",
        "section": "PRAKTIK",
        "kind": "spreadsheet",
        "key": [
            line("X1", "cell_formula", 3, cell="B12", functions=["SUM"]),
            line("X2", "cell_formula", 2, cell="B13", functions=["AVERAGE"]),
            line("X3", "number_format", 1, cell="C2:C11", kind="percent"),
            line("X4", "sorted_range", 1, range="A2:B11", column="B", order="desc"),
            line("X5", "chart_kind", 2, kind="column"),
        ],
    },
]


def make_docx(variant: int) -> bytes:
    rnd = random.Random(variant)
    document = docx.Document()
    title = document.add_paragraph("Laporan Kegiatan Desa", style="Heading 1" if variant % 3 else "Normal")
    if variant % 2:
        title.alignment = WD_ALIGN_PARAGRAPH.CENTER
    body = document.add_paragraph("Penggunaan ")
    body.add_run("Dana Desa").bold = variant % 4 != 0
    body.add_run(f" tahun {2020 + variant}.")
    document.add_paragraph().add_run("Ringkasan").font.size = Pt(14 if variant % 5 else 12)
    for _ in range(rnd.randint(3, 12)):
        document.add_paragraph(" ".join(rnd.choice(["warga", "jalan", "dana", "rapat", "desa"]) for _ in range(30)))
    table = document.add_table(rows=4 if variant % 6 else 3, cols=3)
    for column, text in enumerate(["No", "Kegiatan", "Biaya"]):
        table.cell(0, column).text = text
    section = document.sections[0]
    if variant % 2:
        section.orientation = WD_ORIENT.LANDSCAPE
        section.page_width, section.page_height = section.page_height, section.page_width
    section.header.paragraphs[0].text = "Pemerintah Desa Sukamaju"
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def make_xlsx(variant: int) -> bytes:
    rnd = random.Random(variant)
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    values = sorted((rnd.randint(100, 900) for _ in range(10)), reverse=variant % 3 != 0)
    for row, value in enumerate(values, start=2):
        sheet.cell(row, 1, f"Warga {row}")
        sheet.cell(row, 2, value)
        share = sheet.cell(row, 3, f"=B{row}/B12")
        share.number_format = "0%" if variant % 2 else "0.00"
    sheet["B12"] = "=SUM(B2:B11)" if variant % 4 else sum(values)
    sheet["B13"] = "=AVERAGE(B2:B11)"
    chart = [BarChart, LineChart, PieChart][variant % 3]()
    chart.add_data(Reference(sheet, min_col=2, min_row=2, max_row=11))
    sheet.add_chart(chart, "E2")
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--candidates", type=int, default=3000)
    parser.add_argument("--items", type=int, default=100)
    parser.add_argument("--formations", type=int, default=100)
    parser.add_argument("--files", type=int, default=20, help="distinct practical files (half docx, half xlsx)")
    parser.add_argument("--seed", type=int, default=2026)
    args = parser.parse_args()
    rnd = random.Random(args.seed)
    print("command:", " ".join([Path(sys.executable).name, *sys.argv]))
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    print(
        f"python {platform.python_version()} on {platform.machine()} ({os.cpu_count()} CPUs, load {load}), "
        f"{args.candidates} candidates × {args.items} items + 1 practical file each, {args.formations} formations"
    )

    mc_raw = choice_items(args.items)
    sections = [
        {"code": "TIK", "title": "TIK"},
        {"code": "TKP", "title": "TKP"},
        {"code": "PRAKTIK", "title": "Praktik"},
    ]
    mc_exam = build_exam({"code": "B", "title": "MC", "sections": sections[:2], "items": mc_raw})
    full_exam = build_exam({"code": "B", "title": "Full", "sections": sections, "items": [*mc_raw, *PRACTICAL]})
    practical_exam = build_exam({"code": "P", "title": "P", "sections": sections[2:], "items": PRACTICAL})
    files = [make_docx(n) for n in range(args.files // 2)] + [make_xlsx(n) for n in range(args.files - args.files // 2)]
    store = {hashlib.sha256(data).hexdigest(): data for data in files}
    answers: list[dict[str, object]] = []
    for n in range(args.candidates):
        responses: dict[str, object] = {}
        for item in mc_exam.items:
            if rnd.random() < 0.03:
                continue  # left blank
            if item.kind in ("single", "tkp"):
                responses[item.code] = rnd.choice(OPTIONS)
            elif item.kind == "multi":
                responses[item.code] = sorted(rnd.sample(OPTIONS, rnd.randint(1, 3)))
            else:
                responses[item.code] = rnd.random() < 0.5
        which = n % len(files)  # the first half of ``files`` are documents, the rest workbooks
        digest = hashlib.sha256(files[which]).hexdigest()
        code = "PRAK-DOC" if which < args.files // 2 else "PRAK-XLS"
        responses[code] = {"sha256": digest, "name": f"jawaban-{n}.{'docx' if code == 'PRAK-DOC' else 'xlsx'}"}
        answers.append(responses)

    times: dict[str, float] = {}
    mc = CompiledExam(mc_exam)
    timed("multiple choice (100 items, memoised)", lambda: [mc.grade(a) for a in answers], times)
    practical = CompiledExam(practical_exam)
    timed("practical files, every file parsed", lambda: [practical.grade(a, store) for a in answers], times)
    cached_store = CachedFiles(store)
    timed("practical files, cached by SHA-256", lambda: [practical.grade(a, cached_store) for a in answers], times)

    rules = build_rules(
        {
            "components": [
                {"code": "tertulis", "source": "exam", "sections": ["TIK", "TKP"], "weight": "60", "max": "100"},
                {"code": "praktik", "source": "exam", "sections": ["PRAKTIK"], "weight": "40", "max": "100"},
            ],
            "bonus_max": "5",
            "total_cap": "100",
            "tie_breaks": ["component:tertulis", "finish_time", "age:older", "retest"],
        }
    )

    def session(file_store: object) -> tuple[list[AttemptResult], dict[str, Any]]:
        compiled = CompiledExam(full_exam)
        results = [compiled.grade(a, file_store) for a in answers]  # type: ignore[arg-type]
        people = [
            CandidateScore.from_attempt(
                f"P{n:05d}",
                f"F{n % args.formations:03d}",
                full_exam,
                result,
                present=rnd.random() > 0.02,
                bonus_milli=rnd.choice([0, 0, 0, 2500]),
                finished_ms=rnd.randint(0, 7_200_000),
                birth_date=f"{rnd.randint(1970, 2004)}-0{rnd.randint(1, 9)}-1{rnd.randint(0, 9)}",
            )
            for n, result in enumerate(results)
        ]
        return results, rank_all(people, rules)

    exam_results, _ = timed("whole session, files cached (grade + rank)", lambda: session(CachedFiles(store)), times)
    timed("whole session, every file parsed (grade + rank)", lambda: session(store), times)

    def rank_only() -> dict[str, Any]:
        people = [
            CandidateScore.from_attempt(
                f"P{n:05d}", f"F{n % args.formations:03d}", full_exam, result, finished_ms=n, birth_date="1990-01-01"
            )
            for n, result in enumerate(exam_results)
        ]
        return rank_all(people, rules)

    ranked = timed("ranking only (100 formations)", rank_only, times)
    width = max(map(len, times))
    for label, seconds in times.items():
        print(f"  {label:<{width}}  {seconds:7.3f} s")
    per_file = times["practical files, every file parsed"] / args.candidates * 1000
    print(f"  per practical file, parsed and checked: {per_file:.2f} ms; formations ranked: {len(ranked)}")
    goal_ok = (
        times["whole session, files cached (grade + rank)"] < 5 and times["multiple choice (100 items, memoised)"] < 0.5
    )
    print(f"goal (session < 5 s with the per-file cache, multiple choice < 0.5 s): {'met' if goal_ok else 'NOT met'}")


if __name__ == "__main__":
    main()
