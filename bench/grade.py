"""Grading benchmark: 3,000 candidates × 100 items plus one practical file each, ranked in 100 formations.

Every candidate's practical file is distinct (the realistic case: each is someone's own work), made from
real base files by changing their content per candidate. Prints how long the multiple-choice part, the
practical files (Word/Excel files, and LibreOffice's .odt/.ods when ``soffice`` is installed; in one
process and in a process pool), the ranking and the whole session take, and the command and machine load.

    python bench/grade.py [--candidates 3000] [--items 100] [--formations 100] [--bases 20] [--workers N]
"""

from __future__ import annotations

import argparse
import hashlib
import io
import os
import platform
import random
import shutil
import struct
import subprocess
import sys
import tempfile
import time
import zipfile
import zlib
from collections.abc import Callable
from functools import partial
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
from grader.items.pool import pregrade
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


# ---- every candidate's file distinct ---------------------------------------------------------------------

PERSONAL = {
    # (part, text replaced once, its replacement with %d for the candidate): real content, not metadata
    "docx": (
        "word/document.xml",
        b"<w:sectPr",
        b"<w:p><w:r><w:t>Disusun oleh peserta P%05d</w:t></w:r></w:p><w:sectPr",
    ),
    "odt": ("content.xml", b"</office:text>", b"<text:p>Disusun oleh peserta P%05d</text:p></office:text>"),
    "xlsx": ("xl/worksheets/sheet1.xml", b"<t>Warga 2</t>", b"<t>Warga 2 (P%05d)</t>"),
    "ods": ("content.xml", b"<text:p>Warga 2</text:p>", b"<text:p>Warga 2 (P%05d)</text:p>"),
}


class Template:
    """A zip package whose entries are kept compressed, so copies with one part changed are cheap to write."""

    def __init__(self, data: bytes, fmt: str) -> None:
        self.part, self.old, self.new = PERSONAL[fmt]
        self.entries: list[tuple[zipfile.ZipInfo, bytes]] = []
        with zipfile.ZipFile(io.BytesIO(data)) as source:
            for info in source.infolist():
                source.fp.seek(info.header_offset + 26)  # type: ignore[union-attr]
                name_len, extra_len = struct.unpack("<HH", source.fp.read(4))  # type: ignore[union-attr]
                source.fp.seek(info.header_offset + 30 + name_len + extra_len)  # type: ignore[union-attr]
                self.entries.append((info, source.fp.read(info.compress_size)))  # type: ignore[union-attr]
                if info.filename == self.part:
                    self.plain = source.read(info)
        assert self.old in self.plain, (fmt, self.old)

    def copy(self, candidate: int) -> bytes:
        """The package with the personal part rewritten (deflated like the original) and the rest copied."""
        out = io.BytesIO()
        central = []
        for info, raw in self.entries:
            crc, size, method = info.CRC, info.file_size, info.compress_type
            if info.filename == self.part:
                plain = self.plain.replace(self.old, self.new % candidate, 1)
                packer = zlib.compressobj(6, zlib.DEFLATED, -15)
                raw = packer.compress(plain) + packer.flush()
                crc, size, method = zlib.crc32(plain), len(plain), zipfile.ZIP_DEFLATED
            name = info.filename.encode()
            offset = out.tell()
            dostime = (info.date_time[3] << 11) | (info.date_time[4] << 5) | (info.date_time[5] // 2)
            dosdate = ((info.date_time[0] - 1980) << 9) | (info.date_time[1] << 5) | info.date_time[2]
            fields = (20, 0, method, dostime, dosdate, crc, len(raw), size, len(name))
            out.write(struct.pack("<4s5H3L2H", b"PK\x03\x04", *fields, 0) + name + raw)
            central.append(struct.pack("<4s6H3L5H2L", b"PK\x01\x02", 20, *fields, 0, 0, 0, 0, 0, offset) + name)
        directory = b"".join(central)
        end = struct.pack("<4s4H2LH", b"PK\x05\x06", 0, 0, len(central), len(central), len(directory), out.tell(), 0)
        return out.getvalue() + directory + end


def libreoffice_copies(files: list[bytes], suffix: str, target: str) -> list[bytes] | None:
    """``files`` opened and saved by LibreOffice as ``target`` (odt/ods), or None without ``soffice``."""
    soffice = shutil.which("soffice")
    if soffice is None:
        return None
    with tempfile.TemporaryDirectory() as folder:
        sources = []
        for n, data in enumerate(files):
            path = Path(folder) / f"f{n:03d}.{suffix}"
            path.write_bytes(data)
            sources.append(str(path))
        profile = f"-env:UserInstallation=file://{folder}/profile"
        command = [soffice, profile, "--headless", "--convert-to", target, "--outdir", folder, *sources]
        subprocess.run(command, check=True, capture_output=True, timeout=600)
        return [(Path(folder) / f"f{n:03d}.{target}").read_bytes() for n in range(len(files))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--candidates", type=int, default=3000)
    parser.add_argument("--items", type=int, default=100)
    parser.add_argument("--formations", type=int, default=100)
    parser.add_argument("--bases", type=int, default=20, help="base files (half documents, half workbooks)")
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1, help="processes grading files")
    parser.add_argument("--seed", type=int, default=2026)
    args = parser.parse_args()
    rnd = random.Random(args.seed)
    print("command:", " ".join([Path(sys.executable).name, *sys.argv]))
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    print(
        f"python {platform.python_version()} on {platform.machine()} ({os.cpu_count()} CPUs, load {load}), "
        f"{args.candidates} candidates × {args.items} items + 1 practical file each (every file distinct), "
        f"{args.formations} formations, {args.workers} worker processes"
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
    half = args.bases // 2
    bases = {"docx": [make_docx(n) for n in range(half)], "xlsx": [make_xlsx(n) for n in range(args.bases - half)]}
    odt, ods = libreoffice_copies(bases["docx"], "docx", "odt"), libreoffice_copies(bases["xlsx"], "xlsx", "ods")
    if odt is not None and ods is not None:
        bases["odt"], bases["ods"] = odt, ods
    else:
        print("  (soffice not found: the .odt/.ods part is skipped)")
    templates = {fmt: [Template(data, fmt) for data in files] for fmt, files in bases.items()}

    choices: list[dict[str, object]] = []
    for _ in range(args.candidates):
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
        choices.append(responses)

    def with_files(document: str, workbook: str) -> tuple[list[dict[str, object]], dict[str, bytes]]:
        """Every candidate's responses plus their own file: even numbers a document, odd a workbook."""
        store: dict[str, bytes] = {}
        answers = []
        for n, responses in enumerate(choices):
            fmt, code = (document, "PRAK-DOC") if n % 2 == 0 else (workbook, "PRAK-XLS")
            data = templates[fmt][n // 2 % len(templates[fmt])].copy(n)
            digest = hashlib.sha256(data).hexdigest()
            store[digest] = data
            answers.append({**responses, code: {"sha256": digest, "name": f"jawaban-{n}.{fmt}"}})
        return answers, store

    formats = [("Word/Excel", "docx", "xlsx")] + ([("LibreOffice", "odt", "ods")] if "odt" in templates else [])
    sessions = {label: with_files(document, workbook) for label, document, workbook in formats}

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

    def practical_only(answers: list[dict[str, object]], store: dict[str, bytes], workers: int) -> list[Any]:
        compiled = CompiledExam(practical_exam)
        files: Any = store if workers <= 1 else pregrade(practical_exam, answers, store, workers=workers)
        return [compiled.grade(a, files) for a in answers]

    def session(answers: list[dict[str, object]], store: dict[str, bytes], workers: int) -> list[AttemptResult]:
        """The whole session as it runs: every file graded (in a pool of ``workers``), every attempt, ranking."""
        files: Any = store if workers <= 1 else pregrade(full_exam, answers, store, workers=workers)
        compiled = CompiledExam(full_exam)
        results = [compiled.grade(a, files) for a in answers]
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
        rank_all(people, rules)
        return results

    times: dict[str, float] = {}
    mc = CompiledExam(mc_exam)
    timed("multiple choice (100 items, memoised)", lambda: [mc.grade(a) for a in choices], times)
    for label, (answers, store) in sessions.items():
        timed(f"practical files, {label}, one process", partial(practical_only, answers, store, 1), times)
        timed(
            f"practical files, {label}, {args.workers} processes",
            partial(practical_only, answers, store, args.workers),
            times,
        )
    ooxml_answers, ooxml_store = sessions["Word/Excel"]
    # The old measure: everyone uploads one of a few files, so each is graded once (CachedFiles, by SHA-256).
    shared = [{**choices[n], **_practical(ooxml_answers[n % args.bases])} for n in range(args.candidates)]
    compiled_shared = CompiledExam(practical_exam)
    cache = CachedFiles(ooxml_store)
    timed(
        f"practical files, {args.bases} files shared by all (cached)",
        lambda: [compiled_shared.grade(a, cache) for a in shared],
        times,
    )
    exam_results: list[AttemptResult] = []
    for label, (answers, store) in sessions.items():
        exam_results = timed(
            f"whole session, {label}, {args.workers} processes (grade + rank)",
            partial(session, answers, store, args.workers),
            times,
        )
    timed(
        "whole session, Word/Excel, one process (grade + rank)", partial(session, ooxml_answers, ooxml_store, 1), times
    )

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
        per_file = f"  ({seconds / args.candidates * 1000:.2f} ms per file)" if label.startswith("practical") else ""
        print(f"  {label:<{width}}  {seconds:7.3f} s{per_file}")
    print(f"  formations ranked: {len(ranked)}")
    whole = times[f"whole session, Word/Excel, {args.workers} processes (grade + rank)"]
    goal_ok = whole < 5 and times["multiple choice (100 items, memoised)"] < 0.5
    verdict = "met" if goal_ok else "NOT met"
    print(f"goal (whole session < 5 s with every file distinct, multiple choice < 0.5 s): {verdict}")


def _practical(responses: dict[str, object]) -> dict[str, object]:
    return {code: value for code, value in responses.items() if code.startswith("PRAK")}


if __name__ == "__main__":
    main()
