"""Varies the demo's request texts, so no two requests read exactly alike: a greeting, the
core text of its category (content.TEXTS), a detail of that category, some context and a sign-off,
and subjects that are sometimes shortened, marked urgent or carry a place. Triage accuracy measured
on the demo then means something: the held-out tickets are not copies of the training ones."""

import random

CITIES = ["Madrid", "Zaragoza", "Sevilla", "Valencia", "Bilbao", "Alcalá", "Toledo", "Logroño"]

OPENERS = {
    "es": ["Hola,", "Buenos días,", "Buenas tardes,", "Hola equipo,", "Buenas,", "", ""],
    "en": ["Hi,", "Hello,", "Good morning,", "Hi team,", "Hello there,", "", ""],
}
CONTEXT = {
    "es": [
        "Me pasa desde esta mañana.",
        "Ocurre desde ayer por la tarde.",
        "A un compañero de la mesa de al lado le pasa lo mismo.",
        "Estoy en la oficina de {city}.",
        "Hoy trabajo desde casa.",
        "Es urgente porque tengo una reunión con un cliente en una hora.",
        "Ya he reiniciado el equipo y sigue igual.",
        "No sé si es algo mío o le pasa a más gente.",
        "Adjunto una captura de pantalla.",
        "Es la segunda vez esta semana.",
    ],
    "en": [
        "It started this morning.",
        "It has been happening since yesterday afternoon.",
        "A colleague at the next desk has the same problem.",
        "I am at the {city} office.",
        "I am working from home today.",
        "It is urgent: I have a customer meeting in an hour.",
        "I have already restarted the computer and nothing changed.",
        "Not sure whether it is just me or everyone.",
        "Screenshot attached.",
        "This is the second time this week.",
    ],
}
CLOSERS = {
    "es": ["Gracias.", "Un saludo.", "Quedo a la espera.", "Muchas gracias de antemano.", ""],
    "en": ["Thanks.", "Regards.", "Looking forward to your answer.", "Thanks in advance.", ""],
}
URGENT = {"es": "URGENTE: ", "en": "URGENT: "}

# A detail each category's requests may add, in its own words.
DETAILS = {
    "password-reset": {
        "es": [
            "El mensaje dice que la contraseña no es válida.",
            "Tampoco puedo entrar en la intranet.",
            "Creo que la cambié el viernes y no la recuerdo.",
        ],
        "en": [
            "The message says the password is not valid.",
            "I cannot get into the intranet either.",
            "I think I changed it on Friday and cannot remember it.",
        ],
    },
    "account-locked": {
        "es": [
            "Sale el aviso de usuario bloqueado.",
            "Mi móvil intentaba sincronizar con la clave antigua.",
            "No puedo fichar ni abrir el correo.",
        ],
        "en": [
            "It says the user is locked.",
            "My phone kept syncing with the old password.",
            "I cannot clock in or open my mail.",
        ],
    },
    "connectivity": {
        "es": [
            "Las luces del router parpadean en naranja.",
            "Los datáfonos de la tienda tampoco funcionan.",
            "La velocidad ha bajado a menos de 5 megas.",
        ],
        "en": [
            "The router lights blink orange.",
            "The card terminals in the shop are down too.",
            "The speed dropped below 5 megabits.",
        ],
    },
    "software-install": {
        "es": [
            "No tengo permisos de administrador.",
            "Lo necesito para el trimestre fiscal.",
            "En el Centro de software no aparece.",
        ],
        "en": [
            "I do not have administrator rights.",
            "I need it for the quarterly tax filing.",
            "It does not show up in Software Center.",
        ],
    },
    "app-navigation": {
        "es": [
            "No encuentro dónde se exporta el informe.",
            "El menú ha cambiado tras la actualización.",
            "Necesito configurar el doble factor.",
        ],
        "en": [
            "I cannot find where to export the report.",
            "The menu changed after the update.",
            "I need to set up two-factor sign-in.",
        ],
    },
    "email": {
        "es": [
            "Outlook se queda en «Intentando conectar».",
            "Los correos se quedan en la bandeja de salida.",
            "El calendario compartido no se actualiza.",
        ],
        "en": [
            "Outlook stays on 'Trying to connect'.",
            "Messages are stuck in the outbox.",
            "The shared calendar does not update.",
        ],
    },
    "erp": {
        "es": [
            "El ERP muestra un error al contabilizar.",
            "No puedo registrar la factura del proveedor.",
            "El cierre de mes se queda a medias.",
        ],
        "en": [
            "The ERP shows an error when posting.",
            "I cannot post the supplier invoice.",
            "The month-end close stops halfway.",
        ],
    },
    "crm": {
        "es": [
            "La ficha del cliente no carga.",
            "No aparece la oportunidad que creé ayer.",
            "El CRM me echa de la sesión cada poco.",
        ],
        "en": [
            "The customer record does not load.",
            "The opportunity I created yesterday is missing.",
            "The CRM keeps logging me out.",
        ],
    },
    "laptop": {
        "es": [
            "El portátil tarda diez minutos en arrancar.",
            "La batería dura menos de una hora.",
            "La impresora de la planta dice atasco de papel.",
        ],
        "en": [
            "The laptop takes ten minutes to start.",
            "The battery lasts less than an hour.",
            "The floor printer says paper jam.",
        ],
    },
    "switchboard": {
        "es": [
            "Las llamadas entrantes se cortan a los pocos segundos.",
            "No se oye el buzón de voz.",
            "La extensión no suena.",
        ],
        "en": [
            "Incoming calls drop after a few seconds.",
            "Voicemail has no sound.",
            "The extension does not ring.",
        ],
    },
    "database": {
        "es": [
            "Las consultas del informe tardan minutos.",
            "Sale un error de bloqueo en la tabla de pedidos.",
            "La réplica va con retraso.",
        ],
        "en": [
            "Report queries take minutes.",
            "There is a lock error on the orders table.",
            "The replica is lagging behind.",
        ],
    },
    "server": {
        "es": [
            "El servidor de ficheros no responde.",
            "El disco del servidor está casi lleno.",
            "Tras el parche el servicio no arranca.",
        ],
        "en": [
            "The file server does not respond.",
            "The server's disk is almost full.",
            "After the patch the service does not start.",
        ],
    },
}


def vary(category: str, subject: str, body: str, lang: str, rng: random.Random) -> tuple[str, str]:
    """One requester's way of writing the request `subject`/`body` of `category`."""
    city = rng.choice(CITIES)
    parts = [rng.choice(OPENERS[lang]), body]
    details = DETAILS.get(category, {}).get(lang, [])
    if details and rng.random() < 0.7:
        parts.append(rng.choice(details))
    for line in rng.sample(CONTEXT[lang], k=rng.choice([0, 1, 1, 2])):
        parts.append(line.format(city=city))
    parts.append(rng.choice(CLOSERS[lang]))
    roll = rng.random()
    if roll < 0.1:
        subject = URGENT[lang] + subject
    elif roll < 0.25:
        subject = f"{subject} ({city})"
    elif roll < 0.35 and details:
        subject = rng.choice(details).rstrip(".")
    elif roll < 0.42:
        subject = subject.lower()
    return subject[:250], " ".join(p for p in parts if p)
