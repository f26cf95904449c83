"""The demo's Level 3 work: a few problems at different stages (one a known error whose
workaround Level 1 can send) and one major incident under way, shown in the portal's banner.

They go through the problems actions, as an engineer would write them, over tickets the demo
already has; idempotent (nothing is added when problems exist) and quiet when there are no
tickets (`escala demo --tickets 0`)."""

from django.db import transaction

from escala.people.models import Agent
from escala.problems import actions, major_incidents
from escala.problems.choices import ProblemStatus
from escala.problems.models import MajorIncident, Problem
from escala.tickets.choices import DONE_STATUSES, OPEN_STATUSES
from escala.tickets.models import Ticket

PROBLEMS = [
    {
        "title": "El cierre mensual del ERP falla con el error FI-4711",
        "description": (
            "Varias áreas no pueden cerrar el mes en el ERP: el asiento de periodificación "
            "termina con FI-4711. Reproducido en preproducción."
        ),
        "category": "erp",
        "assignee": "elena",
        "root_cause": (
            "El parche 12.3 del proveedor cambió el redondeo de los importes en divisa; el "
            "asiento descuadra por céntimos y el cierre lo rechaza."
        ),
        "workaround": (
            "Ejecutar el cierre con la opción «Redondeo por línea» activada en Finanzas → "
            "Parámetros de cierre. El proveedor prepara la corrección definitiva.",
            "Run the close with “Round per line” switched on under Finance → Close settings. "
            "The vendor is preparing the permanent fix.",
        ),
        "status": ProblemStatus.KNOWN_ERROR,
    },
    {
        "title": "La fibra se corta cada tarde en clientes de Alcobendas",
        "description": (
            "Tres clientes de la misma zona pierden la línea entre las 19:00 y las 21:00. Las "
            "comprobaciones de línea de Nivel 1 y Redes no muestran errores."
        ),
        "category": "connectivity",
        "assignee": "raul",
        "root_cause": "",
        "workaround": None,
        "status": ProblemStatus.INVESTIGATING,
    },
    {
        "title": "Bloqueos de cuenta tras el cambio de política de contraseñas",
        "description": (
            "Tras la nueva política, las sesiones de móviles con la contraseña anterior "
            "bloquean la cuenta en minutos."
        ),
        "category": "account-locked",
        "assignee": "elena",
        "root_cause": (
            "Los móviles reintentan con la contraseña antigua cada pocos segundos y agotan el "
            "umbral de bloqueo."
        ),
        "workaround": None,
        "status": ProblemStatus.RESOLVED,
    },
]

MAJOR = {
    "title_es": "Caída del correo corporativo en la sede de Madrid",
    "title_en": "Corporate mail outage at the Madrid office",
    "description": "Los buzones de la sede de Madrid no reciben correo desde las 08:40.",
    "category": "email",
    "update": (
        "Hemos localizado un fallo en el servidor de correo de Madrid y estamos "
        "restableciendo el servicio. Próxima actualización en 30 minutos.",
        "We have found a fault in the Madrid mail server and are restoring the service. "
        "Next update in 30 minutes.",
    ),
}


def _tickets(code: str, statuses, count: int) -> list[Ticket]:
    return list(
        Ticket.objects.filter(category__code=code, status__in=statuses).order_by("-created_at")[
            :count
        ]
    )


def build_problems() -> dict:
    """Returns how many problems and major incidents were added."""
    if Problem.objects.exists() or not Ticket.objects.exists():
        return {"problems": 0, "major_incidents": 0}
    agents = {a.user.username: a for a in Agent.objects.select_related("user")}
    if "elena" not in agents or "sara" not in agents:
        return {"problems": 0, "major_incidents": 0}
    made = 0
    supervisor = agents["sara"].user
    with transaction.atomic():
        for spec in PROBLEMS:
            engineer = agents[spec["assignee"]].user
            done = spec["status"] in (ProblemStatus.RESOLVED, ProblemStatus.CLOSED)
            linked = _tickets(spec["category"], DONE_STATUSES if done else OPEN_STATUSES, 3)
            # The supervisor opens it from the tickets (an engineer may not see Level 1's).
            problem = actions.open_problem(
                by=supervisor,
                title=spec["title"],
                description=spec["description"],
                tickets=linked,
            )
            actions.assign_problem(problem=problem, by=engineer, assignee=agents[spec["assignee"]])
            if spec["root_cause"]:
                actions.record_root_cause(
                    problem=problem, by=engineer, root_cause=spec["root_cause"]
                )
            if spec["workaround"]:
                es, en = spec["workaround"]
                actions.publish_workaround(
                    problem=problem, by=engineer, workaround_es=es, workaround_en=en
                )
            if done:
                actions.change_problem_status(
                    problem=problem,
                    by=engineer,
                    to=spec["status"],
                    reason="Política de reintentos de los móviles corregida.",
                )
            made += 1
    majors = 0
    affected = _tickets(MAJOR["category"], OPEN_STATUSES, 4)
    if affected and not MajorIncident.objects.exists():
        incident = major_incidents.declare_major_incident(
            by=supervisor,
            title_es=MAJOR["title_es"],
            title_en=MAJOR["title_en"],
            description=MAJOR["description"],
            from_ticket=affected[0],
        )
        major_incidents.link_to_major_incident(
            incident=incident, tickets=affected[1:], by=supervisor
        )
        es, en = MAJOR["update"]
        major_incidents.post_major_incident_update(
            incident=incident, by=supervisor, body_es=es, body_en=en
        )
        majors = 1
    return {"problems": made, "major_incidents": majors}
