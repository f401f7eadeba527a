"""Member images: accept only real pictures, and keep none of what they carry besides.

Every accepted image is decoded, turned upright, resized and re-encoded from its pixels
into a new JPEG, so no EXIF, GPS position or other metadata survives.
"""

import io
import math
import warnings

from django.core.files.base import ContentFile
from django.http import FileResponse, Http404
from django.utils.translation import gettext_lazy as _
from PIL import Image, ImageOps, UnidentifiedImageError

MAX_UPLOAD_BYTES = 10 * 1024 * 1024
# Larger than any phone camera's photo; a JPEG is decoded at a reduced scale (draft), so
# even one this large costs a few tens of milliseconds.
MAX_PIXELS = 50_000_000
# PNG and WebP have no reduced decoding: every pixel costs memory and time (a 7070×7070
# PNG of 211 KB took 2 s and 700 MB). 16 million pixels (4000×4000, more than a phone's
# screenshot) take about a quarter of a second.
MAX_FULL_DECODE_PIXELS = 16_000_000
ACCEPTED_FORMATS = {"JPEG", "PNG", "WEBP"}
AVATAR_SIDE = 512


class ImageRejected(Exception):
    def __init__(self, message, code: str = "image"):
        super().__init__(message)
        self.message = message
        self.code = code


def too_many_pixels(width: int, height: int, limit: int) -> ImageRejected:
    return ImageRejected(
        _(
            "This image has too many pixels (%(width)d × %(height)d): at most %(limit)d "
            "million. Send a smaller one, or save it as a JPEG."
        )
        % {"width": width, "height": height, "limit": limit // 1_000_000},
        code="pixels",
    )


def image_header_check(upload) -> None:
    """Refuse ``upload`` from its size and its header alone, before any pixel is decoded:
    too large a file, not a JPEG, PNG or WebP, or too many pixels for its format."""
    if upload.size is not None and upload.size > MAX_UPLOAD_BYTES:
        raise ImageRejected(_("This image is larger than 10 MB."), code="size")
    upload.seek(0)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            probe = Image.open(upload)  # reads the header only
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise ImageRejected(_("This image has too many pixels."), code="pixels") from None
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError):
        raise ImageRejected(_("This file is not an image we can read.")) from None
    finally:
        upload.seek(0)
    if probe.format not in ACCEPTED_FORMATS:
        raise ImageRejected(_("Upload a JPEG, PNG or WebP image."))
    limit = MAX_PIXELS if probe.format == "JPEG" else MAX_FULL_DECODE_PIXELS
    if probe.width * probe.height > limit:
        raise too_many_pixels(probe.width, probe.height, limit)


def sanitize_image(upload, *, max_side: int = AVATAR_SIDE) -> ContentFile:
    """A clean JPEG made from ``upload``'s pixels, or ``ImageRejected`` saying why not."""
    image_header_check(upload)
    data = upload.read(MAX_UPLOAD_BYTES + 1)
    if len(data) > MAX_UPLOAD_BYTES:
        raise ImageRejected(_("This image is larger than 10 MB."))
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            Image.open(io.BytesIO(data)).verify()
            image = Image.open(io.BytesIO(data))
            # A JPEG decodes at the smallest scale still as large as the result.
            ratio = max_side / max(image.size)
            if ratio < 1:
                image.draft(
                    "RGB", (math.ceil(image.width * ratio), math.ceil(image.height * ratio))
                )
            image.load()
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise ImageRejected(_("This image has too many pixels.")) from None
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError):
        raise ImageRejected(_("This file is not an image we can read.")) from None
    image = ImageOps.exif_transpose(image)
    if image.mode in ("RGBA", "LA", "P"):
        image = image.convert("RGBA")
        background = Image.new("RGBA", image.size, (255, 255, 255, 255))
        image = Image.alpha_composite(background, image)
    image = image.convert("RGB")
    image.thumbnail((max_side, max_side), Image.Resampling.LANCZOS)
    # Copy the pixels into a fresh image: nothing of the original's metadata comes along.
    clean = Image.new("RGB", image.size)
    clean.paste(image)
    out = io.BytesIO()
    clean.save(out, format="JPEG", quality=85, optimize=True)
    return ContentFile(out.getvalue(), name="image.jpg")


def image_response(field, *, cache_control: str = "private, max-age=3600") -> FileResponse:
    """A stored picture, streamed by a view that has checked the viewer may see it; 404
    when the field is empty or its file is gone."""
    try:
        handle = field.open("rb")
    except (FileNotFoundError, ValueError):  # ValueError: no file in the field
        raise Http404 from None
    response = FileResponse(handle, content_type="image/jpeg")
    response["Cache-Control"] = cache_control
    return response
