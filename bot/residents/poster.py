"""Posters for the halls: a `t.me/<bot>?start=<code>` link naming a residence (and optionally
an entrance and a language), printed as an A4 PDF and PNG with a QR code and a one-line
invitation in French and the residence's most spoken languages.

Codes are short and readable, not secret: `r-<residence id>[_<entrance number>][_<lang>]`.
An unknown or malformed code gives a normal onboarding (handlers/onboarding.py).
"""

from __future__ import annotations

import contextlib
import io
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

PREFIX = "r-"
CODE = re.compile(r"^r-([a-z0-9-]{1,60})(?:_(\d{1,2}))?(?:_([a-z]{2}))?$")
FONTS = (
    Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"),
    Path("/usr/share/fonts/dejavu/DejaVuSans.ttf"),
    Path("/usr/share/fonts/truetype/noto/NotoSans-Regular.ttf"),
)


class PosterError(Exception):
    """A poster cannot be made (unknown entrance, no font...), worded for one line."""


def poster_code(residence_id: str, entrance: int | None = None, lang: str | None = None) -> str:
    """The /start payload: r-les-tilleuls-bobigny_2_ar (Telegram allows 64 characters)."""
    code = PREFIX + residence_id
    if entrance is not None:
        code += f"_{entrance}"
    if lang:
        code += f"_{lang}"
    if len(code) > 64 or not CODE.match(code):
        raise PosterError(f"cannot make a link code from {residence_id!r}")
    return code


def parse_code(payload: str) -> tuple[str, int | None, str | None] | None:
    """(residence id, entrance number, language) of a poster's code, or None."""
    found = CODE.match(payload)
    if found is None:
        return None
    residence, entrance, lang = found.groups()
    return residence, int(entrance) if entrance else None, lang


def link(bot_username: str, code: str) -> str:
    return f"https://t.me/{bot_username.lstrip('@')}?start={code}"


@dataclass(frozen=True)
class Poster:
    title: str  # the residence's name
    subtitle: str  # address, city, entrance
    url: str
    lines: Sequence[str]  # the invitation, one line per language, French first


def _font() -> Path:
    for path in FONTS:
        if path.exists():
            return path
    raise PosterError("no Unicode font found: install fonts-dejavu-core")


def _qr_png(url: str, scale: int) -> bytes:
    import segno

    out = io.BytesIO()
    segno.make(url, error="m").save(out, kind="png", scale=scale, border=2)
    return out.getvalue()


def write_pdf(poster: Poster, path: Path) -> Path:
    """A4 portrait: name, address, QR code, link, the invitation in each language."""
    from fpdf import FPDF

    pdf = FPDF(format="A4")
    pdf.set_auto_page_break(False)
    pdf.add_page()
    pdf.add_font("poster", fname=str(_font()))
    # Arabic letters joined and right to left (uharfbuzz); without it Latin scripts still print.
    with contextlib.suppress(Exception):
        pdf.set_text_shaping(True)
    width = pdf.w - 2 * pdf.l_margin
    pdf.set_y(18)
    pdf.set_font("poster", size=28)
    pdf.multi_cell(width, 12, poster.title, align="C")
    pdf.set_font("poster", size=14)
    pdf.multi_cell(width, 8, poster.subtitle, align="C")
    size = 120
    pdf.image(io.BytesIO(_qr_png(poster.url, 20)), x=(pdf.w - size) / 2, y=pdf.get_y() + 6, w=size)
    pdf.set_y(pdf.get_y() + size + 10)
    pdf.set_font("poster", size=11)
    pdf.multi_cell(width, 6, poster.url, align="C")
    pdf.ln(4)
    pdf.set_font("poster", size=15)
    for line in poster.lines:
        pdf.multi_cell(width, 8, line, align="C")
        pdf.ln(2)
    path.parent.mkdir(parents=True, exist_ok=True)
    pdf.output(str(path))
    return path


def write_png(poster: Poster, path: Path, dpi: int = 150) -> Path:
    """The same poster as an image (A4 at `dpi`), for screens and messaging apps."""
    from PIL import Image, ImageDraw, ImageFont

    width, height = round(210 / 25.4 * dpi), round(297 / 25.4 * dpi)
    image = Image.new("RGB", (width, height), "white")
    draw = ImageDraw.Draw(image)
    font_path = str(_font())

    def font(points: int) -> ImageFont.FreeTypeFont:
        return ImageFont.truetype(font_path, round(points * dpi / 72))

    def centred(text: str, top: int, points: int) -> int:
        face = font(points)
        lines: list[str] = []
        for word in text.split():  # wrap to 90% of the page's width
            trial = f"{lines[-1]} {word}" if lines else word
            if lines and draw.textlength(trial, font=face) <= width * 0.9:
                lines[-1] = trial
            else:
                lines.append(word)
        for line in lines:
            box = draw.textbbox((0, 0), line, font=face)
            draw.text(((width - (box[2] - box[0])) / 2, top), line, font=face, fill="black")
            top += round(points * dpi / 72 * 1.3)
        return top + round(points * dpi / 72 * 0.3)

    top = centred(poster.title, round(dpi * 0.7), 28)
    top = centred(poster.subtitle, top, 14)
    qr = Image.open(io.BytesIO(_qr_png(poster.url, 20))).convert("RGB")
    side = round(120 / 25.4 * dpi)
    qr = qr.resize((side, side), Image.Resampling.NEAREST)
    image.paste(qr, ((width - side) // 2, top + 20))
    top += side + 50
    top = centred(poster.url, top, 11)
    for line in poster.lines:
        top = centred(line, top + 10, 15)
    path.parent.mkdir(parents=True, exist_ok=True)
    image.save(path, dpi=(dpi, dpi))
    return path
