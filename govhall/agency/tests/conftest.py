from datetime import date

import pytest

from govhall.cases.tests.conftest import desk  # noqa: F401  (the hall with an item of department A)
from govhall.core.actors import SYSTEM
from govhall.org.roles import Role
from govhall.test import sample_pdf


@pytest.fixture
def agent(hall):
    from govhall.org.models import User

    return User.objects.create_user(username="agent_wang", password="x", role=Role.AGENT, full_name="王代办",
                                    center=hall.district)


def grant(*, agent, applicant, actor=SYSTEM, items=(), all_items=True, valid_from=date(2026, 3, 1),
          expires_on=date(2026, 6, 30), **changes):
    """The applicant's signed authorization for ``agent`` (every item unless ``items``)."""
    from govhall.agency.services import agency_grant

    fields = {"applicant_name": applicant.full_name, "applicant_id_number": applicant.id_number,
              "applicant_phone": applicant.phone, "applicant_account": applicant,
              "document_name": "授权书.pdf", "document": sample_pdf("授权书")}
    fields.update(changes)
    return agency_grant(actor=actor, agent=agent, valid_from=valid_from, expires_on=expires_on,
                        all_items=all_items and not items, items=items, **fields)
