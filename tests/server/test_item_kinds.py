"""The newer item kinds end to end over HTTP: what the candidate is shown, answering, and the score."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from tests.server.builders import ExamFolder
from tests.server.conftest import Harness, start_harness

TYPING_TEXT = "Desa kami maju dan sejahtera."
BANK: list[dict[str, Any]] = [
    {
        "kode": "IS-01",
        "bagian": "TIK",
        "tipe": "isian",
        "soal": "Tombol pintas untuk menyalin adalah ...",
        "kunci": "Ctrl+C | Control+C",
        "bobot": 4,
    },
    {
        "kode": "AN-01",
        "bagian": "TIK",
        "tipe": "angka",
        "soal": "Rata-rata dari 3 dan 4 adalah ...",
        "kunci": "3,5",
        "bobot": 4,
    },
    {
        "kode": "UR-01",
        "bagian": "TIK",
        "tipe": "urutan",
        "soal": "Urutkan langkah mencetak dokumen.",
        "opsi_a": "Buka dokumen",
        "opsi_b": "Pilih menu Cetak",
        "opsi_c": "Pilih printer",
        "opsi_d": "Tekan OK",
        "kunci": "A,B,C,D",
        "parsial": "pasangan",
        "bobot": 6,
    },
    {
        "kode": "JO-01",
        "bagian": "TIK",
        "tipe": "jodoh",
        "soal": "Pasangkan tombol dengan fungsinya.",
        "kiri": "Ctrl+C\nCtrl+V\nCtrl+Z",
        "opsi_a": "Tempel",
        "opsi_b": "Batalkan",
        "opsi_c": "Salin",
        "opsi_d": "Cetak",
        "kunci": "1=C, 2=A, 3=B",
        "bobot": 6,
    },
    {
        "kode": "KT-01",
        "bagian": "TIK",
        "tipe": "ketik",
        "soal": "Ketik teks berikut.",
        "teks_ketik": TYPING_TEXT,
        "waktu_detik": 60,
        "bobot": 10,
    },
    {
        "kode": "TKP-01",
        "bagian": "TKP",
        "tipe": "tkp",
        "soal": "Warga datang saat jam istirahat. Anda…",
        "opsi_a": "Melayani",
        "opsi_b": "Menolak",
        "kunci": "A=5,B=1",
    },
]


class KindsFolder(ExamFolder):
    """The builder's exam with a JSON bank holding one item of each newer kind."""

    def write(self, folder: Path) -> Path:
        super().write(folder)
        (folder / "soal.csv").unlink()
        (folder / "soal.json").write_text(json.dumps(BANK, ensure_ascii=False), encoding="utf-8")
        return folder


@pytest.fixture
async def kinds(tmp_path: Path, db_kind: str) -> AsyncIterator[Harness]:
    async for h in start_harness(tmp_path, db_kind, KindsFolder()):
        yield h


def by_kind(state: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {item["kind"]: item for item in state["items"]}


def typing_value(text: str, *, ms_per_key: int = 100, pasted: bool = False) -> dict[str, Any]:
    keys = [[i * ms_per_key, ch] for i, ch in enumerate(text)]
    return {"typed": text, "elapsed_ms": len(text) * ms_per_key, "keystrokes": keys, "pasted": pasted}


class Answers:
    def __init__(self, client: Any) -> None:
        self.client = client
        self.seq = 0

    async def send(self, item: str, value: Any) -> Any:
        self.seq += 1
        return await self.client.post(
            "/ujian/api/answer",
            json={"item": item, "value": value, "flag": False, "seq": self.seq, "key": f"k{self.seq}"},
        )


async def test_state_shows_what_each_kind_needs_and_never_the_key(kinds: Harness) -> None:
    client = await kinds.candidate()
    state = await (await client.get("/ujian/api/attempt")).json()
    items = by_kind(state)
    assert set(items) == {"short_text", "numeric", "ordering", "matching", "typing", "tkp"}
    assert items["short_text"]["options"] == []
    assert items["short_text"]["max_chars"] == 200
    assert items["numeric"]["options"] == []
    ordering = items["ordering"]
    assert sorted(o["text"] for o in ordering["options"]) == sorted(
        ["Buka dokumen", "Pilih menu Cetak", "Pilih printer", "Tekan OK"]
    )
    matching = items["matching"]
    assert matching["left"] == [
        {"id": "1", "text": "Ctrl+C"},
        {"id": "2", "text": "Ctrl+V"},
        {"id": "3", "text": "Ctrl+Z"},
    ]
    assert {o["id"] for o in matching["options"]} == {"A", "B", "C", "D"}
    assert items["typing"]["typing"] == {"text": TYPING_TEXT, "time_limit_s": 60}
    raw = json.dumps(state)
    for secret in ("Control+C", "3.5", '"key"', "1=C", "partial", "full_wpm"):
        assert secret not in raw, secret


async def test_each_kind_answered_over_http_scores_full_marks(kinds: Harness) -> None:
    client = await kinds.candidate()
    items = by_kind(await (await client.get("/ujian/api/attempt")).json())
    answers = Answers(client)
    values = {
        "short_text": "  ctrl+c ",
        "numeric": "3,5",
        "ordering": ["A", "B", "C", "D"],
        "matching": {"1": "C", "2": "A", "3": "B"},
        "typing": typing_value(TYPING_TEXT),
        "tkp": "A",
    }
    for kind, value in values.items():
        response = await answers.send(items[kind]["id"], value)
        assert response.status == 200, (kind, await response.text())
    state = await (await client.get("/ujian/api/attempt")).json()
    assert state["answers"][items["typing"]["id"]]["value"]["typed"] == TYPING_TEXT
    response = await client.post("/ujian/api/submit", json={"confirm": True})
    assert response.status == 200, await response.text()
    result = (await response.json())["result"]
    tik = next(s for s in result["sections"] if s["code"] == "TIK")
    assert tik["raw"] == tik["max"] == 30_000
    assert result["total"] == result["max_total"]


async def test_partial_and_wrong_answers_score_by_the_rules(kinds: Harness) -> None:
    client = await kinds.candidate()
    items = by_kind(await (await client.get("/ujian/api/attempt")).json())
    answers = Answers(client)
    for kind, value in {
        "short_text": "Ctrl+X",
        "numeric": "3.6",
        "ordering": ["A", "B", "D", "C"],  # adjacent pairs: A-B and B-C? only A→B kept → 1 of 3
        "matching": {"1": "C", "2": "B"},  # one of three pairs right
        "typing": typing_value(TYPING_TEXT, pasted=True),
    }.items():
        response = await answers.send(items[kind]["id"], value)
        assert response.status == 200, (kind, await response.text())
    result = (await (await client.post("/ujian/api/submit", json={"confirm": True})).json())["result"]
    tik = next(s for s in result["sections"] if s["code"] == "TIK")
    assert tik["raw"] == 2_000 + 2_000  # ordering 6 × 1/3, matching 6 × 1/3


@pytest.mark.parametrize(
    ("kind", "value", "code"),
    [
        ("numeric", "1.000,5", "answer.value"),
        ("numeric", "tiga", "answer.value"),
        ("ordering", ["A", "B"], "answer.value"),
        ("matching", {"9": "A"}, "answer.value"),
        ("typing", {"typed": "x"}, "answer.value"),
        ("short_text", "x" * 900, "answer.value"),
        ("short_text", "x" * 5000, "answer.value"),
    ],
)
async def test_malformed_answers_are_refused_in_both_languages(
    kinds: Harness, kind: str, value: Any, code: str
) -> None:
    client = await kinds.candidate()
    items = by_kind(await (await client.get("/ujian/api/attempt")).json())
    response = await Answers(client).send(items[kind]["id"], value)
    assert response.status == 400
    error = (await response.json())["error"]
    assert error["code"] == code
    assert error["field"] == "value"
    assert error["id"]
    assert error["en"]
    assert error["id"] != error["en"]


async def test_typing_answers_may_be_large_but_not_unbounded(kinds: Harness) -> None:
    client = await kinds.candidate()
    items = by_kind(await (await client.get("/ujian/api/attempt")).json())
    answers = Answers(client)
    text = (TYPING_TEXT + " ") * 60  # ~1800 characters with every keystroke timed: > 4 KiB, < 64 KiB
    big = typing_value(text, ms_per_key=50)
    response = await answers.send(items["typing"]["id"], big)
    assert response.status == 200, await response.text()
    huge = typing_value("a" * 3000, ms_per_key=1) | {"keystrokes": [[i, "Backspace" * 3] for i in range(3000)]}
    response = await answers.send(items["typing"]["id"], huge)
    assert response.status in (400, 413)
    assert (await response.json())["error"]["code"] in ("answer.value", "body.too_large")
    # Other kinds keep the small limit.
    response = await answers.send(items["matching"]["id"], {str(i): "A" for i in range(1, 600)})
    assert response.status == 400
