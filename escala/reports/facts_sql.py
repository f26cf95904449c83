"""The same facts as facts.compute(), computed set-wise inside PostgreSQL for bulk rebuilds
(a million tickets in minutes instead of an hour of Python). tests/reports check that both give
the same rows; day-to-day refreshes use the Python path."""

from django.db import connection, transaction

from escala.tickets.choices import EventKind

from .metrics import SLA_KINDS

# The clock kinds are our own constants, never user input: safe to write into the SQL text.
SLA_LETTERS = " ".join(f"WHEN '{kind}' THEN '{letter}'" for kind, letter in SLA_KINDS.items())

KINDS = (
    EventKind.CREATED,
    EventKind.REPLIED,
    EventKind.REQUESTER_REPLIED,
    EventKind.RESOLVED,
    EventKind.REOPENED,
)

TICKET_FACTS = """
WITH ev AS (
    SELECT e.ticket_id,
           min(e.created_at) FILTER (WHERE e.kind = 'replied') AS first_reply,
           bool_or(e.kind = 'resolved') AS ever_resolved,
           count(*) FILTER (WHERE e.kind = 'reopened') AS reopens,
           (array_agg(e.created_at ORDER BY e.created_at, e.id)
                FILTER (WHERE e.kind = 'resolved'))[1] AS first_res_at,
           (array_agg(e.id ORDER BY e.created_at, e.id)
                FILTER (WHERE e.kind = 'resolved'))[1] AS first_res_id,
           (array_agg(e.created_at ORDER BY e.created_at DESC, e.id DESC)
                FILTER (WHERE e.kind IN ('resolved', 'reopened')))[1] AS last_change_at,
           (array_agg(e.kind ORDER BY e.created_at DESC, e.id DESC)
                FILTER (WHERE e.kind IN ('resolved', 'reopened')))[1] AS last_change,
           (array_agg(e.actor_id ORDER BY e.created_at DESC, e.id DESC)
                FILTER (WHERE e.kind = 'resolved'))[1] AS resolver
    FROM tickets_ticketevent e
    WHERE e.ticket_id BETWEEN %(lo)s AND %(hi)s AND e.kind = ANY(%(kinds)s)
    GROUP BY e.ticket_id
), early AS (
    SELECT e.ticket_id,
           count(*) FILTER (WHERE e.kind = 'replied') AS replies_before,
           bool_or(e.kind = 'requester_replied') AS requester_wrote
    FROM tickets_ticketevent e JOIN ev ON ev.ticket_id = e.ticket_id
    WHERE e.ticket_id BETWEEN %(lo)s AND %(hi)s
      AND e.kind IN ('replied', 'requester_replied')
      AND (ev.first_res_at IS NULL OR (e.created_at, e.id) < (ev.first_res_at, ev.first_res_id))
    GROUP BY e.ticket_id
), res AS (
    SELECT ev.*, CASE WHEN ev.last_change = 'resolved' THEN ev.last_change_at END AS resolved_at
    FROM ev
), st AS (
    SELECT s.ticket_id, t.level, s.entered_at, s.id, s.team_id,
           lag(t.level) OVER (PARTITION BY s.ticket_id ORDER BY s.entered_at, s.id) AS prev
    FROM tickets_tierstay s JOIN tiers_supporttier t ON t.id = s.tier_id
    WHERE s.ticket_id BETWEEN %(lo)s AND %(hi)s
), paths AS (
    SELECT st.ticket_id,
           string_agg(st.level::text, '>' ORDER BY st.entered_at, st.id)
               FILTER (WHERE st.prev IS DISTINCT FROM st.level) AS path,
           count(*) FILTER (WHERE st.level > st.prev) AS escalations,
           (array_agg(st.level ORDER BY st.entered_at, st.id))[1] AS first_level,
           bool_and(st.level = 1) AS only_l1,
           (array_agg(st.level ORDER BY st.entered_at DESC, st.id DESC)
                FILTER (WHERE st.entered_at <= res.resolved_at))[1] AS resolving_level,
           (array_agg(st.team_id ORDER BY st.entered_at DESC, st.id DESC)
                FILTER (WHERE st.entered_at <= res.resolved_at))[1] AS resolving_team
    FROM st LEFT JOIN res ON res.ticket_id = st.ticket_id
    GROUP BY st.ticket_id
), clocks AS (
    SELECT c.ticket_id, CASE c.kind %(sla_letters)s END AS letter,
           CASE WHEN c.breached OR c.due_at <= c.stopped_at THEN '-'
                WHEN c.stopped_at IS NOT NULL THEN '+' ELSE '~' END AS state
    FROM sla_ticketclock c
    WHERE c.ticket_id BETWEEN %(lo)s AND %(hi)s AND c.target IS NOT NULL
), sla AS (
    SELECT ticket_id, string_agg(letter || state, '' ORDER BY letter) AS codes
    FROM clocks WHERE letter IS NOT NULL GROUP BY ticket_id
)
INSERT INTO reports_ticketfact (
    ticket_id, created_at, organization_id, category_id, team_id, first_response_s,
    ever_resolved, resolved_at, resolution_s, resolving_level, resolving_team_id,
    resolving_user_id, path, starts_l1, l1_resolved, first_contact, reopens, escalations, sla)
SELECT tk.id, tk.created_at, tk.organization_id, tk.category_id,
       CASE WHEN res.resolved_at IS NOT NULL AND p.resolving_team IS NOT NULL
            THEN p.resolving_team ELSE tk.team_id END,
       extract(epoch FROM res.first_reply - tk.created_at)::float8,
       coalesce(res.ever_resolved, false),
       res.resolved_at,
       extract(epoch FROM res.resolved_at - tk.created_at)::float8,
       CASE WHEN res.resolved_at IS NOT NULL THEN p.resolving_level END,
       CASE WHEN res.resolved_at IS NOT NULL THEN p.resolving_team END,
       CASE WHEN res.resolved_at IS NOT NULL THEN res.resolver END,
       coalesce(left(p.path, 60), ''),
       coalesce(p.first_level = 1, false),
       coalesce(res.resolved_at IS NOT NULL AND p.path = '1', false),
       coalesce(res.resolved_at IS NOT NULL AND p.path = '1' AND res.reopens = 0
                AND coalesce(early.replies_before, 0) <= 1
                AND NOT coalesce(early.requester_wrote, false), false),
       coalesce(res.reopens, 0),
       coalesce(p.escalations, 0),
       CASE WHEN sla.codes IS NOT NULL
            THEN coalesce(right(p.path, 1), '0') || ':' || sla.codes ELSE '' END
FROM tickets_ticket tk
LEFT JOIN res ON res.ticket_id = tk.id
LEFT JOIN early ON early.ticket_id = tk.id
LEFT JOIN paths p ON p.ticket_id = tk.id
LEFT JOIN sla ON sla.ticket_id = tk.id
WHERE tk.id BETWEEN %(lo)s AND %(hi)s
"""

TIER_TIMES = """
INSERT INTO reports_tiertimefact (
    ticket_id, level, seconds, open_since_epoch, created_at, organization_id, category_id,
    team_id)
SELECT s.ticket_id, t.level,
       coalesce(sum(extract(epoch FROM s.left_at - s.entered_at))
                FILTER (WHERE s.left_at IS NOT NULL), 0)::float8,
       floor(extract(epoch FROM max(s.entered_at) FILTER (WHERE s.left_at IS NULL)))::bigint,
       f.created_at, f.organization_id, f.category_id, f.team_id
FROM tickets_tierstay s
JOIN tiers_supporttier t ON t.id = s.tier_id
JOIN reports_ticketfact f ON f.ticket_id = s.ticket_id
WHERE s.ticket_id BETWEEN %(lo)s AND %(hi)s
GROUP BY s.ticket_id, t.level, f.created_at, f.organization_id, f.category_id, f.team_id
"""


def rebuild_range(lo: int, hi: int) -> None:
    params = {"lo": lo, "hi": hi, "kinds": [str(k) for k in KINDS]}
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            "DELETE FROM reports_tiertimefact WHERE ticket_id BETWEEN %(lo)s AND %(hi)s", params
        )
        cursor.execute(
            "DELETE FROM reports_ticketfact WHERE ticket_id BETWEEN %(lo)s AND %(hi)s", params
        )
        cursor.execute(TICKET_FACTS.replace("%(sla_letters)s", SLA_LETTERS), params)
        cursor.execute(TIER_TIMES, params)


def rebuild(*, chunk: int = 50_000, progress=None) -> int:
    from escala.tickets.models import Ticket

    from . import rollups

    bounds = Ticket.objects.order_by().values_list("pk", flat=True)
    first = bounds.order_by("pk").first()
    last = bounds.order_by("-pk").first()
    if first is None:
        return 0
    lo = first
    while lo <= last:
        rebuild_range(lo, lo + chunk - 1)
        lo += chunk
        if progress:
            progress(min(lo, last + 1) - first)
    rollups.rebuild()
    return Ticket.objects.count()
