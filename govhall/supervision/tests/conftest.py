from govhall.cases.tests.conftest import desk  # noqa: F401  (the case desk)
