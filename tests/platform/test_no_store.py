"""No response to someone signed in is kept by a browser or proxy (Cache-Control: no-store):
pages, CSV exports, an organisation's data, PDFs and private images alike; the public logo
and public pages keep their own caching."""

from tests.account_helpers import sign_in
from tests.builders import make_application
from tests.image_helpers import give_demo_images
from workflow.applications.lifecycle import State
from workflow.hubs.models import ImageKind
from workflow.letters.operations import draft_letter
from workflow.votes.rule import Choice


def test_the_csv_export_is_not_stored(db, client, login, officer):
    response = sign_in(login, officer).get("/office/export.csv?state=in_review")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert response.headers["Cache-Control"] == "no-store"


def test_an_organisations_data_export_is_not_stored(db, client, login, applicant, organisation):
    response = sign_in(login, applicant).get("/organisation/export")
    assert response.status_code == 200 and response.mimetype == "application/zip"
    assert response.headers["Cache-Control"] == "no-store"


def test_an_issued_letter_pdf_is_not_stored_though_it_keeps_its_etag(
    db, client, login, officer, chair, applicant, hub, organisation
):
    letter = draft_letter(make_application(hub, organisation, applicant, State.APPROVED, officer=officer), Choice.APPROVE)
    db.session.commit()
    sign_in(login, officer).post(f"/office/applications/{letter.application_id}/letter/issue", data={"confirm": "y"})
    response = sign_in(login, applicant).get(f"/applications/{letter.application_id}/letter.pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert response.headers["Cache-Control"] == "no-store"
    assert response.headers["ETag"]


def test_the_private_signature_image_is_not_stored(db, client, login, admin, hub):
    give_demo_images(db, hub, ImageKind.SIGNATURE)
    response = sign_in(login, admin).get(f"/admin/hubs/{hub.id}/signature/image")
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"


def test_the_public_logo_keeps_its_caching_for_someone_signed_in(db, client, login, officer, hub):
    give_demo_images(db, hub, ImageKind.LOGO)
    response = sign_in(login, officer).get(f"/hubs/{hub.slug}/logo")
    assert response.status_code == 200
    assert "public" in response.headers["Cache-Control"] and "no-store" not in response.headers["Cache-Control"]


def test_public_pages_keep_their_headers_for_people_not_signed_in(db, client, hub):
    for path in (f"/hubs/{hub.slug}", "/accessibility", "/privacy"):
        response = client.get(path)
        assert response.status_code == 200
        assert "no-store" not in response.headers.get("Cache-Control", ""), path
    static = client.get("/static/consort.js")
    assert "no-store" not in static.headers.get("Cache-Control", "")
