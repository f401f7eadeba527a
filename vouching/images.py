"""Member images: accept only real pictures, and keep none of what they carry besides.

Every accepted image is decoded, turned upright, resized and re-encoded from its pixels
into a new JPEG, so no EXIF, GPS position or other metadata survives.
"""

import io
import warnings

from django.core.files.base import ContentFile
from django.http import FileResponse, Http404
from django.utils.translation import gettext_lazy as _
from PIL import Image, ImageOps, UnidentifiedImageError

MAX_UPLOAD_BYTES = 10 * 1024 * 1024
# Larger than any phone camera; beyond it an image is more likely a decompression bomb.
MAX_PIXELS = 50_000_000
ACCEPTED_FORMATS = {"JPEG", "PNG", "WEBP"}
AVATAR_SIDE = 512


class ImageRejected(Exception):
    def __init__(self, message):
        super().__init__(message)
        self.message = message


def sanitize_image(upload, *, max_side: int = AVATAR_SIDE) -> ContentFile:
    """A clean JPEG made from ``upload``'s pixels, or ``ImageRejected`` saying why not."""
    if upload.size is not None and upload.size > MAX_UPLOAD_BYTES:
        raise ImageRejected(_("This image is larger than 10 MB."))
    upload.seek(0)
    data = upload.read(MAX_UPLOAD_BYTES + 1)
    if len(data) > MAX_UPLOAD_BYTES:
        raise ImageRejected(_("This image is larger than 10 MB."))
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            probe = Image.open(io.BytesIO(data))
            if probe.format not in ACCEPTED_FORMATS:
                raise ImageRejected(_("Upload a JPEG, PNG or WebP image."))
            if probe.width * probe.height > MAX_PIXELS:
                raise ImageRejected(_("This image has too many pixels."))
            probe.verify()
            image = Image.open(io.BytesIO(data))
            image.load()
    except ImageRejected:
        raise
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
