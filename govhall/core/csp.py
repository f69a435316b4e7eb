"""The Content Security Policy on every answer (django-csp; the policy is
``CONTENT_SECURITY_POLICY`` in settings, docs/security.md).

One change to django-csp's middleware: ``frame-ancestors`` follows the
answer's ``X-Frame-Options``. The policy says ``'none'`` (no page of ours
inside another site's frame, nor inside our own), but a view marked
``@xframe_options_sameorigin`` — the material preview on the case page —
must stay framable by our own pages, and browsers that read CSP obey
``frame-ancestors`` instead of X-Frame-Options. So the one decorator keeps
deciding both headers.
"""

from csp.constants import SELF
from csp.middleware import CSPMiddleware


class ContentSecurityPolicyMiddleware(CSPMiddleware):
    """Above XFrameOptionsMiddleware in MIDDLEWARE, so that the frame
    header is already set when the policy is written."""

    def get_policy_parts(self, request, response, report_only: bool = False):
        parts = super().get_policy_parts(request, response, report_only)
        if response.get("X-Frame-Options", "").upper() == "SAMEORIGIN":
            parts.replace = {**(parts.replace or {}), "frame-ancestors": [SELF]}
        return parts
