"""The prepared statements of the case path (govhall.core.statements) write
exactly the rows the ORM writes, on SQLite and on PostgreSQL."""

from datetime import date
from decimal import Decimal

import pytest
from django.forms.models import model_to_dict

from govhall.cases.models import Case, CaseEvent, MaterialCheck, Notice
from govhall.cases.tests.conftest import at
from govhall.core import statements


def new_case(desk, number: str) -> Case:
    return Case(number=number, query_code="ABCD2345", item_version=desk.version, department=desk.dept_a,
                center=desk.district, window=desk.clerk.window, accepted_by=desk.clerk, applicant_kind="person",
                applicant_name="张三", applicant_id_number="110101199003070011", applicant_phone="13912345678",
                channel="window", state="accepted", received_on=date(2026, 3, 2), promised_days=10,
                fee_amount=Decimal("12.50"), submitted_at=at("2026-03-02 08:59"),  # before 09:00 UTC+8: a UTC day earlier
                created_at=at("2026-03-02 08:59"), updated_at=at("2026-03-02 08:59"))


def stored(obj) -> dict:
    row = model_to_dict(type(obj).objects.get(pk=obj.pk))
    row.pop("id")
    row.pop("number", None)
    return row


def test_an_inserted_case_reads_back_as_the_orm_would_have_stored_it(desk):
    by_orm = new_case(desk, "ORM-1")
    by_orm.save()
    prepared = statements.insert(new_case(desk, "PREPARED-1"))
    assert prepared.pk and prepared.pk != by_orm.pk and not prepared._state.adding
    assert stored(prepared) == stored(by_orm)
    assert Case.objects.get(pk=prepared.pk).submitted_at == at("2026-03-02 08:59")


def test_an_inserted_event_keeps_its_json_data_and_address(desk):
    case = statements.insert(new_case(desk, "PREPARED-2"))
    data = {"opinion": "同意", "items": [{"material": "身份证", "problem": "复印件不清晰"}], "days": 3, "none": None}
    event = statements.insert(CaseEvent(case=case, seq=1, at=at("2026-03-02 10:00"), actor=desk.clerk,
                                        actor_role="clerk", action="accept", from_state="submitted",
                                        to_state="accepted", data=data, client_address="10.0.0.7",
                                        hash_alg="sha256", hash="0" * 64))
    again = CaseEvent.objects.get(pk=event.pk)
    assert again.data == data and again.client_address == "10.0.0.7" and again.at == at("2026-03-02 10:00")
    assert again.actor == desk.clerk and again.case == case


def test_a_guarded_update_changes_the_row_only_at_the_version_it_names(desk):
    case = statements.insert(new_case(desk, "PREPARED-3"))
    changed = statements.update(Case, where={"id": case.pk, "version": 0}, increment="version",
                                values={"state": "in_review", "due_date": date(2026, 3, 16), "accepted_by": None,
                                        "fee_amount": Decimal("3.10"), "updated_at": at("2026-03-03 10:00")})
    assert changed == 1
    row = Case.objects.get(pk=case.pk)
    assert (row.state, row.due_date, row.accepted_by, row.fee_amount, row.version) == (
        "in_review", date(2026, 3, 16), None, Decimal("3.10"), 1)
    assert row.updated_at == at("2026-03-03 10:00")
    # Someone else's version: nothing changes.
    assert statements.update(Case, where={"id": case.pk, "version": 0}, increment="version",
                             values={"state": "approved"}) == 0
    assert Case.objects.get(pk=case.pk).state == "in_review"


def test_a_related_object_is_written_as_its_key(desk):
    case = statements.insert(new_case(desk, "PREPARED-4"))
    statements.update(Case, where={"id": case.pk}, values={"accepted_by": desk.approver})
    assert Case.objects.get(pk=case.pk).accepted_by_id == desk.approver.pk


def test_fields_it_cannot_write_are_refused_by_name():
    with pytest.raises(TypeError, match="Case.events"):
        statements.update(Case, where={"id": 1}, values={"events": []})


@pytest.mark.django_db
@pytest.mark.parametrize("model", [Case, CaseEvent, Notice, MaterialCheck])
def test_the_values_passed_unconverted_are_those_the_fields_convert_to_themselves(model):
    """A prepared write passes a plain field's value of its own type as it
    is: on this database the field's conversion gives back the very same
    value, for any value of the type."""
    from django.db import connection

    from govhall.cases.states import State

    values = {str: ["", "张三", "x" * 200, "0", State.SUBMITTED], int: [0, 1, -3, 2**31 - 1], bool: [True, False]}
    plain_fields = [(field, statements._unconverted(field, connection)) for field in model._meta.local_concrete_fields]
    plain_fields = [(field, plain) for field, plain in plain_fields if plain is not None]
    assert any(plain is str for _field, plain in plain_fields)
    for field, plain in plain_fields:
        for value in [*values[plain], None]:
            converted = field.get_db_prep_save(value, connection)
            assert converted == value and type(converted) is type(value), field.name
