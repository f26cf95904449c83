"""The demo's knowledge base: published articles in Spanish and English, written as the help
desk of SCENARIOS.md would write them (the Spanish in *usted*, like the portal and the mails).

Each row: (category code or None, visibility, (title_es, body_es), (title_en, body_en)).
"""

PUBLIC = "public"
INTERNAL = "internal"

ARTICLES = [
    (
        "connectivity",
        PUBLIC,
        (
            "Cómo conectarse a la VPN desde casa",
            "## Antes de empezar\n\nNecesita su usuario corporativo y el portátil de la empresa "
            "conectado a internet.\n\n## Pasos\n\n1. Abra **Cliente VPN** desde el menú Inicio.\n"
            "2. Elija el perfil *Telco-Remoto*.\n3. Escriba su usuario y contraseña y acepte el "
            "aviso del doble factor en el móvil.\n\n## Si no conecta\n\n- Compruebe que la hora "
            "del portátil es correcta.\n- Reinicie el router de casa.\n- Si la VPN se desconecta "
            "cada pocos minutos, abra una solicitud indicando su proveedor de internet.",
        ),
        (
            "How to connect to the VPN from home",
            "## Before you start\n\nYou need your corporate user name and the company laptop "
            "connected to the internet.\n\n## Steps\n\n1. Open **VPN Client** from the Start "
            "menu.\n2. Choose the *Telco-Remote* profile.\n3. Type your user name and password "
            "and accept the two-factor prompt on your phone.\n\n## If it does not connect\n\n- "
            "Check that the laptop's clock is right.\n- Restart your home router.\n- If the VPN "
            "drops every few minutes, open a request and tell us your internet provider.",
        ),
    ),
    (
        "password-reset",
        PUBLIC,
        (
            "He olvidado mi contraseña: cómo restablecerla",
            "Puede restablecer la contraseña usted mismo en **cuentas.telco.example** con su "
            "móvil registrado.\n\n1. Pulse *¿Ha olvidado su contraseña?*.\n2. Escriba su "
            "usuario y el código que recibe por SMS.\n3. Elija una contraseña de al menos 12 "
            "caracteres que no haya usado antes.\n\nEl correo y la VPN aceptan la nueva "
            "contraseña en unos cinco minutos.",
        ),
        (
            "I forgot my password: how to reset it",
            "You can reset your password yourself at **accounts.telco.example** with your "
            "registered mobile phone.\n\n1. Click *Forgot your password?*.\n2. Type your user "
            "name and the code you receive by text message.\n3. Choose a password of at least 12 "
            "characters you have not used before.\n\nEmail and the VPN accept the new password "
            "within about five minutes.",
        ),
    ),
    (
        "password-reset",
        PUBLIC,
        (
            "La contraseña ha caducado y no acepta la nueva",
            "La contraseña caduca cada 90 días. Si el sistema rechaza la nueva:\n\n- Debe tener "
            "al menos 12 caracteres, con mayúsculas, minúsculas y números.\n- No puede parecerse "
            "a las cinco anteriores ni contener su nombre.\n- Cámbiela conectado a la red de la "
            "oficina o a la VPN, no sin conexión.",
        ),
        (
            "My password expired and the new one is rejected",
            "Passwords expire every 90 days. If the new one is rejected:\n\n- It needs at least "
            "12 characters, with capitals, lower case and digits.\n- It cannot resemble your "
            "last five passwords or contain your name.\n- Change it while connected to the "
            "office network or the VPN, not offline.",
        ),
    ),
    (
        "account-locked",
        PUBLIC,
        (
            "Mi cuenta está bloqueada",
            "Tras cinco intentos fallidos la cuenta se bloquea 30 minutos. Espere ese tiempo o "
            "restablezca la contraseña en **cuentas.telco.example**, que también la desbloquea."
            "\n\nSi se bloquea sola una y otra vez, puede que un móvil o una tableta siga usando "
            "la contraseña antigua: actualícela en esos dispositivos.",
        ),
        (
            "My account is locked",
            "After five failed attempts the account is locked for 30 minutes. Wait, or reset "
            "your password at **accounts.telco.example**, which also unlocks it.\n\nIf it keeps "
            "locking itself, a phone or tablet may still be using the old password: update it "
            "on those devices.",
        ),
    ),
    (
        "email",
        PUBLIC,
        (
            "Outlook no sincroniza el correo",
            "1. Compruebe en la barra inferior de Outlook que dice *Conectado*.\n2. Cierre "
            "Outlook y vuelva a abrirlo.\n3. Si sigue igual, en *Archivo › Configuración de la "
            "cuenta* pulse *Reparar*.\n\nSi el buzón está lleno (más de 50 GB), archive los "
            "correos antiguos: Outlook deja de recibir cuando se alcanza el límite.",
        ),
        (
            "Outlook does not sync my mail",
            "1. Check that Outlook's status bar says *Connected*.\n2. Close Outlook and open it "
            "again.\n3. If nothing changes, go to *File › Account settings* and click *Repair*."
            "\n\nIf the mailbox is full (over 50 GB), archive old mail: Outlook stops receiving "
            "once the limit is reached.",
        ),
    ),
    (
        "email",
        PUBLIC,
        (
            "Cómo compartir su calendario en Outlook",
            "En Outlook, abra el calendario, pulse *Compartir* y escriba el nombre de la "
            "persona. Elija *Puede ver todos los detalles* o *Puede editar*. La otra persona "
            "recibe una invitación que debe aceptar.",
        ),
        (
            "How to share your calendar in Outlook",
            "In Outlook, open the calendar, click *Share* and type the person's name. Choose "
            "*Can view all details* or *Can edit*. They receive an invitation they must accept.",
        ),
    ),
    (
        "laptop",
        PUBLIC,
        (
            "La impresora de la planta no imprime",
            "1. Compruebe que la impresora tiene papel y no muestra errores.\n2. Apáguela, "
            "espere diez segundos y vuelva a encenderla.\n3. En el portátil, borre los trabajos "
            "atascados en *Configuración › Impresoras*.\n\nSi aparece *tóner bajo*, avise en "
            "recepción: hay cartuchos de repuesto en cada planta.",
        ),
        (
            "The floor printer does not print",
            "1. Check that the printer has paper and shows no error.\n2. Switch it off, wait "
            "ten seconds and switch it on again.\n3. On your laptop, clear stuck jobs in "
            "*Settings › Printers*.\n\nIf it says *toner low*, tell reception: there are spare "
            "cartridges on every floor.",
        ),
    ),
    (
        "laptop",
        PUBLIC,
        (
            "El portátil va muy lento",
            "- Reinícielo al menos una vez por semana: las actualizaciones se instalan al "
            "reiniciar.\n- Cierre las pestañas del navegador que no use.\n- Compruebe que queda "
            "más de un 10 % de disco libre.\n\nSi tarda más de cinco minutos en arrancar, abra "
            "una solicitud: puede ser el disco.",
        ),
        (
            "My laptop is very slow",
            "- Restart it at least once a week: updates install on restart.\n- Close browser "
            "tabs you are not using.\n- Check there is more than 10% free disk space.\n\nIf it "
            "takes more than five minutes to start, open a request: it may be the disk.",
        ),
    ),
    (
        "erp",
        PUBLIC,
        (
            "ERP: no puedo registrar una factura de proveedor",
            "El ERP rechaza la factura cuando el pedido de compra ya está cerrado o el importe "
            "supera lo recibido.\n\n1. Abra el pedido y compruebe que está *Abierto*.\n2. Revise "
            "que el albarán esté recibido.\n3. Si el mensaje es *Periodo contable cerrado*, "
            "pida a Finanzas que abra el periodo.",
        ),
        (
            "ERP: I cannot post a supplier invoice",
            "The ERP refuses the invoice when the purchase order is already closed or the amount "
            "exceeds what was received.\n\n1. Open the order and check it is *Open*.\n2. Check "
            "the delivery note is received.\n3. If the message says *Accounting period closed*, "
            "ask Finance to open the period.",
        ),
    ),
    (
        "erp",
        INTERNAL,
        (
            "Error FI-CLOSE-7781 en el cierre de mes del ERP",
            "Aparece cuando quedan asientos en borrador del periodo.\n\n1. Ejecute el informe "
            "*Asientos pendientes* del periodo.\n2. Contabilice o elimine los borradores.\n3. "
            "Relance el cierre. Si persiste, escale a Nivel 3 con el registro del job.",
        ),
        (
            "Error FI-CLOSE-7781 in the ERP month-end close",
            "It appears when draft entries remain in the period.\n\n1. Run the *Pending "
            "entries* report for the period.\n2. Post or delete the drafts.\n3. Run the close "
            "again. If it persists, escalate to Level 3 with the job log.",
        ),
    ),
    (
        "crm",
        PUBLIC,
        (
            "CRM: el cliente no aparece en la búsqueda",
            "La búsqueda del CRM distingue entre cuentas activas e inactivas. Marque *Incluir "
            "inactivas* y busque por CIF en lugar de por nombre. Las altas nuevas tardan hasta "
            "una hora en aparecer.",
        ),
        (
            "CRM: the customer does not show up in search",
            "CRM search tells active from inactive accounts. Tick *Include inactive* and search "
            "by tax id instead of by name. New accounts take up to an hour to appear.",
        ),
    ),
    (
        "switchboard",
        PUBLIC,
        (
            "Cómo escuchar el buzón de voz del teléfono fijo",
            "Marque **8000** desde su extensión e introduzca su PIN (la primera vez es 1234 y "
            "le pedirá cambiarlo). Desde fuera, llame al 910 000 800 y pulse *.",
        ),
        (
            "How to listen to your desk phone's voicemail",
            "Dial **8000** from your extension and enter your PIN (the first time it is 1234 "
            "and you will be asked to change it). From outside, call +34 910 000 800 and press *.",
        ),
    ),
    (
        "software-install",
        PUBLIC,
        (
            "Instalar el software de firma digital",
            "Abra **Centro de software** en el portátil, busque *Firma digital* y pulse "
            "*Instalar*. No necesita permisos de administrador. Después importe su certificado "
            "desde el archivo .p12 que le entregó Personas.",
        ),
        (
            "Installing the digital signature software",
            "Open **Software Center** on your laptop, search for *Digital signature* and click "
            "*Install*. You do not need administrator rights. Then import your certificate from "
            "the .p12 file People gave you.",
        ),
    ),
    (
        "connectivity",
        PUBLIC,
        (
            "La fibra de la oficina se corta a menudo",
            "1. Mire las luces del router: *PON* fija en verde indica línea correcta.\n2. Si "
            "*LOS* parpadea en rojo, el corte está en la calle: abra una solicitud con la "
            "dirección de la oficina.\n3. Si todo está en verde, reinicie el router y espere "
            "cinco minutos.",
        ),
        (
            "The office fibre line keeps dropping",
            "1. Look at the router's lights: a steady green *PON* means the line is fine.\n2. If "
            "*LOS* blinks red, the fault is outside: open a request with the office address.\n3. "
            "If everything is green, restart the router and wait five minutes.",
        ),
    ),
    (
        "app-navigation",
        PUBLIC,
        (
            "Cómo activar el doble factor en el móvil",
            "Instale la app *Autenticador* desde la tienda de su móvil, entre en "
            "**cuentas.telco.example › Seguridad** y escanee el código QR. Guarde los códigos de "
            "recuperación en un lugar seguro.",
        ),
        (
            "How to set up two-factor on your phone",
            "Install the *Authenticator* app from your phone's store, go to "
            "**accounts.telco.example › Security** and scan the QR code. Keep the recovery codes "
            "somewhere safe.",
        ),
    ),
]

MACROS = [
    (
        "Password reset done",
        "Contraseña restablecida",
        "Hello {{ requester.name }},\n\nYour password has been reset. You will be asked to "
        "choose a new one when you sign in.\n\n{{ agent.name }}",
        "Hola, {{ requester.name }}:\n\nHemos restablecido su contraseña. Al iniciar sesión se "
        "le pedirá que elija una nueva.\n\n{{ agent.name }}",
        "resolved",
    ),
    (
        "Ask for a screenshot",
        "Pedir una captura",
        "Hello {{ requester.name }},\n\nCould you send us a screenshot of the error on "
        "{{ ticket.reference }}? It will help us solve it sooner.\n\n{{ agent.name }}",
        "Hola, {{ requester.name }}:\n\n¿Podría enviarnos una captura del error de "
        "{{ ticket.reference }}? Nos ayudará a resolverlo antes.\n\n{{ agent.name }}",
        "pending_customer",
    ),
    (
        "Passed to a specialist",
        "Pasado a especialistas",
        "Hello {{ requester.name }},\n\nWe have passed your request to our {{ ticket.tier }} "
        "specialists, who will contact you.\n\n{{ agent.name }}",
        "Hola, {{ requester.name }}:\n\nHemos pasado su solicitud a nuestros especialistas de "
        "{{ ticket.tier }}, que se pondrán en contacto con usted.\n\n{{ agent.name }}",
        "",
    ),
    (
        "Waiting for the vendor",
        "Esperando al fabricante",
        "Hello {{ requester.name }},\n\nThe manufacturer is looking into {{ ticket.reference }}. "
        "We will keep you informed.\n\n{{ agent.name }}",
        "Hola, {{ requester.name }}:\n\nEl fabricante está estudiando {{ ticket.reference }}. "
        "Le mantendremos informado.\n\n{{ agent.name }}",
        "",
    ),
]

# (name, event, conditions, actions)
TRIGGERS = [
    (
        "Critical tickets: tell the supervisors",
        "created",
        [{"field": "priority", "op": "is", "value": "critical"}],
        [{"action": "notify", "value": "supervisors"}, {"action": "add_tag", "value": "critical"}],
    ),
    (
        "SLA breached: tell the supervisors",
        "sla_breached",
        [],
        [{"action": "notify", "value": "supervisors"}, {"action": "add_tag", "value": "sla"}],
    ),
    (
        "Phone tickets: tag them",
        "created",
        [{"field": "channel", "op": "is", "value": "phone"}],
        [{"action": "add_tag", "value": "phone"}],
    ),
]

# What requesters typed when an article solved it before they sent a request.
DEFLECTION_QUERIES = {
    "es": ["no me conecta la vpn", "olvidé la contraseña", "outlook no recibe", "impresora"],
    "en": ["vpn not connecting", "forgot password", "outlook not receiving", "printer"],
}
