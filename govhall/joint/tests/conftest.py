import pytest
import time_machine

from govhall.cases.tests.conftest import DESK_MORNING
from govhall.joint.tests.builders import joint_hall_build


@pytest.fixture
def joint_hall(hall):
    """The hall with the departments, items and both themes published."""
    with time_machine.travel(DESK_MORNING, tick=True):
        yield joint_hall_build(hall)
