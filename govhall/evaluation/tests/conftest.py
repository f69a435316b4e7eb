import pytest

from govhall.cases.tests.conftest import accept_checked
from govhall.cases import services as cases
from govhall.cases.tests.conftest import at, desk  # noqa: F401  (fixture)
from govhall.cases.tests.test_lifecycle import submit
from govhall.evaluation.sms import MemoryBackend


@pytest.fixture
def sms(settings):
    """Messages go to memory; the fixture is the outbox."""
    settings.GOVHALL_SMS_BACKEND = "govhall.evaluation.sms.MemoryBackend"
    MemoryBackend.outbox.clear()
    yield MemoryBackend.outbox
    MemoryBackend.outbox.clear()


def approved(desk, *, applicant=True, day="2026-03-02"):
    """A case of the desk's item received and accepted at the comprehensive
    window (for the applicant's account, unless applicant=False), reviewed,
    granted and its certificate made on the days after ``day``."""
    case = submit(desk, when=f"{day} 10:00", applicant=desk.applicant if applicant else None)
    case = accept_checked(actor=desk.clerk, case=case, at=at(f"{day} 10:05"))
    case = cases.case_complete_step(actor=desk.reviewer, case=case, opinion="材料齐全，符合条件", at=at(f"{day} 14:00"))
    case = cases.case_approve(actor=desk.approver, case=case, opinion="同意", at=at(f"{day} 15:00"))
    return cases.case_certify(actor=desk.clerk, case=case, certificate_number="JY1511602000001", at=at(f"{day} 16:00"))


def delivered(desk, *, applicant=True, day="2026-03-02", when="2026-03-03 10:00"):
    """A case delivered at the window at ``when``."""
    case = approved(desk, applicant=applicant, day=day)
    return cases.case_deliver(actor=desk.clerk, case=case, method="window", received_by="张三", at=at(when))
