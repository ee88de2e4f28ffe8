"""Images for tests: small PNG and JPEG files made with Pillow, and the demo logo and signature."""

import io

from PIL import Image

from config import BASE_DIR
from workflow.hubs.images import put_image
from workflow.hubs.models import ImageKind

DEMO_IMAGES = BASE_DIR / "workflow" / "static" / "hubs"
DEMO_FILES = {ImageKind.LOGO: "nmeh-demo-logo.svg", ImageKind.SIGNATURE: "demo-signature.svg"}


def raster(image_format: str = "PNG", size: tuple[int, int] = (60, 24), colour=(11, 95, 99)) -> bytes:
    """A plain image of one colour in this format."""
    out = io.BytesIO()
    Image.new("RGB", size, colour).save(out, image_format)
    return out.getvalue()


def give_demo_images(db, hub, *kinds: ImageKind) -> None:
    """The demo logo and signature, as an admin would upload them."""
    for kind in kinds:
        put_image(hub, kind, (DEMO_IMAGES / DEMO_FILES[kind]).read_bytes())
    db.session.commit()
