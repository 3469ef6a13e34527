"""Draw daftar.ico («د» in Vazirmatn Bold on the certificates' navy, with their gold
bookmark) and welcome.bmp (the side picture of the setup's first and last pages). Run it
again after changing the drawing (``python installers/windows/make_icon.py``); the build
uses the committed files. Every icon size is drawn at its own size, not scaled."""

from __future__ import annotations

from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

HERE = Path(__file__).resolve().parent
FONT = HERE.parent.parent / "resources" / "fonts" / "Vazirmatn-Bold.ttf"
NAVY = "#1B3A5C"  # resources/certificates/style.json: frame_color
GOLD = "#A8843A"  # accent_color
SIZES = (16, 20, 24, 32, 40, 48, 64, 128, 256)
#: Drawn at 4x and reduced: smooth edges.
OVERSAMPLE = 4


def draw(size: int) -> Image.Image:
    """The icon at ``size`` pixels."""
    big = size * OVERSAMPLE
    image = Image.new("RGBA", (big, big), (0, 0, 0, 0))
    pen = ImageDraw.Draw(image)
    margin = big // 16
    pen.rounded_rectangle((margin, margin, big - margin, big - margin), radius=big // 5, fill=NAVY)
    if size >= 32:  # the bookmark reads only from 32 px up
        left, right = int(big * 0.64), int(big * 0.78)
        pen.polygon(
            [
                (left, margin),
                (right, margin),
                (right, int(big * 0.40)),
                ((left + right) // 2, int(big * 0.33)),
                (left, int(big * 0.40)),
            ],
            fill=GOLD,
        )
    font = ImageFont.truetype(str(FONT), int(big * 0.78))
    pen.text((big * 0.45, big * 0.44), "د", font=font, fill="white", anchor="mm")
    return image.resize((size, size), Image.Resampling.LANCZOS)


def welcome() -> Image.Image:
    """The 164x314 picture NSIS shows beside its welcome and finish pages."""
    width, height = 164, 314
    image = Image.new("RGB", (width, height), NAVY)
    pen = ImageDraw.Draw(image)
    pen.rectangle((width - 40, 0, width - 16, 110), fill=GOLD)
    pen.polygon([(width - 40, 111), (width - 16, 111), (width - 28, 97)], fill=NAVY)
    pen.text(
        (width / 2, 160), "دفتر", font=ImageFont.truetype(str(FONT), 50), fill="white", anchor="mm"
    )
    pen.line((40, 200, width - 40, 200), fill=GOLD, width=2)
    pen.text(
        (width / 2, 222),
        "Daftar",
        font=ImageFont.truetype(str(FONT), 18),
        fill="white",
        anchor="mm",
    )
    return image


def main() -> None:
    """Write daftar.ico and welcome.bmp next to this script."""
    welcome().save(HERE / "welcome.bmp", format="BMP")
    images = [draw(size) for size in SIZES]
    images[-1].save(
        HERE / "daftar.ico",
        format="ICO",
        sizes=[(s, s) for s in SIZES],
        append_images=images[:-1],
    )


if __name__ == "__main__":
    main()
