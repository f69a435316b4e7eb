# The hotline's and the cases' fixtures, for the portal's 12345 pages.
from govhall.cases.tests.conftest import desk  # noqa: F401
from govhall.hotline.tests.conftest import line  # noqa: F401
