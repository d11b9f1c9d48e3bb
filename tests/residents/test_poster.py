"""`residents-bot poster`: the link, a printable A4 PDF and a PNG; codes that round-trip."""

from __future__ import annotations

from pathlib import Path

import pytest
from PIL import Image

from bot.cli import main
from bot.residents.poster import PosterError, parse_code, poster_code


def test_codes_round_trip_and_stay_short() -> None:
    code = poster_code("les-tilleuls-bobigny", 2, "ar")
    assert code == "r-les-tilleuls-bobigny_2_ar" and len(code) <= 64
    assert parse_code(code) == ("les-tilleuls-bobigny", 2, "ar")
    assert parse_code("r-le-plateau-ivry") == ("le-plateau-ivry", None, None)
    assert parse_code("r-le-plateau-ivry_pt") == ("le-plateau-ivry", None, "pt")
    for bad in ("", "r-", "ev-12", "r-UPPER", "r-a_b_c_d", "r-x" + "y" * 70):
        assert parse_code(bad) is None
    with pytest.raises(PosterError):
        poster_code("Not An Id")


def test_poster_prints_the_link_and_writes_a4_pdf_and_png(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    args = ["poster", "les-tilleuls-bobigny", "--entrance", "Bât. B", "--lang", "ar"]
    assert main([*args, "--bot", "@residents_test_bot", "--out", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert (
        out.splitlines()[0] == "https://t.me/residents_test_bot?start=r-les-tilleuls-bobigny_2_ar"
    )
    pdf = tmp_path / "poster-les-tilleuls-bobigny-2-ar.pdf"
    png = tmp_path / "poster-les-tilleuls-bobigny-2-ar.png"
    data = pdf.read_bytes()
    assert data.startswith(b"%PDF") and b"/MediaBox [0 0 595.28 841.89]" in data  # A4
    with Image.open(png) as image:
        width, height = image.size
        assert abs(height / width - 297 / 210) < 0.01


def test_poster_refuses_unknown_residences_entrances_and_languages(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    common = ["--bot", "b", "--out", str(tmp_path)]
    assert main(["poster", "nowhere", *common]) == 2
    assert "les-tilleuls-bobigny" in capsys.readouterr().err
    assert main(["poster", "les-tilleuls-bobigny", "--entrance", "9", *common]) == 2
    assert "Bât. A" in capsys.readouterr().err
    assert main(["poster", "les-tilleuls-bobigny", "--lang", "de", *common]) == 2
    assert not list(tmp_path.iterdir())
