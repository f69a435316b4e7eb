import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "govhall.settings")
application = get_wsgi_application()

# The catalog search is warmed in the background once this process has
# answered its first request (docs/performance.md, "Catalog search").
from govhall.catalog.selectors import search_warm_up_after_first_request

search_warm_up_after_first_request()
