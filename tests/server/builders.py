"""Builders for server tests: a small exam folder written the way a committee would write it."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

DEFAULT_ITEMS = [
    # code, section, type, question, options A..D, key, points
    (
        "TIK-01",
        "TIK",
        "pg",
        "Perangkat untuk mengetik adalah…",
        ("Mouse", "Keyboard", "Monitor", "Printer"),
        "B",
    ),
    (
        "TIK-02",
        "TIK",
        "pg",
        "Ekstensi berkas Microsoft Word adalah…",
        (".xlsx", ".pptx", ".docx", ".exe"),
        "C",
    ),
    (
        "TIK-03",
        "TIK",
        "pgk",
        "Mana yang termasuk peramban web?",
        ("Firefox", "Excel", "Chrome", "Paint"),
        "A,C",
    ),
    ("TIK-04", "TIK", "bs", "Kata sandi sebaiknya dibagikan kepada rekan kerja.", (), "S"),
    (
        "TKP-01",
        "TKP",
        "tkp",
        "Warga datang saat jam istirahat. Anda…",
        ("Melayani dengan ramah", "Meminta kembali besok", "Menyuruh menunggu", "Mengabaikan"),
        "A=5,B=2,C=3,D=1",
    ),
]


# Formation rules used by the results tests: the written test (60 %) and an interview the committee enters
# (40 %, at least 50), bonus up to 5, the legal cap 100, ties by finishing time then a re-test.
SCORING_TOML = """
[penilaian]
bonus_max = "5"
total_cap = "100"
tie_breaks = ["finish_time", "retest"]

[[penilaian.components]]
code = "tertulis"
title = "Tes tertulis"
source = "exam"
weight = "60"
max = "100"

[[penilaian.components]]
code = "wawancara"
title = "Wawancara"
source = "entered"
weight = "40"
max = "100"
pass_min = "50"
"""


@dataclass
class ExamFolder:
    """Write ujian.toml, soal.csv and peserta.csv into a folder; tweak fields before ``write``."""

    code: str = "UJI-TEST"
    duration_minutes: int = 60
    items: list[tuple[str, str, str, str, tuple[str, ...], str]] = field(default_factory=lambda: list(DEFAULT_ITEMS))
    candidates: list[tuple[str, str, str, str, str, str]] = field(
        default_factory=lambda: [
            (
                f"P-{n:03d}",
                f"Peserta {n}",
                "Desa A" if n % 2 else "Desa B",
                "Sekretaris Desa",
                "S1",
                f"{100000 + n}",
            )
            for n in range(1, 5)
        ]
    )

    extra_toml: str = ""
    """Appended to ujian.toml (e.g. a ``[penilaian]`` table)."""

    def write(self, folder: Path) -> Path:
        folder.mkdir(parents=True, exist_ok=True)
        (folder / "ujian.toml").write_text(
            f'''
kode = "{self.code}"
judul = "Ujian Uji"
durasi_menit = {self.duration_minutes}
petunjuk = "Kerjakan dengan jujur."
acak_soal = true
acak_opsi = true

[[bagian]]
kode = "TIK"
judul = "Literasi TIK"
bobot = "1"
lulus_min = "5"

[[bagian]]
kode = "TKP"
judul = "Sikap Pelayanan"
bobot = "1"
'''
            + self.extra_toml,
            encoding="utf-8",
        )
        lines = ["kode;bagian;tipe;soal;opsi_a;opsi_b;opsi_c;opsi_d;kunci"]
        for code, section, kind, text, options, key in self.items:
            padded = list(options) + [""] * (4 - len(options))
            lines.append(";".join([code, section, kind, text, *padded, key]))
        (folder / "soal.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
        rows = ["no_peserta,nama,desa,jabatan,sesi,pin"] + [",".join(c) for c in self.candidates]
        (folder / "peserta.csv").write_text("\n".join(rows) + "\n", encoding="utf-8")
        return folder
