"""The operation bulletin's page in the workbench (docs/hotline.md,
"Operation bulletin"): the month's figures with a month picker, every
figure a link to the hotline's order list filtered to its orders, the unit
ranking, and charts drawn by the local ECharts file (govhall/stats.js).
For the hotline office and the center's managers (their own center) and
supervisors (any hotline center); nobody else."""

from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _

from govhall.core import clock
from govhall.hotline.bulletin import (
    BulletinError,
    bulletin_build,
    hotline_centers,
    parse_month,
)
from govhall.hotline.bulletin_report import ranking_formula
from govhall.org.roles import Role
from govhall.stats.figures import format_value

READERS = frozenset({Role.HOTLINE_OFFICE, Role.CENTER_MANAGER, Role.SUPERVISOR})


def orders_url(params: dict) -> str:
    return reverse("hotline_orders") + "?" + urlencode(params)


def _bars(counts, name: str = "") -> dict:
    """An ECharts option: one bar per count, a click opens its orders
    (``name``: a title drawn in the chart, for a chart without a heading)."""
    return {
        "tooltip": {},
        "grid": {
            "left": 110,
            "right": 20,
            "top": 30,
            "bottom": 20,
            "containLabel": False,
        },
        "title": {"text": name, "textStyle": {"fontSize": 13}, "show": bool(name)},
        "xAxis": {"type": "value", "minInterval": 1},
        "yAxis": {
            "type": "category",
            "inverse": True,
            "data": [label for label, _value, _url in counts],
        },
        "series": [
            {
                "type": "bar",
                "data": [{"value": value, "url": url} for _label, value, url in counts],
            }
        ],
    }


def _center(request):
    user = request.user
    if user.role not in READERS:
        raise PermissionDenied
    if user.role == Role.SUPERVISOR:
        centers = list(hotline_centers())
        code = request.GET.get("center", "")
        chosen = next(
            (c for c in centers if c.code == code), centers[0] if centers else None
        )
        return chosen, centers
    if user.center_id is None:
        raise PermissionDenied
    return user.center, []


@login_required
def bulletin_page(request):
    center, centers = _center(request)
    now = clock.now()
    month = request.GET.get("month", "") or f"{clock.today():%Y-%m}"
    context = {"month": month, "centers": centers, "center": center, "error": ""}
    try:
        period = parse_month(month)
    except BulletinError as error:
        context["error"] = _("月份：%(message)s") % {"message": error.message}
        return render(request, "hotline/bulletin.html", context, status=400)
    if center is None:
        return render(request, "hotline/bulletin.html", context)
    b = bulletin_build(center=center, period=period, at=now)

    def link(rows):
        return [(c.label, c.count, orders_url(c.params)) for c in rows]

    unit_url = {r.unit.pk: orders_url({**b.base, "unit": r.unit.pk}) for r in b.units}
    context.update(
        {
            "b": b,
            "base_url": orders_url(b.base),
            "direct_url": orders_url({**b.base, "direct": "1"}),
            "rated_url": orders_url({**b.base, "callback": "1"}),
            "volumes": [
                (_("来源渠道"), link(b.by_channel)),
                (_("诉求类型"), link(b.by_type)),
                (_("诉求分类（一级）"), link(b.by_category)),
                (_("所属镇街"), link(b.by_town)),
            ],
            "ratings": link(b.ratings),
            "direct_text": format_value(b.direct_rate, "rate"),
            "satisfaction_text": format_value(b.satisfaction, "rate"),
            "units": [
                (
                    r,
                    unit_url[r.unit.pk],
                    format_value(r.sign_rate, "rate"),
                    format_value(r.reply.on_time_rate, "rate"),
                )
                for r in b.units
            ],
            "ranking": [
                (
                    i,
                    f,
                    unit_url[f.unit.pk],
                    [
                        format_value(v, "rate")
                        for v in (
                            f.on_time_rate,
                            f.return_rate,
                            f.satisfaction,
                            f.reopen_rate,
                        )
                    ]
                    + ["—" if f.score is None else f"{f.score:.1f}"],
                )
                for i, f in enumerate(b.ranking, start=1)
            ],
            "keywords": [(t, orders_url(t.params)) for t in b.keywords],
            "clusters": [(t, orders_url(t.params)) for t in b.clusters],
            "formula": ranking_formula(),
            "charts": {
                "channel": _bars(link(b.by_channel)),
                "type": _bars(link(b.by_type)),
                "category": _bars(link(b.by_category)),
                "ranking": _bars(
                    [
                        (f.unit.name, f.score, unit_url[f.unit.pk])
                        for f in b.ranking
                        if f.score is not None
                    ],
                    _("成员单位得分"),
                ),
            },
        }
    )
    return render(request, "hotline/bulletin.html", context)
