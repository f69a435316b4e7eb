"""The rating link sent by SMS: a signed, expiring token naming the case.

Signed with the SECRET_KEY under the salt "govhall.rating" (a token made for
anything else does not verify here), valid GOVHALL_RATING_LINK_DAYS days.
Holding the link is the proof of being the applicant: it went to the phone
the applicant gave, so the public rating page needs no login.
"""

from datetime import timedelta

from django.conf import settings
from django.core import signing
from django.urls import reverse
from django.utils.translation import gettext as _

from govhall.cases.models import Case
from govhall.core.errors import DomainError

SALT = "govhall.rating"


class LinkInvalid(DomainError):
    """A forged, altered or truncated link (HTTP 400)."""

    status = 400


class LinkExpired(DomainError):
    """A genuine link past its validity (HTTP 410 Gone)."""

    status = 410


def rating_link_days() -> int:
    return settings.GOVHALL_RATING_LINK_DAYS


def rating_token_make(case: Case) -> str:
    """A token for rating ``case``, dated now (the validity runs from here)."""
    return signing.dumps({"case": case.pk, "number": case.number}, salt=SALT, compress=True)


def rating_link_url(case: Case) -> str:
    """The absolute address of the public rating page for ``case``."""
    return settings.GOVHALL_PUBLIC_URL + reverse("rating_link", args=[rating_token_make(case)])


def rating_token_case(token: str) -> Case:
    """The case a token names. Raises LinkExpired past its validity and
    LinkInvalid for anything not signed by us (or naming no case)."""
    try:
        data = signing.loads(token or "", salt=SALT, max_age=timedelta(days=rating_link_days()))
    except signing.SignatureExpired:
        raise LinkExpired(_("评价链接已过期（有效期 %(days)s 天）。如需评价，请登录网上办事大厅或到窗口评价。")
                          % {"days": rating_link_days()}, field="token") from None
    except signing.BadSignature:
        raise LinkInvalid(_("评价链接无效，请核对短信中的链接是否完整。"), field="token") from None
    if not isinstance(data, dict):
        raise LinkInvalid(_("评价链接无效，请核对短信中的链接是否完整。"), field="token")
    case = (Case.objects.select_related("item_version", "department", "center", "window", "accepted_by")
            .filter(pk=data.get("case"), number=data.get("number")).first())
    if case is None:
        raise LinkInvalid(_("评价链接无效：没有对应的办件。"), field="token")
    return case
