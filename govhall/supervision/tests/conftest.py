from govhall.cases.tests.conftest import at, desk  # noqa: F401  (the case desk and the clock helper)
