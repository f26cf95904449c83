"""The tier dashboard (supervisors), each agent's own figures, and a CSV per figure."""

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.formats import number_format
from django.utils.html import escape
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext

from escala.core import csvsafe
from escala.people import access
from escala.people.models import Organization
from escala.people.queries import agent_of
from escala.tickets.choices import Status
from escala.tiers.models import Category, Team

from . import svg
from .figures import BY_KEY, FIGURES, bucket_labels, hours, percent
from .queries import Dashboard, Filters, agent_figures, dashboard

PERIODS = [
    ("7", gettext_lazy("Last 7 days")),
    ("30", gettext_lazy("Last 30 days")),
    ("90", gettext_lazy("Last 90 days")),
    ("365", gettext_lazy("Last 12 months")),
    ("custom", gettext_lazy("Dates below")),
]


DEFAULT_DAYS = "30"
ALL = gettext_lazy("All")  # a filter left empty: every organization, category or team


class _ListedChoices(forms.models.ModelChoiceIterator):
    """Reads the options with one plain query: the default iterates a server-side cursor on
    PostgreSQL (DECLARE, FETCH, CLOSE), three round trips for a dozen rows."""

    def __iter__(self):
        if self.field.empty_label is not None:
            yield ("", self.field.empty_label)
        for obj in list(self.queryset):
            yield self.choice(obj)


class _ModelChoice(forms.ModelChoiceField):
    iterator = _ListedChoices


class FilterForm(forms.Form):
    # The select shows the period the page shows when none was asked for: 30 days.
    period = forms.ChoiceField(
        label=gettext_lazy("Period"), choices=PERIODS, required=False, initial=DEFAULT_DAYS
    )
    start = forms.DateField(
        label=gettext_lazy("From"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    end = forms.DateField(
        label=gettext_lazy("To"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    organization = _ModelChoice(
        label=gettext_lazy("Organization"),
        queryset=Organization.objects.none(),
        required=False,
        empty_label=ALL,
    )
    category = _ModelChoice(
        label=gettext_lazy("Category"),
        queryset=Category.objects.none(),
        required=False,
        empty_label=ALL,
    )
    team = _ModelChoice(
        label=gettext_lazy("Team"), queryset=Team.objects.none(), required=False, empty_label=ALL
    )

    def __init__(self, *args, with_scope: bool = True, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if with_scope:
            self.fields["organization"].queryset = Organization.objects.order_by("name")
            self.fields["category"].queryset = Category.objects.order_by("code")
            self.fields["team"].queryset = Team.objects.select_related("tier")
        else:
            for name in ("organization", "category", "team"):
                del self.fields[name]

    def clean(self):
        data = super().clean()
        if data.get("period") == "custom":
            start, end = data.get("start"), data.get("end")
            if not start or not end:
                self.add_error("start", _("Choose both dates for a custom period."))
            elif start > end:
                self.add_error("end", _("The end date is before the start date."))
            elif (end - start).days > 3 * 366:
                self.add_error("end", _("Choose a period of at most three years."))
        return data

    def filters(self) -> Filters:
        data = self.cleaned_data if self.is_valid() else {}
        scope = {
            "organization_id": getattr(data.get("organization"), "pk", None),
            "category_id": getattr(data.get("category"), "pk", None),
            "team_id": getattr(data.get("team"), "pk", None),
        }
        if data.get("period") == "custom":
            return Filters(start=data["start"], end=data["end"], **scope)
        days = int(data.get("period") or DEFAULT_DAYS)
        return Filters.last_days(days, **scope)


def _cell(value: object) -> str:
    if value is None:
        return '<td class="none">–</td>'
    if isinstance(value, bool) or not isinstance(value, int | float):
        return f'<td class="text">{escape(value)}</td>'
    return f"<td>{escape(number_format(value, use_l10n=True))}</td>"


def html_table(headers: list[str], rows: list[list[object]]) -> str:
    """A figure's table, built in one pass (the template engine is slow for a thousand cells);
    every value is escaped, numbers are localized."""

    def is_text(column: int) -> bool:  # the header lines up with its column's values
        values = [row[column] for row in rows if row[column] is not None]
        return bool(values) and not isinstance(values[0], int | float)

    head = "".join(
        f'<th scope="col"{" class=text" if is_text(i) else ""}>{escape(h)}</th>'
        for i, h in enumerate(headers)
    )
    body = "".join("<tr>" + "".join(_cell(v) for v in row) + "</tr>" for row in rows)
    return mark_safe(f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>")  # noqa: S308


def _supervisor_only(request: HttpRequest) -> None:
    if access.may_see_dashboard(request.user):
        return
    if not access.is_staff_member(request.user):
        raise Http404  # requesters do not learn that the page exists
    raise PermissionDenied


def _charts(dash: Dashboard) -> dict[str, str]:
    labels = [w.start.strftime("%d/%m") for w in dash.weeks]
    levels = sorted(dash.tier_names)
    return {
        "sla": _sla_chart(dash) if dash.sla else "",
        "deflections": _deflection_chart(dash),
        "weekly": svg.bar_chart(
            _("Tickets created and resolved per week"),
            labels,
            [
                svg.Series(pgettext("tickets counted", "Created"), [w.created for w in dash.weeks]),
                svg.Series(
                    pgettext("tickets counted", "Resolved"), [w.resolved for w in dash.weeks]
                ),
            ],
        ),
        "rates": svg.line_chart(
            _("Level 1 resolution and escalation per week"),
            labels,
            [
                svg.Series(_("Level 1 resolution"), [w.l1_rate for w in dash.weeks]),
                svg.Series(_("Escalated"), [w.escalation_rate for w in dash.weeks]),
            ],
            unit="%",
        ),
        "resolution": svg.line_chart(
            _("Median hours to resolution per week"),
            labels,
            [
                svg.Series(
                    _("Median (h)"),
                    [hours(w.resolution.median) if w.resolution else None for w in dash.weeks],
                )
            ],
        ),
        "tier_time": svg.bar_chart(
            _("Average hours at each tier"),
            [f"L{t.level}" for t in dash.tier_time],
            [svg.Series(_("Average (h)"), [hours(t.average) for t in dash.tier_time])],
        ),
        "backlog": svg.bar_chart(
            _("Open tickets by age"),
            list(bucket_labels().values()),
            [
                svg.Series(
                    f"L{level}",
                    [dash.backlog.get(level, {}).get(k, 0) for k in bucket_labels()],
                )
                for level in levels
                if level in dash.backlog
            ],
        ),
    }


def _sla_chart(dash: Dashboard) -> str:
    from escala.sla.choices import ClockKind

    from .metrics import SLA_KINDS

    kinds = [k for k in SLA_KINDS if (k, None) in dash.sla]
    return svg.bar_chart(
        _("SLA compliance per clock"),
        [str(ClockKind(k).label) for k in kinds],
        [svg.Series(_("Compliance"), [dash.sla[(k, None)].compliance for k in kinds])],
        unit="%",
    )


def _deflection_chart(dash: Dashboard) -> str:
    found = dash.extra.get("deflections")
    if found is None or not found.total:
        return ""
    mondays = sorted(found.weeks)
    return svg.bar_chart(
        _("Deflected requests per week"),
        [m.strftime("%d/%m") for m in mondays],
        [svg.Series(_("Deflected requests"), [found.weeks[m] for m in mondays])],
    )


@login_required
def dashboard_page(request: HttpRequest) -> HttpResponse:
    _supervisor_only(request)
    form = FilterForm(request.GET or None)
    dash = dashboard(form.filters())
    figures = []
    for figure in FIGURES:
        headers, rows = figure.table(dash)
        figures.append({"figure": figure, "table": html_table(headers, rows) if rows else ""})
    cards = [
        (_("Tickets created"), dash.tickets, ""),
        (_("Level 1 resolution"), percent(dash.l1_rate), "%"),
        (_("First-contact resolution"), percent(dash.fcr_rate), "%"),
        (_("Reopen rate"), percent(dash.reopen_rate), "%"),
        (_("Median hours to resolve"), hours((dash.resolution.get(None) or _none()).median), ""),
        (_("Satisfaction (1–5)"), _round(dash.csat.average), ""),
    ]
    return render(
        request,
        "reports/dashboard.html",
        {
            "form": form,
            "dash": dash,
            "figures": figures,
            "cards": cards,
            "charts": _charts(dash),
            "query": request.GET.urlencode(),
        },
    )


def _none():
    from .metrics import Spread

    return Spread(0, None, None)


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 2)


@login_required
def figure_csv(request: HttpRequest, figure: str) -> HttpResponse:
    _supervisor_only(request)
    if figure not in BY_KEY:
        raise Http404
    form = FilterForm(request.GET or None)
    filters = form.filters()
    headers, rows = BY_KEY[figure].table(dashboard(filters))
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    name = f"escala-{figure}-{filters.start:%Y%m%d}-{filters.end:%Y%m%d}.csv"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    response.write("\ufeff")  # so spreadsheet programs read the accents right
    writer = csvsafe.writer(response)  # names a formula could hide in are neutralised
    writer.writerow(headers)
    writer.writerows(rows)
    return response


@login_required
def my_figures(request: HttpRequest) -> HttpResponse:
    if not access.may_see_own_figures(request.user):
        raise Http404
    agent = agent_of(request.user)
    form = FilterForm(request.GET or None, with_scope=False)
    filters = form.filters()
    mine = agent_figures(agent, filters)
    return render(
        request,
        "reports/me.html",
        {
            "form": form,
            "agent": agent,
            "mine": mine,
            "filters": filters,
            "open_total": sum(mine.open_by_status.values()),
            "by_status": [(Status(k).label, n) for k, n in sorted(mine.open_by_status.items())],
            "by_level": sorted(mine.open_by_level.items()),
            "fcr": percent(mine.first_contact / mine.resolved) if mine.resolved else None,
            "resolution_median": hours(mine.resolution.median) if mine.resolution else None,
            "first_response_median": (
                hours(mine.first_response.median) if mine.first_response else None
            ),
        },
    )
