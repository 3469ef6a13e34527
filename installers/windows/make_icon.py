"""Draw daftar.ico: «د» in Vazirmatn Bold on the certificates' navy, with their gold
bookmark. Run it again after changing the drawing (``python installers/windows/make_icon.py``);
the build uses the committed daftar.ico. Every size is drawn at its own size, not scaled."""

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


def main() -> None:
    """Write daftar.ico next to this script."""
    images = [draw(size) for size in SIZES]
    images[-1].save(
        HERE / "daftar.ico",
        format="ICO",
        sizes=[(s, s) for s in SIZES],
        append_images=images[:-1],
    )


if __name__ == "__main__":
    main()
