"""Prepare a deadline-day database: N applicants, each with a draft whose every section
but one is complete. Run as `python -m benchmarks.load_setup N` with DATABASE_URL set."""

import io
import sys

from werkzeug.datastructures import FileStorage

from config import BASE_DIR
from workflow import create_app
from workflow.accounts.operations import register_applicant
from workflow.applications.operations import save_section, start_application
from workflow.extensions import db
from workflow.hubs.operations import load_hubs, read_configuration
from workflow.organisations.operations import update_profile
from workflow.types import utcnow

PASSWORD = "deadline-day-password"
PDF = b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
LEFT_FOR_THE_DAY = "complementarity"


def answers(hub) -> dict[str, dict]:
    from tests.builders import complete_answers

    return complete_answers(hub)


def prepare(count: int) -> None:
    app = create_app()
    with app.test_request_context():
        [hub, *_] = load_hubs(read_configuration(BASE_DIR / "hubs" / "nmpat.toml"))
        every = answers(hub)
        for n in range(count):
            user = register_applicant(
                name=f"Applicant {n}", email=f"applicant{n}@load.example.org", password=PASSWORD,
                organisation_name=f"Load Test Ensemble {n}",
            )
            user.email_verified_at = utcnow()
            organisation = user.memberships[0].organisation
            update_profile(organisation, dict(every["organisation"], name=f"Load Test Ensemble {n}"))
            application = start_application(user, organisation, hub)
            for key, posted in every.items():
                if key in {"organisation", LEFT_FOR_THE_DAY}:
                    continue
                posted = dict(posted)
                if key == "documents":
                    posted["safeguarding_policy"] = FileStorage(io.BytesIO(PDF), "policy.pdf")
                    posted["insurance_certificate"] = FileStorage(io.BytesIO(PDF), "insurance.pdf")
                section = application.section(key)
                result = save_section(application, key, posted, user, section.version if section else 0)
                assert result.saved and not result.errors, (key, result.errors)
            db.session.commit()
            print(application.id, user.email, flush=True)


if __name__ == "__main__":
    prepare(int(sys.argv[1]))
