"""A synthetic exam folder for benchmarks: ujian.toml, soal.csv (pg/pgk/bs/tkp) and peserta.csv with PINs."""

from __future__ import annotations

import random
from dataclasses import dataclass
from pathlib import Path

SESSION = "S1"
_WORDS = (
    "desa",
    "warga",
    "surat",
    "kantor",
    "anggaran",
    "rapat",
    "laporan",
    "data",
    "arsip",
    "layanan",
    "kepala",
    "sekretaris",
    "musyawarah",
    "peraturan",
    "dana",
    "bantuan",
    "keuangan",
    "komputer",
    "berkas",
    "jaringan",
    "pelayanan",
    "administrasi",
    "penduduk",
    "kependudukan",
    "program",
)
_VILLAGES = ("Sukamaju", "Mekarsari", "Sidorejo", "Karanganyar", "Tanjungsari", "Margomulyo", "Sumberejo", "Banjarsari")
_POSITIONS = ("Sekretaris Desa", "Kaur Keuangan", "Kasi Pemerintahan", "Kepala Dusun")


@dataclass(frozen=True)
class Generated:
    folder: Path
    cards: tuple[tuple[str, str], ...]
    """(participant number, PIN) for every candidate, in roster order."""


def _sentence(rng: random.Random, words: int) -> str:
    text = " ".join(rng.choice(_WORDS) for _ in range(words))
    return text[0].upper() + text[1:]


def _items(rng: random.Random, count: int) -> list[list[str]]:
    """Roughly half pg, 15 % pgk, 15 % bs (section TIK) and 20 % tkp (section TKP), in a stable order."""
    kinds = ["tkp" if n % 5 == 4 else "pgk" if n % 7 == 3 else "bs" if n % 7 == 5 else "pg" for n in range(count)]
    rows = []
    for n, kind in enumerate(kinds, start=1):
        section = "TKP" if kind == "tkp" else "TIK"
        text = _sentence(rng, rng.randint(18, 30)) + "…"
        options = ["", "", "", ""] if kind == "bs" else [_sentence(rng, rng.randint(3, 7)) for _ in range(4)]
        if kind == "pg":
            key = rng.choice("ABCD")
        elif kind == "pgk":
            key = ",".join(sorted(rng.sample("ABCD", 2)))
        elif kind == "bs":
            key = rng.choice("BS")
        else:
            points = rng.sample([1, 2, 3, 4, 5], 4)
            key = ",".join(f"{letter}={p}" for letter, p in zip("ABCD", points, strict=True))
        rows.append([f"{section}-{n:03d}", section, kind, text, *options, key])
    if "TKP" not in {r[1] for r in rows}:  # tiny banks still need both sections
        rows[-1] = [
            f"TKP-{count:03d}",
            "TKP",
            "tkp",
            "Sikap Anda…",
            "Ramah",
            "Tegas",
            "Acuh",
            "Marah",
            "A=5,B=4,C=2,D=1",
        ]
    return rows


def write_exam(
    folder: Path, *, candidates: int, items: int, duration_minutes: int = 120, seed: int = 2026
) -> Generated:
    """Write an exam folder for ``ujian import``: one session S1 holding every candidate."""
    rng = random.Random(seed)
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "ujian.toml").write_text(
        f"""
kode = "BENCH"
judul = "Ujian Seleksi Perangkat Desa (benchmark)"
durasi_menit = {duration_minutes}
petunjuk = "Kerjakan dengan jujur. Jawaban tersimpan otomatis."
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
""",
        encoding="utf-8",
    )
    lines = ["kode;bagian;tipe;soal;opsi_a;opsi_b;opsi_c;opsi_d;kunci"]
    lines += [";".join(row) for row in _items(rng, max(2, items))]
    (folder / "soal.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    cards = tuple((f"B-{n:05d}", f"{rng.randrange(10**6):06d}") for n in range(1, candidates + 1))
    rows = ["no_peserta,nama,desa,jabatan,sesi,pin"]
    rows += [
        f"{number},Peserta {n},Desa {_VILLAGES[n % len(_VILLAGES)]},{_POSITIONS[n % len(_POSITIONS)]},{SESSION},{pin}"
        for n, (number, pin) in enumerate(cards, start=1)
    ]
    (folder / "peserta.csv").write_text("\n".join(rows) + "\n", encoding="utf-8")
    return Generated(folder, cards)
