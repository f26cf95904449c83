"""Spanish for the reports and surveys catalogues: run after `make messages`, then
`make compile-messages`."""

from pathlib import Path

import polib

ES = {
    "Reports": "Informes",
    "Figure": "Indicador",
    "Tickets": "Tickets",
    "Out of": "De un total de",
    "Rate (%)": "Tasa (%)",
    "Level 1 resolution": "Resolución en Nivel 1",
    "First-contact resolution": "Resolución al primer contacto",
    "Reopened": "Reabiertos",
    "Tier": "Nivel",
    "Tickets at the tier": "Tickets en el nivel",
    "Escalated out": "Escalados fuera",
    "Escalation rate (%)": "Tasa de escalado (%)",
    "From": "Desde",
    "To": "Hasta",
    "Escalations": "Escalados",
    "All tickets": "Todos los tickets",
    "Resolving tier": "Nivel que resolvió",
    "Answered": "Respondidos",
    "First response, median (h)": "Primera respuesta, mediana (h)",
    "First response, 90th percentile (h)": "Primera respuesta, percentil 90 (h)",
    "Resolved": "Resueltos",
    "Resolution, median (h)": "Resolución, mediana (h)",
    "Resolution, 90th percentile (h)": "Resolución, percentil 90 (h)",
    "Total time (h)": "Tiempo total (h)",
    "Average per ticket (h)": "Media por ticket (h)",
    "Vendor": "Proveedor",
    "Referrals": "Derivaciones",
    "Closed": "Cerrados",
    "Still open": "Aún abiertos",
    "Turnaround, median (h)": "Tiempo de respuesta, mediana (h)",
    "Turnaround, 90th percentile (h)": "Tiempo de respuesta, percentil 90 (h)",
    "< 1 day": "< 1 día",
    "1–3 days": "1–3 días",
    "3–7 days": "3–7 días",
    "7–30 days": "7–30 días",
    "> 30 days": "> 30 días",
    "Total": "Total",
    "All": "Todos",
    "Team": "Equipo",
    "Agent": "Agente",
    "By": "Por",
    "Name": "Nombre",
    "Answers": "Respuestas",
    "Average (1–5)": "Media (1–5)",
    "Satisfied (%)": "Satisfechos (%)",
    "Week": "Semana",
    "Created": "Creados",
    "Level 1 resolution (%)": "Resolución en Nivel 1 (%)",
    "Escalated (%)": "Escalados (%)",
    "Level 1 and first-contact resolution": "Resolución en Nivel 1 y al primer contacto",
    "Level 1 resolution: resolved tickets that started at Level 1 and never left it, out of all resolved tickets that started at Level 1. First-contact resolution: of those, the ones never reopened, answered with at most one public reply before the resolution, with no message from the requester in between. Reopened: tickets reopened at least once, out of tickets resolved at least once.": "Resolución en Nivel 1: tickets resueltos que empezaron en el Nivel 1 y nunca salieron de él, sobre todos los tickets resueltos que empezaron en el Nivel 1. Resolución al primer contacto: de ellos, los que nunca se reabrieron, con como mucho una respuesta pública antes de resolverse y sin ningún mensaje del solicitante entre medias. Reabiertos: tickets reabiertos al menos una vez, sobre los tickets resueltos al menos una vez.",
    "Escalation rate out of each tier": "Tasa de escalado desde cada nivel",
    "Tickets that stayed at the tier, and how many of them were escalated (or referred to a vendor) out of it at least once. A ticket sent back down is not an escalation.": "Tickets que pasaron por el nivel, y cuántos de ellos se escalaron (o derivaron a un proveedor) desde él al menos una vez. Devolver un ticket a un nivel inferior no es un escalado.",
    "Where escalations go": "Adónde van los escalados",
    "Every move up from one tier to another, counted once per move.": "Cada subida de un nivel a otro, contada una vez por movimiento.",
    "Time to first response and to resolution": "Tiempo hasta la primera respuesta y hasta la resolución",
    "Calendar hours from creation to the first public reply of an agent, and to the last resolution (pauses and reopens included). Median and 90th percentile, for all tickets and per the tier that resolved them.": "Horas naturales desde la creación hasta la primera respuesta pública de un agente, y hasta la última resolución (pausas y reaperturas incluidas). Mediana y percentil 90, para todos los tickets y por el nivel que los resolvió.",
    "Time spent at each tier": "Tiempo en cada nivel",
    "The sum of every stay at the tier, from entering to leaving it; a stay still open counts up to now. Average over the tickets that stayed at the tier.": "La suma de cada estancia en el nivel, desde que entra hasta que sale; una estancia aún abierta cuenta hasta ahora. Media sobre los tickets que pasaron por el nivel.",
    "Level 4: vendor referrals and turnaround": "Nivel 4: derivaciones a proveedores y su tiempo de respuesta",
    "Cases referred to each vendor in the period, and the hours from the referral to the case being closed (closed cases only).": "Casos derivados a cada proveedor en el periodo, y las horas desde la derivación hasta el cierre del caso (solo casos cerrados).",
    "Backlog by age and tier": "Pendientes por antigüedad y nivel",
    "Tickets open now (new, open, pending or reopened) by the tier they are at and the time since they were created. Not limited to the period.": "Tickets abiertos ahora (nuevos, abiertos, en espera o reabiertos) por el nivel en que están y el tiempo desde su creación. No se limita al periodo.",
    "Customer satisfaction": "Satisfacción de los clientes",
    "Answers to the survey sent at each resolution made in the period: the average rating from 1 to 5 and the share of 4s and 5s, per resolving tier, team and agent.": "Respuestas a la encuesta enviada en cada resolución del periodo: la valoración media de 1 a 5 y la proporción de 4 y 5, por nivel, equipo y agente que resolvió.",
    "Trends per week": "Evolución semanal",
    "Tickets created each week (weeks start on Monday) and what became of them: resolved, resolved at Level 1, escalated at least once, median time to resolution.": "Tickets creados cada semana (las semanas empiezan en lunes) y qué pasó con ellos: resueltos, resueltos en Nivel 1, escalados al menos una vez, mediana del tiempo de resolución.",
    "Tier dashboard": "Panel por niveles",
    "Tickets created from %(start)s to %(end)s, computed from the ticket history.": "Tickets creados del %(start)s al %(end)s, calculado a partir del historial de los tickets.",
    "Filters": "Filtros",
    "Show": "Mostrar",
    "Download CSV": "Descargar CSV",
    "Nothing to show for this period.": "No hay nada que mostrar en este periodo.",
    "SLA compliance and deflected requests": "Cumplimiento de ANS y solicitudes evitadas",
    "These figures appear here once service level agreements and the knowledge base are set up.": "Estos indicadores aparecerán aquí cuando se configuren los acuerdos de nivel de servicio y la base de conocimiento.",
    "My figures": "Mis indicadores",
    "My figures · %(name)s": "Mis indicadores · %(name)s",
    "Your open tickets now, and the tickets created from %(start)s to %(end)s that you resolved.": "Tus tickets abiertos ahora, y los tickets creados del %(start)s al %(end)s que resolviste.",
    "Open tickets assigned to me": "Tickets abiertos asignados a mí",
    "Resolved by me": "Resueltos por mí",
    "Median hours to resolve": "Mediana de horas hasta resolver",
    "Median hours to first response": "Mediana de horas hasta la primera respuesta",
    "Satisfaction (1–5)": "Satisfacción (1–5)",
    "My workload": "Mi carga de trabajo",
    "Open tickets assigned to you, by status and by the tier they are at.": "Tickets abiertos asignados a ti, por estado y por el nivel en que están.",
    "Status": "Estado",
    "No open tickets assigned to you.": "No tienes tickets abiertos asignados.",
    "Last 7 days": "Últimos 7 días",
    "Last 30 days": "Últimos 30 días",
    "Last 90 days": "Últimos 90 días",
    "Last 12 months": "Últimos 12 meses",
    "Dates below": "Fechas indicadas",
    "Period": "Periodo",
    "Organization": "Organización",
    "Category": "Categoría",
    "Choose both dates for a custom period.": "Elige las dos fechas para un periodo a medida.",
    "The end date is before the start date.": "La fecha final es anterior a la inicial.",
    "Choose a period of at most three years.": "Elige un periodo de como mucho tres años.",
    "Tickets created and resolved per week": "Tickets creados y resueltos por semana",
    "Level 1 resolution and escalation per week": "Resolución en Nivel 1 y escalado por semana",
    "Escalated": "Escalados",
    "Median hours to resolution per week": "Mediana de horas hasta la resolución por semana",
    "Median (h)": "Mediana (h)",
    "Average hours at each tier": "Horas medias en cada nivel",
    "Average (h)": "Media (h)",
    "Open tickets by age": "Tickets abiertos por antigüedad",
    "Tickets created": "Tickets creados",
    "Reopen rate": "Tasa de reapertura",
    # surveys
    "This survey link is not valid.": "Este enlace de encuesta no es válido.",
    "Choose a rating from 1 to 5.": "Elige una valoración de 1 a 5.",
    "The comment is too long (at most %(n)s characters).": "El comentario es demasiado largo (como mucho %(n)s caracteres).",
    "This survey has expired.": "Esta encuesta ha caducado.",
    "This answer can no longer be changed.": "Esta respuesta ya no se puede cambiar.",
    "Satisfaction surveys": "Encuestas de satisfacción",
    "resolution": "resolución",
    "resolved": "resuelto",
    "resolving agent": "agente que resolvió",
    "team": "equipo",
    "tier": "nivel",
    "tiers passed through": "niveles por los que pasó",
    "rating": "valoración",
    "comment": "comentario",
    "answered": "respondida",
    "last changed": "último cambio",
    "satisfaction survey": "encuesta de satisfacción",
    "satisfaction surveys": "encuestas de satisfacción",
    "How did we do?": "¿Qué tal lo hicimos?",
    "How it was solved": "Cómo se resolvió",
    "Thank you! Your answer has been saved.": "¡Gracias! Hemos guardado tu respuesta.",
    "Rate the help you received, from 1 (very poor) to 5 (excellent)": "Valora la ayuda que recibiste, de 1 (muy mala) a 5 (excelente)",
    "Very poor": "Muy mala",
    "Poor": "Mala",
    "Fair": "Normal",
    "Good": "Buena",
    "Excellent": "Excelente",
    "Anything you want to tell us? (optional)": "¿Algo que quieras contarnos? (opcional)",
    "Change my answer": "Cambiar mi respuesta",
    "Send": "Enviar",
    "You can change your answer until %(until)s.": "Puedes cambiar tu respuesta hasta el %(until)s.",
    "You rated this ticket %(rating)s out of 5. Thank you!": "Valoraste este ticket con un %(rating)s de 5. ¡Gracias!",
    "The time to change this answer has passed.": "Ya ha pasado el plazo para cambiar esta respuesta.",
    "Survey": "Encuesta",
}
PLURALS = {"%(n)s answer": {0: "%(n)s respuesta", 1: "%(n)s respuestas"}}


def main() -> None:
    root = Path(__file__).resolve().parents[1] / "escala"
    missing = []
    for app in ("reports", "surveys"):
        path = root / app / "locale" / "es" / "LC_MESSAGES" / "django.po"
        po = polib.pofile(str(path))
        for entry in po:
            if entry.msgid_plural:
                entry.msgstr_plural = PLURALS[entry.msgid]
            elif entry.msgid in ES:
                entry.msgstr = ES[entry.msgid]
            else:
                missing.append(entry.msgid)
            if "fuzzy" in entry.flags:
                entry.flags.remove("fuzzy")
        po.save()
    if missing:
        raise SystemExit(f"No Spanish for: {missing}")


if __name__ == "__main__":
    main()
