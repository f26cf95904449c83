"""Seed the four support levels of the source article, their specialties and the ITIL priority
matrix. They are data: an organization may rename them, edit them or add a level afterwards."""

from django.db import migrations

LEVELS = [
    {
        "level": 1,
        "code": "l1",
        "name_en": "Level 1 · Front line",
        "name_es": "Nivel 1 · Primera línea",
        "description_en": (
            "Help desk support, front-end or first-line assistance. Level 1 technicians solve "
            "incidents that are easy to resolve, and delegate anything more complex to the next "
            "level."
        ),
        "description_es": (
            "Soporte help desk, front-end o asistencia de primera línea. Los técnicos de nivel 1 "
            "resuelven incidencias de fácil resolución y delegan en el siguiente nivel cualquier "
            "duda más compleja."
        ),
        "examples_en": (
            "Communication line problems; basic user and password problems; installing or "
            "changing standard software; help navigating application menus."
        ),
        "examples_es": (
            "Problemas de líneas de comunicación; problemas básicos de usuario y contraseña; "
            "instalación o modificación esencial de software; asistencia con la navegación de "
            "menús de aplicación."
        ),
        "portal_label_en": "with our front-line support team",
        "portal_label_es": "con nuestro equipo de primera línea",
        "is_external": False,
    },
    {
        "level": 2,
        "code": "l2",
        "name_en": "Level 2 · Specialists",
        "name_es": "Nivel 2 · Especialistas",
        "description_en": (
            "More complex matters than Level 1 handles, taken by people specialised in "
            "communication networks, information systems, operating systems or databases, "
            "usually with a year or more of experience behind them."
        ),
        "description_es": (
            "Gestiones más complejas que las del nivel 1, a cargo de personas especializadas en "
            "redes de comunicación, sistemas de información, sistemas operativos o bases de "
            "datos, que suelen contar con un año o más de experiencia."
        ),
        "examples_en": (
            "Network faults and misconfigured ports; ERP and CRM problems; operating system "
            "failures; database errors and performance."
        ),
        "examples_es": (
            "Averías de red y puertos mal configurados; problemas del ERP y del CRM; fallos del "
            "sistema operativo; errores y rendimiento de bases de datos."
        ),
        "portal_label_en": "with our Level 2 specialists",
        "portal_label_es": "con nuestros especialistas de nivel 2",
        "is_external": False,
    },
    {
        "level": 3,
        "code": "l3",
        "name_en": "Level 3 · Back-end experts",
        "name_es": "Nivel 3 · Expertos back-end",
        "description_en": (
            "The back-end: experts who investigate new or unknown problems, reproduce them, find "
            "the root cause and decide whether and how they can be solved."
        ),
        "description_es": (
            "El back-end: expertos que investigan problemas nuevos o desconocidos, los "
            "reproducen, encuentran la causa raíz y determinan si pueden resolverse y cómo."
        ),
        "examples_en": (
            "Errors nobody has seen before; failures that need reproducing and root-cause "
            "analysis; deciding on a fix or a workaround."
        ),
        "examples_es": (
            "Errores que nadie había visto; fallos que hay que reproducir y analizar hasta la "
            "causa raíz; decidir una corrección o una solución alternativa."
        ),
        "portal_label_en": "with our engineering experts",
        "portal_label_es": "con nuestros expertos de ingeniería",
        "is_external": False,
    },
    {
        "level": 4,
        "code": "l4",
        "name_en": "Level 4 · External vendor",
        "name_es": "Nivel 4 · Proveedor externo",
        "description_en": (
            "An external hardware or software vendor, outside the organization, reached under "
            "contract when the problem lies in their product."
        ),
        "description_es": (
            "Un proveedor externo de hardware o software, ajeno a la organización, al que se "
            "acude por contrato cuando el problema está en su producto."
        ),
        "examples_en": (
            "A patch from the ERP vendor; a faulty part replaced by the laptop manufacturer; a "
            "firmware fix from the network equipment maker."
        ),
        "examples_es": (
            "Un parche del fabricante del ERP; una pieza defectuosa sustituida por el fabricante "
            "del portátil; una corrección de firmware del fabricante de equipos de red."
        ),
        "portal_label_en": "waiting for the manufacturer",
        "portal_label_es": "a la espera del fabricante",
        "is_external": True,
    },
]

SPECIALTIES = [
    ("networks", "Networks", "Redes"),
    ("information-systems", "Information systems", "Sistemas de información"),
    ("operating-systems", "Operating systems", "Sistemas operativos"),
    ("databases", "Databases", "Bases de datos"),
    ("accounts", "Accounts and passwords", "Cuentas y contraseñas"),
    ("software", "Standard software", "Software estándar"),
    ("hardware", "Hardware", "Hardware"),
]

MATRIX = {
    ("high", "high"): "critical",
    ("high", "medium"): "high",
    ("high", "low"): "medium",
    ("medium", "high"): "high",
    ("medium", "medium"): "medium",
    ("medium", "low"): "low",
    ("low", "high"): "medium",
    ("low", "medium"): "low",
    ("low", "low"): "low",
}


def seed(apps, schema_editor):
    SupportTier = apps.get_model("tiers", "SupportTier")
    Specialty = apps.get_model("tiers", "Specialty")
    PriorityRule = apps.get_model("tiers", "PriorityRule")
    for row in LEVELS:
        SupportTier.objects.update_or_create(level=row["level"], defaults=row)
    for code, en, es in SPECIALTIES:
        Specialty.objects.update_or_create(code=code, defaults={"name_en": en, "name_es": es})
    for (impact, urgency), priority in MATRIX.items():
        PriorityRule.objects.update_or_create(
            impact=impact, urgency=urgency, defaults={"priority": priority}
        )


class Migration(migrations.Migration):
    dependencies = [("tiers", "0001_initial")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
