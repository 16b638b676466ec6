"""The section's logo: limited while it arrives, checked before it is decoded, re-encoded.

Every file here is a real image made by Pillow in the test (or a real GIF, or text).
"""

import io
import os
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image, ImageFile

from clients import section_client
from core.accounts.models import User
from core.models import SectionSettings
from tenants.models import Section

pytestmark = pytest.mark.django_db

SETTINGS = "/coordinator/settings/"
MB = 1024 * 1024
CHUNK = 64 * 1024  # Django's upload handlers read the body in chunks of this size


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


def image_bytes(image: Image.Image, format: str, **options) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format, **options)
    return buffer.getvalue()


def jpeg_with_gps() -> bytes:
    exif = Image.Exif()
    exif[0x010F] = "SpyCam"  # Make
    exif[0x8825] = {1: "N", 2: (50.0, 38.0, 0.0)}  # GPSInfo: GPSLatitudeRef, GPSLatitude
    return image_bytes(Image.new("RGB", (40, 30), (200, 10, 10)), "JPEG", exif=exif)


def branding(logo, **fields) -> dict:
    return {"form": "branding", "primary_colour": "#123456", "logo": logo, **fields}


def stored_files(media) -> list[str]:
    return sorted(
        os.path.relpath(os.path.join(folder, name), media)
        for folder, _dirs, names in os.walk(media)
        for name in names
    )


def test_a_jpeg_is_stored_as_a_png_of_ours_without_its_exif(coordinator, lille, media):
    upload = jpeg_with_gps()
    assert Image.open(io.BytesIO(upload)).getexif()  # the upload does carry EXIF and GPS

    response = coordinator.post(
        SETTINGS, branding(SimpleUploadedFile("holiday.jpeg", upload, "image/jpeg"))
    )

    assert response.status_code == 302
    name = Section.objects.get(pk=lille.pk).logo.name
    assert re.fullmatch(r"sections/lille/[0-9a-f]{16}-logo\.png", name)
    assert stored_files(media) == [name]
    stored = (media / name).read_bytes()
    assert stored != upload and b"SpyCam" not in stored
    with Image.open(io.BytesIO(stored)) as image:
        assert image.format == "PNG" and image.size == (40, 30)
        assert not image.getexif() and "exif" not in image.info
        red, green, blue = image.convert("RGB").getpixel((20, 15))
        assert red > 150 and green < 60 and blue < 60


def test_a_png_is_re_encoded_without_its_text_chunks_and_keeps_transparency(
    coordinator, lille, media
):
    from PIL.PngImagePlugin import PngInfo

    info = PngInfo()
    info.add_text("Comment", "secret location")
    upload = image_bytes(Image.new("RGBA", (20, 20), (0, 0, 255, 0)), "PNG", pnginfo=info)

    response = coordinator.post(SETTINGS, branding(SimpleUploadedFile("logo.png", upload)))

    assert response.status_code == 302
    stored = (media / Section.objects.get(pk=lille.pk).logo.name).read_bytes()
    assert b"secret location" not in stored
    with Image.open(io.BytesIO(stored)) as image:
        assert image.mode == "RGBA" and image.getpixel((5, 5))[3] == 0
        assert "Comment" not in image.info


def test_a_new_logo_replaces_the_old_file_and_clearing_deletes_it(
    coordinator, lille, media, django_capture_on_commit_callbacks
):
    png = image_bytes(Image.new("RGB", (10, 10), "red"), "PNG")
    with django_capture_on_commit_callbacks(execute=True):
        coordinator.post(SETTINGS, branding(SimpleUploadedFile("a.png", png)))
    first = Section.objects.get(pk=lille.pk).logo.name
    with django_capture_on_commit_callbacks(execute=True):
        coordinator.post(SETTINGS, branding(SimpleUploadedFile("a.png", png)))
    second = Section.objects.get(pk=lille.pk).logo.name
    assert second != first  # a new address, so no browser shows the old logo
    assert stored_files(media) == [second]

    with django_capture_on_commit_callbacks(execute=True):
        response = coordinator.post(SETTINGS, branding("", **{"logo-clear": "on"}))
    assert response.status_code == 302
    assert Section.objects.get(pk=lille.pk).logo.name == ""
    assert stored_files(media) == []


def test_the_path_holds_the_schema_of_the_section(paris, media, in_section):
    with in_section(paris):
        paris_coordinator = User.objects.get(is_coordinator=True)
    client = section_client(paris, paris_coordinator)
    png = image_bytes(Image.new("RGB", (10, 10), "blue"), "PNG")

    assert client.post(SETTINGS, branding(SimpleUploadedFile("x.png", png))).status_code == 302

    name = Section.objects.get(pk=paris.pk).logo.name
    assert name.startswith("sections/paris/") and stored_files(media) == [name]
    assert Section.objects.get(schema_name="lille").logo.name == ""


def test_a_144_megapixel_png_is_refused_before_it_is_decoded(
    coordinator, lille, media, monkeypatch
):
    bomb = image_bytes(Image.new("1", (12000, 12000)), "PNG")  # one colour: tiny on disk
    assert len(bomb) < MB

    def no_decoding(self):
        raise AssertionError("the pixels were decoded")

    monkeypatch.setattr(ImageFile.ImageFile, "load", no_decoding)
    response = coordinator.post(SETTINGS, branding(SimpleUploadedFile("bomb.png", bomb)))

    assert response.status_code == 200
    errors = response.context["branding"].errors.as_data()["logo"]
    assert [error.code for error in errors] == ["too_many_pixels"]
    assert "more than 4 megapixels" in response.content.decode()
    assert Section.objects.get(pk=lille.pk).logo.name == "" and stored_files(media) == []


def test_our_pixel_limit_holds_below_pillows_own(coordinator, media):
    # 5 megapixels: Pillow does not even warn, the limit of 4 is ours.
    wide = image_bytes(Image.new("RGB", (5000, 1000), "white"), "PNG")
    response = coordinator.post(SETTINGS, branding(SimpleUploadedFile("wide.png", wide)))
    errors = response.context["branding"].errors.as_data()["logo"]
    assert [error.code for error in errors] == ["too_many_pixels"]
    # 2000 x 2000 is allowed
    square = image_bytes(Image.new("RGB", (2000, 2000), "white"), "PNG")
    response = coordinator.post(SETTINGS, branding(SimpleUploadedFile("square.png", square)))
    assert response.status_code == 302


def test_pillows_bomb_warning_is_a_refusal(coordinator, media, monkeypatch):
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", 50)  # a 10 x 10 image now warns
    png = image_bytes(Image.new("RGB", (10, 10), "red"), "PNG")
    response = coordinator.post(SETTINGS, branding(SimpleUploadedFile("x.png", png)))
    errors = response.context["branding"].errors.as_data()["logo"]
    assert [error.code for error in errors] == ["too_many_pixels"]
    assert stored_files(media) == []


def noise_png(size: int) -> bytes:
    """A PNG that does not compress: random pixels."""
    return image_bytes(Image.frombytes("RGB", (size, size), os.urandom(size * size * 3)), "PNG")


def test_a_logo_over_1_mb_is_refused_without_reading_the_rest_of_the_request(
    coordinator, lille, media, in_section
):
    with in_section(lille):
        programme = SectionSettings.load()
        programme.welcome_texts = {"en": "Saved welcome"}
        programme.save()
    big = noise_png(1200)  # a real, valid PNG of 1.2 megapixels
    assert len(big) > 3 * MB

    response = coordinator.post(
        SETTINGS,
        branding(SimpleUploadedFile("big.png", big), welcome_en="Typed after the logo"),
    )

    assert response.status_code == 200
    assert "The logo is larger than 1 MB." in response.content.decode()
    form = response.context["branding"]
    assert [error.code for error in form.errors.as_data()["logo"]] == ["too_large"]
    request = response.wsgi_request
    handler = request.upload_handlers[0]
    assert MB < handler.received <= MB + CHUNK  # the file was read to its limit, no further
    body_read = request._stream._pos
    assert body_read <= MB + 2 * CHUNK < len(big)
    # The text after the logo never arrived: the page shows what is saved, and says so.
    assert form["welcome_en"].value() == "Saved welcome"
    assert "Nothing was saved" in response.content.decode()
    assert Section.objects.get(pk=lille.pk).logo.name == "" and stored_files(media) == []
    with in_section(lille):
        assert SectionSettings.load().welcome_texts == {"en": "Saved welcome"}


def test_a_part_announcing_more_than_1_mb_is_refused_before_a_byte_of_it(coordinator):
    boundary = "XyZ"
    body = (
        (
            f"--{boundary}\r\n"
            'Content-Disposition: form-data; name="form"\r\n\r\nbranding\r\n'
            f"--{boundary}\r\n"
            'Content-Disposition: form-data; name="logo"; filename="big.png"\r\n'
            "Content-Type: image/png\r\n"
            f"Content-Length: {2 * MB}\r\n\r\n"
        ).encode()
        + b"\0" * (2 * MB)
        + f"\r\n--{boundary}--\r\n".encode()
    )

    response = coordinator.generic(
        "POST", SETTINGS, body, content_type=f"multipart/form-data; boundary={boundary}"
    )

    assert response.status_code == 200
    assert "The logo is larger than 1 MB." in response.content.decode()
    assert response.wsgi_request.upload_handlers[0].received == 0


def test_other_files_are_not_limited(coordinator):
    other = SimpleUploadedFile("list.csv", b"x" * (2 * MB))
    response = coordinator.post(SETTINGS, {"form": "none", "other": other})
    request = response.wsgi_request
    assert request.FILES["other"].size == 2 * MB
    assert request.upload_handlers[0].received == 0


@pytest.mark.parametrize(
    "content",
    [
        image_bytes(Image.new("P", (10, 10)), "GIF"),
        b"<?php system($_GET['c']); ?>",
        image_bytes(Image.new("RGB", (10, 10)), "BMP"),
    ],
    ids=["gif", "php", "bmp"],
)
def test_a_file_that_is_not_png_jpeg_or_webp_is_refused_whatever_its_name(
    coordinator, lille, media, content
):
    response = coordinator.post(
        SETTINGS, branding(SimpleUploadedFile("evil.php.png", content, "image/png"))
    )

    assert response.status_code == 200
    errors = response.context["branding"].errors.as_data()["logo"]
    assert [error.code for error in errors] == ["invalid_image"]
    assert "Use a PNG, JPEG or WebP image." in response.content.decode()
    assert Section.objects.get(pk=lille.pk).logo.name == "" and stored_files(media) == []


def test_a_webp_is_accepted_and_stored_as_png(coordinator, lille, media):
    webp = image_bytes(Image.new("RGB", (16, 16), "green"), "WEBP")
    response = coordinator.post(SETTINGS, branding(SimpleUploadedFile("logo.webp", webp)))
    assert response.status_code == 302
    assert Section.objects.get(pk=lille.pk).logo.name.endswith("-logo.png")


def test_the_error_is_in_french_for_a_french_coordinator(lille, coordinator_user, media):
    client = section_client(lille, coordinator_user, language="fr")
    response = client.post(SETTINGS, branding(SimpleUploadedFile("big.png", noise_png(700))))
    assert "Le logo dépasse 1 Mo." in response.content.decode()
