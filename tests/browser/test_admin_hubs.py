"""A new lead organisation's admin in a real browser: adding a hub and uploading its logo."""

import io

from PIL import Image
from playwright.sync_api import expect

from .conftest import check_page, sign_in


def test_an_admin_adds_a_hub_and_uploads_its_logo(server, page, tmp_path):
    base = server["url"]
    errors = []
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    sign_in(page, base, "admin@demo.consort.invalid")

    page.goto(base + "/admin")
    page.get_by_role("link", name="Add a hub").click()
    check_page(page, "admin-new-hub")
    page.get_by_label("Name of the hub").fill("Luton Music Hub")
    page.get_by_label("Reference prefix").fill("NMEH")
    with page.expect_navigation():
        page.get_by_role("button", name="Add the hub").click()
    expect(page.locator(".govuk-error-summary")).to_be_visible()
    assert page.get_by_label("Name of the hub").input_value() == "Luton Music Hub"
    check_page(page, "admin-new-hub-errors")
    page.get_by_label("Reference prefix").fill("LMH")
    page.get_by_role("button", name="Add the hub").click()
    page.wait_for_url("**/admin/hubs/*")
    assert "Luton Music Hub has been added." in page.inner_text("main")

    page.get_by_role("link", name="Add the letterhead logo").click()
    check_page(page, "admin-hub-logo")
    logo = tmp_path / "logo.png"
    out = io.BytesIO()
    Image.new("RGB", (300, 120), (11, 95, 99)).save(out, "PNG")
    logo.write_bytes(out.getvalue())
    page.get_by_label("Upload an image").set_input_files(str(logo))
    page.get_by_role("button", name="Upload the image").click()
    assert "The letterhead logo has been saved." in page.inner_text("main")
    assert page.get_by_alt_text("The current letterhead logo").evaluate("image => image.naturalWidth") == 300
    check_page(page, "admin-hub-with-logo")

    page.goto(base + "/hubs/luton-music-hub")
    assert page.get_by_alt_text("Luton Music Hub logo").evaluate("image => image.naturalWidth") == 300
    check_page(page, "public-new-hub")
    assert errors == []
