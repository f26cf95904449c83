"""The demo organization of SCENARIOS.md: a telecom company's help desk, in Spanish and English."""

DEPARTMENTS = [
    ("Ventas", "ventas.telco.example"),
    ("Finanzas", "finanzas.telco.example"),
    ("Personas", "personas.telco.example"),
    ("Operaciones", "operaciones.telco.example"),
    ("Tiendas", "tiendas.telco.example"),
]

CUSTOMERS = [
    ("Fibra Rápida S.L.", "fibrarapida.example"),
    ("Clínica Dental Sonrisas", "sonrisas.example"),
    ("Gestoría Martínez y Asociados", "gestoriamartinez.example"),
    ("Hotel Mirador del Tajo", "miradortajo.example"),
    ("Bodegas Ribera Alta", "riberaalta.example"),
    ("Northwind Logistics Ltd", "northwind.example"),
    ("Blue Harbour Consulting", "blueharbour.example"),
    ("Talleres Hermanos Gil", "hermanosgil.example"),
    ("Academia Lingua", "academialingua.example"),
    ("Farmacia Central Alcalá", "farmaciacentral.example"),
    ("Oakfield Architects", "oakfield.example"),
    ("Cooperativa Agrícola del Jalón", "coopjalon.example"),
]

FIRST_NAMES = [
    "Marta",
    "Javier",
    "Lucía",
    "Carmen",
    "Antonio",
    "Laura",
    "David",
    "Sofía",
    "Manuel",
    "Elena",
    "Sergio",
    "Paula",
    "Jorge",
    "Alba",
    "Raúl",
    "Cristina",
    "Diego",
    "Nerea",
    "Álvaro",
    "Irene",
    "John",
    "Emma",
    "Oliver",
    "Grace",
    "Thomas",
    "Chloe",
    "James",
    "Amelia",
    "Henry",
    "Olivia",
]
LAST_NAMES = [
    "García",
    "Fernández",
    "López",
    "Martínez",
    "Sánchez",
    "Pérez",
    "Gómez",
    "Martín",
    "Jiménez",
    "Ruiz",
    "Hernández",
    "Díaz",
    "Moreno",
    "Muñoz",
    "Álvarez",
    "Romero",
    "Navarro",
    "Torres",
    "Smith",
    "Jones",
    "Taylor",
    "Brown",
    "Wilson",
    "Evans",
]

# (code, English, Spanish, starting level, starting team, specialty)
CATEGORIES = [
    ("password-reset", "Password reset", "Restablecer contraseña", 1, "Service Desk", "accounts"),
    ("account-locked", "Locked account", "Cuenta bloqueada", 1, "Service Desk", "accounts"),
    (
        "connectivity",
        "Line and connectivity",
        "Línea y conectividad",
        1,
        "Service Desk",
        "networks",
    ),
    (
        "software-install",
        "Software install or change",
        "Instalar o cambiar software",
        1,
        "Service Desk",
        "software",
    ),
    (
        "app-navigation",
        "Help using an application",
        "Ayuda con una aplicación",
        1,
        "Service Desk",
        "software",
    ),
    ("email", "Email and calendar", "Correo y calendario", 1, "Service Desk", "software"),
    ("erp", "ERP", "ERP", 1, "Service Desk", "information-systems"),
    ("crm", "CRM", "CRM", 1, "Service Desk", "information-systems"),
    ("laptop", "Laptop and hardware", "Portátil y hardware", 1, "Service Desk", "hardware"),
    (
        "switchboard",
        "Switchboard and phones",
        "Centralita y teléfonos",
        1,
        "Service Desk",
        "networks",
    ),
    ("database", "Database", "Base de datos", 2, "Databases", "databases"),
    (
        "server",
        "Servers and operating systems",
        "Servidores y sistemas operativos",
        2,
        "Operating Systems",
        "operating-systems",
    ),
]

TEAMS = [
    # (name, level, specialties)
    ("Service Desk", 1, ["accounts", "software", "networks", "hardware"]),
    ("Networks", 2, ["networks"]),
    ("Information Systems", 2, ["information-systems"]),
    ("Operating Systems", 2, ["operating-systems", "hardware"]),
    ("Databases", 2, ["databases"]),
    ("Engineering", 3, ["networks", "information-systems", "operating-systems", "databases"]),
]

TEAM_NAMES_ES = {
    "Service Desk": "Mesa de servicio",
    "Networks": "Redes",
    "Information Systems": "Sistemas de información",
    "Operating Systems": "Sistemas operativos",
    "Databases": "Bases de datos",
    "Engineering": "Ingeniería",
}

VENDORS = [
    # (name, email, contract, response hours, resolution days, specialties)
    ("RedEquipos Networks", "support@redequipos.example", "RE-2025-044", 4, 3, ["networks"]),
    (
        "ERP Solutions AG",
        "support@erpsolutions.example",
        "ERP-MNT-2026",
        8,
        10,
        ["information-systems"],
    ),
    ("DataBase Corp", "tac@databasecorp.example", "DBC-PREM-118", 2, 5, ["databases"]),
    ("PortaTech Laptops", "warranty@portatech.example", "PT-FLEET-31", 24, 7, ["hardware"]),
]

# username, first, last, team names, supervisor
AGENTS = [
    ("sara", "Sara", "Ibáñez", ["Service Desk", "Networks", "Information Systems"], True),
    ("lucia", "Lucía", "Vega", ["Service Desk"], False),
    ("pablo", "Pablo", "Serrano", ["Service Desk"], False),
    ("irene", "Irene", "Castro", ["Service Desk"], False),
    ("tomas", "Tomás", "Ortega", ["Service Desk"], False),
    ("nuria", "Nuria", "Campos", ["Networks"], False),
    ("hugo", "Hugo", "Rey", ["Networks"], False),
    ("iker", "Iker", "Etxeberria", ["Information Systems"], False),
    ("oscar", "Óscar", "Prieto", ["Operating Systems"], False),
    ("dolores", "Dolores", "Vidal", ["Databases"], False),
    ("elena", "Elena", "Marín", ["Engineering"], False),
    ("raul", "Raúl", "Benítez", ["Engineering"], False),
]

# Subjects and first messages per category, per language.
TEXTS: dict[str, dict[str, list[tuple[str, str]]]] = {
    "password-reset": {
        "es": [
            (
                "Olvidé mi contraseña y no puedo entrar al correo",
                "Hola, esta mañana no recuerdo la contraseña y no puedo entrar al correo. "
                "Os escribo desde el móvil de una compañera.",
            ),
            (
                "Contraseña caducada en el portátil",
                "Me pide cambiar la contraseña pero no acepta la nueva.",
            ),
        ],
        "en": [
            (
                "Forgot my password, cannot log in to email",
                "Hi, I can't remember my password this morning and can't get into my mailbox.",
            ),
            ("Password expired on my laptop", "It asks me to change it but rejects the new one."),
        ],
    },
    "account-locked": {
        "es": [
            (
                "Cuenta bloqueada tras varios intentos",
                "Mi usuario se ha bloqueado después de equivocarme varias veces.",
            )
        ],
        "en": [
            (
                "Account locked after several attempts",
                "My user got locked after I mistyped the password a few times.",
            )
        ],
    },
    "connectivity": {
        "es": [
            (
                "La fibra se corta todas las tardes",
                "Desde hace una semana la línea de fibra se cae cada tarde hacia las 19:00 y "
                "vuelve al rato. Afecta a toda la oficina.",
            ),
            ("Sin conexión en la tienda", "El router de la tienda tiene la luz roja fija."),
        ],
        "en": [
            (
                "Fibre line drops every evening",
                "For a week our fibre line has dropped every evening around 7 pm and comes back "
                "later. The whole office is affected.",
            ),
            ("No internet at the branch", "The router shows a steady red light."),
        ],
    },
    "software-install": {
        "es": [
            (
                "Necesito instalar el programa de firma digital",
                "Para presentar impuestos necesito el software de firma instalado.",
            )
        ],
        "en": [
            (
                "Please install the PDF editor",
                "I need the standard PDF editor installed on my laptop.",
            )
        ],
    },
    "app-navigation": {
        "es": [
            (
                "No encuentro dónde exportar el informe",
                "En la aplicación de ventas no sé en qué menú está exportar a Excel.",
            )
        ],
        "en": [
            (
                "Where is the export option?",
                "I can't find the menu to export the sales report to Excel.",
            )
        ],
    },
    "email": {
        "es": [
            (
                "El calendario compartido no se sincroniza",
                "No veo las citas que mis compañeros añaden al calendario del equipo.",
            )
        ],
        "en": [
            (
                "Shared calendar does not sync",
                "I don't see appointments my colleagues add to the team calendar.",
            )
        ],
    },
    "erp": {
        "es": [
            (
                "El cierre de mes del ERP falla con un error desconocido",
                "Al lanzar el cierre de mes aparece el error 'FI-CLOSE-7781' y el proceso se "
                "detiene. Nadie lo había visto antes.",
            ),
            ("No puedo contabilizar facturas en el ERP", "Sale un aviso de periodo bloqueado."),
        ],
        "en": [
            (
                "ERP month-end close fails with an unknown error",
                "Running the month-end close stops with error 'FI-CLOSE-7781'. Nobody has seen it.",
            ),
            ("Cannot post invoices in the ERP", "It says the period is locked."),
        ],
    },
    "crm": {
        "es": [
            (
                "El CRM no guarda los cambios del cliente",
                "Edito la ficha del cliente, guardo y al recargar han desaparecido los cambios.",
            )
        ],
        "en": [
            (
                "CRM does not save customer changes",
                "I edit a customer record, save, and the changes are gone after a reload.",
            )
        ],
    },
    "laptop": {
        "es": [
            (
                "El portátil no carga la batería",
                "El cargador está conectado pero la batería se queda al 0 %.",
            )
        ],
        "en": [("Laptop will not charge", "The charger is plugged in but it stays at 0 %.")],
    },
    "switchboard": {
        "es": [
            (
                "La centralita no pasa llamadas a las extensiones",
                "Las llamadas entrantes se quedan en la operadora y no llegan a las extensiones.",
            )
        ],
        "en": [
            (
                "Switchboard does not transfer calls",
                "Incoming calls stay at the operator and never reach the extensions.",
            )
        ],
    },
    "database": {
        "es": [
            (
                "Consultas muy lentas en la base de datos de facturación",
                "Desde ayer los informes de facturación tardan minutos en vez de segundos.",
            )
        ],
        "en": [
            (
                "Billing database queries are very slow",
                "Since yesterday billing reports take minutes instead of seconds.",
            )
        ],
    },
    "server": {
        "es": [
            (
                "El servidor de ficheros no responde",
                "No podemos abrir las carpetas compartidas del departamento.",
            )
        ],
        "en": [("File server not responding", "We cannot open the department's shared folders.")],
    },
}

AGENT_REPLIES = {
    "es": [
        "Gracias por avisar. Lo estamos revisando y te contamos en cuanto sepamos algo.",
        "Hemos verificado tu identidad y restablecido el acceso. ¿Puedes probar ahora?",
        "Hemos hecho las comprobaciones de línea; te mantenemos informado.",
    ],
    "en": [
        "Thanks for letting us know. We are looking into it and will update you shortly.",
        "We verified your identity and restored access. Could you try again now?",
        "We ran the line checks and will keep you posted.",
    ],
}
REQUESTER_FOLLOW_UPS = {
    "es": ["Ya funciona, ¡gracias!", "Sigue igual, os adjunto una captura.", "Perfecto, gracias."],
    "en": ["It works now, thanks!", "Still the same, screenshot attached.", "Perfect, thank you."],
}
FOLLOW_UP_STILL_BROKEN = 1  # the index above of "still the same": some of those reopen
REOPEN_REASONS = {
    "es": "El solicitante indica que el problema continúa.",
    "en": "The requester says the problem is still there.",
}
HANDOVERS = [
    ("Requiere especialista", "Comprobaciones básicas hechas; el problema persiste."),
    ("Error desconocido", "Reproducido con otro usuario; logs adjuntos en la nota."),
    ("Needs a specialist", "Basic checks done; the problem persists."),
]
RESOLUTIONS = {
    "es": [
        "Acceso restablecido.",
        "Puerto mal configurado corregido.",
        "Parche aplicado.",
        "Software instalado.",
        "Configuración corregida.",
    ],
    "en": [
        "Access restored.",
        "Misconfigured port fixed.",
        "Patch applied.",
        "Software installed.",
        "Configuration corrected.",
    ],
}
