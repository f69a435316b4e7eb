from govhall.core.models import Installation


def installation(request):
    """Whether this database holds the sample hall: every page says so."""
    return {"installation": Installation.current()}
