"""The system acts only as the explicit SYSTEM actor: a forgotten user
(``actor=None``) is a programming error, never a pass to every check."""

import pickle

import pytest

from govhall.core.actors import SYSTEM, is_system, person
from govhall.org import services as org
from govhall.org.models import CenterLevel


def test_none_is_not_the_system():
    with pytest.raises(TypeError, match="SYSTEM"):
        is_system(None)
    assert is_system(SYSTEM)
    assert person(SYSTEM) is None
    assert pickle.loads(pickle.dumps(SYSTEM)) is SYSTEM


@pytest.mark.django_db
def test_a_service_called_without_an_actor_refuses_and_writes_nothing():
    with pytest.raises(TypeError):
        org.center_create(actor=None, code="X1", name="无人中心", level=CenterLevel.CITY)
    assert not org.Center.objects.filter(code="X1").exists()

