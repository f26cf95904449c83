"""How the synthetic part of the corpus was written (run once; the .eml files are committed).

Each mail imitates what a real client or server sends: header order, X-Mailer, boundaries,
encodings, and the ways they go wrong. `expected.csv` says what each one must become.
Run: .venv/bin/python tests/mail/data/build_corpus.py
"""

import base64
import binascii
import hashlib
import struct
from pathlib import Path

HERE = Path(__file__).parent
PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8DwHwAFBQIAX8jx0gAAAABJRU5ErkJggg=="
)
PDF = b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"


def B64(data: bytes) -> str:  # noqa: N802
    encoded = base64.b64encode(data).decode()
    return "\n".join(encoded[i : i + 76] for i in range(0, len(encoded), 76))


CASES: list[tuple[str, str, str]] = []  # (file, expected outcome, note)


def mail(name: str, outcome: str, raw: str | bytes, note: str = "") -> None:
    data = raw.encode("utf-8", "surrogateescape") if isinstance(raw, str) else raw
    if not name.startswith("cpython"):
        (HERE / f"{name}.eml").write_bytes(data)
    CASES.append((f"{name}.eml", outcome, note))


def std(
    frm: str = "Juan Pérez <juan.perez@cliente.example>",
    subject: str = "No puedo imprimir",
    extra: str = "",
    msgid: str | None = None,
) -> str:
    digest = hashlib.sha256(repr((frm, subject, extra)).encode()).hexdigest()[:16]
    mid = msgid if msgid is not None else f"<{digest}@cliente.example>"
    mid_line = f"Message-ID: {mid}\n" if mid else ""
    return (
        f"Return-Path: <{frm.split('<')[-1].rstrip('>')}>\n"
        f"From: {frm}\nTo: Soporte <soporte@escala.example>\nSubject: {subject}\n"
        f"Date: Mon, 2 Mar 2026 09:15:00 +0100\n{mid_line}MIME-Version: 1.0\n{extra}"
    )


def tnef(body: bytes, files: list[tuple[bytes, bytes]]) -> bytes:
    def obj(level: int, name: int, typ: int, data: bytes) -> bytes:
        checksum = sum(data) & 0xFFFF
        return (
            struct.pack("<BHHI", level, name, typ, len(data)) + data + struct.pack("<H", checksum)
        )

    out = struct.pack("<IH", 0x223E9F78, 0x0101)
    out += obj(1, 0x9006, 0x0009, struct.pack("<I", 0x10000))  # TNEF version
    out += obj(1, 0x800C, 0x0002, body)  # body
    for filename, data in files:
        out += obj(2, 0x9002, 0x0006, b"\x01\x00\x00\x00" + b"\x00" * 10)  # attach render data
        out += obj(2, 0x8010, 0x0001, filename + b"\x00")  # title
        out += obj(2, 0x800F, 0x0006, data)  # data
    return out


# --- Everyday clients -------------------------------------------------------------------------
mail(
    "gmail_plain_alternative",
    "new_ticket",
    std(extra='X-Mailer: Gmail\nContent-Type: multipart/alternative; boundary="000000000000a1b2"\n')
    + """
--000000000000a1b2
Content-Type: text/plain; charset="UTF-8"
Content-Transfer-Encoding: quoted-printable

Hola,=0A=0ALa impresora de la segunda planta no imprime desde esta ma=C3=B1ana.

Gracias,
Juan
--000000000000a1b2
Content-Type: text/html; charset="UTF-8"
Content-Transfer-Encoding: quoted-printable

<div dir=3D"ltr">Hola,<div><br></div><div>La impresora de la segunda planta=
 no imprime desde esta ma=C3=B1ana.</div></div>
--000000000000a1b2--
""",
    "text contains: segunda planta no imprime desde esta mañana",
)
mail(
    "gmail_inline_image",
    "new_ticket",
    std(
        subject="=?UTF-8?Q?Captura_del_error_de_conexi=C3=B3n?=",
        extra='Content-Type: multipart/related; boundary="rel1"\n',
    )
    + f"""
--rel1
Content-Type: multipart/alternative; boundary="alt1"

--alt1
Content-Type: text/plain; charset="UTF-8"

Adjunto la captura del error.
[image: error.png]
--alt1
Content-Type: text/html; charset="UTF-8"

<div>Adjunto la captura del error.<br><img src="cid:ii_abc123" alt="error.png"></div>
--alt1--

--rel1
Content-Type: image/png; name="error.png"
Content-Disposition: inline; filename="error.png"
Content-Transfer-Encoding: base64
Content-ID: <ii_abc123>

{B64(PNG)}
--rel1--
""",
    "attachments: 1",
)
mail(
    "outlook_html_cp1252",
    "new_ticket",
    std(
        frm='"García, Lucía" <lucia.garcia@cliente.example>',
        subject="Problema con la VPN",
        extra="X-MS-Has-Attach: \nThread-Index: AQHZ1234567890abcdef==\nX-Mailer: Microsoft Outlook 16.0\n"
        'Content-Type: multipart/alternative; boundary="_000_VI1PR_"\nContent-Language: es-ES\n',
    )
    + """
--_000_VI1PR_
Content-Type: text/plain; charset="windows-1252"
Content-Transfer-Encoding: quoted-printable

Buenos d=EDas:

La VPN se desconecta cada 5 minutos. =BFPod=E9is revisarlo?

Un saludo,
Luc=EDa Garc=EDa

--_000_VI1PR_
Content-Type: text/html; charset="windows-1252"
Content-Transfer-Encoding: quoted-printable

<html xmlns:o=3D"urn:schemas-microsoft-com:office:office"><head><style><!--
p.MsoNormal {margin:0cm; font-family:"Calibri",sans-serif;}
--></style></head><body lang=3D"ES"><div class=3D"WordSection1"><p class=3D"MsoNormal">Buenos d=EDas:</p>
<p class=3D"MsoNormal">La VPN se desconecta cada 5 minutos. =BFPod=E9is revisarlo?</p></div></body></html>

--_000_VI1PR_--
""",
    "text contains: ¿Podéis revisarlo?",
)
mail(
    "outlook_winmail_dat",
    "new_ticket",
    std(
        subject="Informe adjunto (winmail)",
        extra='X-MS-TNEF-Correlator: <00000000A1B2C3@cliente.example>\nContent-Type: multipart/mixed; boundary="tnef1"\n',
    )
    + f"""
--tnef1
Content-Type: text/plain; charset=us-ascii

Please see the attached report.

--tnef1
Content-Type: application/ms-tnef; name="winmail.dat"
Content-Disposition: attachment; filename="winmail.dat"
Content-Transfer-Encoding: base64

{B64(tnef(b"Report body inside TNEF", [(b"report.pdf", PDF), (b"notes.txt", b"some notes")]))}
--tnef1--
""",
    "attachments: 2",
)
mail(
    "outlook_broken_tnef",
    "new_ticket",
    std(subject="winmail roto", extra='Content-Type: multipart/mixed; boundary="t2"\n')
    + f"""
--t2
Content-Type: text/plain

Body ok.
--t2
Content-Type: application/ms-tnef; name="winmail.dat"
Content-Transfer-Encoding: base64

{B64(b"not a tnef file at all")}
--t2--
""",
    "text contains: Body ok.",
)
mail(
    "apple_mail_format_flowed",
    "new_ticket",
    std(
        subject="Pantalla en negro",
        extra="X-Mailer: Apple Mail (2.3774.300.61.1.2)\n"
        "Content-Type: text/plain; charset=utf-8; format=flowed; delsp=yes\n"
        "Content-Transfer-Encoding: quoted-printable\n",
    )
    + """
Al encender el port=C3=A1til la pantalla se queda en negro. He probado a =
reiniciar dos veces.

Enviado desde mi iPad
""",
    "text contains: pantalla se queda en negro",
)
mail(
    "apple_mail_nested_related",
    "new_ticket",
    std(
        subject="Error ERP",
        extra='X-Mailer: Apple Mail (2.3696)\nContent-Type: multipart/alternative; boundary="Apple-Mail=_A1"\n',
    )
    + f"""
--Apple-Mail=_A1
Content-Transfer-Encoding: 7bit
Content-Type: text/plain; charset=us-ascii

El ERP da error al facturar.

--Apple-Mail=_A1
Content-Type: multipart/related; type="text/html"; boundary="Apple-Mail=_B2"

--Apple-Mail=_B2
Content-Type: text/html; charset=us-ascii

<html><body>El ERP da error al facturar.<img src="cid:B2@apple"></body></html>
--Apple-Mail=_B2
Content-Disposition: inline; filename=shot.png
Content-Type: image/png; name="shot.png"
Content-Id: <B2@apple>
Content-Transfer-Encoding: base64

{B64(PNG)}
--Apple-Mail=_B2--

--Apple-Mail=_A1--
""",
    "attachments: 1",
)
mail(
    "iphone_plain",
    "new_ticket",
    std(
        subject="Wifi",
        extra="X-Mailer: iPhone Mail (21A329)\nContent-Type: text/plain; charset=utf-8\nContent-Transfer-Encoding: 8bit\n",
    )
    + "\nNo hay wifi en la sala B 😩\n\nEnviado desde mi iPhone\n",
    "text contains: sala B 😩",
)
mail(
    "android_gmail",
    "new_ticket",
    std(
        subject="Acceso",
        extra='Content-Type: multipart/alternative; boundary="00000000000099"\n',
    )
    + """
--00000000000099
Content-Type: text/plain; charset="UTF-8"

No puedo acceder a la intranet desde el móvil
--00000000000099
Content-Type: text/html; charset="UTF-8"

<div dir="auto">No puedo acceder a la intranet desde el móvil</div>
--00000000000099--
""",
)
mail(
    "thunderbird_signature",
    "new_ticket",
    std(
        subject="Cuota de disco",
        extra="User-Agent: Mozilla Thunderbird\nContent-Type: text/plain; charset=UTF-8; format=flowed\nContent-Transfer-Encoding: 8bit\n",
    )
    + "\nNecesito más cuota en el disco compartido.\n\n-- \nJuan Pérez\nDepartamento de Compras\n",
)
mail(
    "yahoo_mail",
    "new_ticket",
    std(
        frm="Ana <ana_ruiz@yahoo.example>",
        subject="Factura duplicada",
        extra='X-Mailer: WebService/1.1.21797 YMailNorrin\nContent-Type: multipart/alternative; boundary="----=_Part_1"\n',
    )
    + """
------=_Part_1
Content-Type: text/plain; charset=UTF-8
Content-Transfer-Encoding: 7bit

Me han cobrado dos veces la factura 2026-0113.
------=_Part_1
Content-Type: text/html; charset=UTF-8

<html><body><div style="font-family:Helvetica">Me han cobrado dos veces la factura 2026-0113.</div></body></html>
------=_Part_1--
""",
)
mail(
    "outlook_mac",
    "new_ticket",
    std(
        subject="Calendario compartido",
        extra='User-Agent: Microsoft-MacOutlook/16.80.23121017\nContent-Type: text/plain; charset="UTF-8"\nContent-Transfer-Encoding: quoted-printable\n',
    )
    + "\nEl calendario compartido no se sincroniza.=20\n",
)

# --- Replies with history ------------------------------------------------------------------------
mail(
    "outlook_reply_original_message",
    "new_ticket",
    std(
        subject="RE: [ESC-099999] Problema con la VPN",
        extra="Content-Type: text/plain; charset=utf-8\n",
    )
    + """
Sigue sin funcionar.

-----Original Message-----
From: Soporte <soporte@escala.example>
Sent: Monday, March 2, 2026 9:00 AM
Subject: [ESC-099999] Problema con la VPN

Hola, ¿puede reiniciar el cliente?
""",
    "ticket reference of an unknown ticket: a new ticket",
)
mail(
    "gmail_reply_quoted",
    "new_ticket",
    std(
        subject="Re: pregunta",
        extra="In-Reply-To: <unknown-parent@gmail.example>\nReferences: <unknown-parent@gmail.example>\nContent-Type: text/plain; charset=UTF-8\n",
    )
    + """
Gracias, ya funciona.

El lun, 2 mar 2026 a las 9:00, Soporte (<soporte@escala.example>) escribió:
> Hola, pruebe a reiniciar.
>
""",
)
mail(
    "exchange_reply_spanish_headers",
    "new_ticket",
    std(subject="RE: consulta", extra="Content-Type: text/plain; charset=utf-8\n")
    + """
Perfecto, gracias.

________________________________
De: Soporte <soporte@escala.example>
Enviado: lunes, 2 de marzo de 2026 9:00
Para: Juan Pérez
Asunto: consulta

Texto anterior.
""",
)

# --- Mailing lists, auto-replies, bounces ------------------------------------------------------
mail(
    "list_precedence_list",
    "auto_reply",
    std(
        frm="Lista <devel@lists.example>",
        subject="[devel] Weekly digest",
        extra="Precedence: list\nList-Id: <devel.lists.example>\nList-Unsubscribe: <mailto:leave@lists.example>\nContent-Type: text/plain\n",
    )
    + "\nDigest of this week.\n",
)
mail(
    "list_id_only",
    "new_ticket",
    std(
        frm="Grupo Soporte <grupo@cliente.example>",
        subject="Impresora atascada",
        extra="List-Id: <grupo.cliente.example>\nContent-Type: text/plain\n",
    )
    + "\nLa impresora se atasca.\n",
    "no auto-reply",
)
mail(
    "bulk_newsletter",
    "auto_reply",
    std(
        frm="News <news@shop.example>",
        subject="Ofertas",
        extra="Precedence: bulk\nContent-Type: text/html\n",
    )
    + "\n<p>Ofertas de la semana</p>\n",
)
mail(
    "precedence_junk",
    "auto_reply",
    std(frm="x@spam.example", subject="win", extra="Precedence: junk\n") + "\nwin\n",
)
mail(
    "auto_submitted_auto_replied",
    "auto_reply",
    std(
        subject="Re: [ESC-000001] Ticket",
        extra="Auto-Submitted: auto-replied\nContent-Type: text/plain\n",
    )
    + "\nI am away.\n",
)
mail(
    "auto_submitted_auto_generated",
    "auto_reply",
    std(
        frm="monitor@cliente.example",
        subject="Alert: disk full",
        extra="Auto-Submitted: auto-generated\n",
    )
    + "\nDisk full on srv1.\n",
)
mail(
    "auto_submitted_no_is_human",
    "new_ticket",
    std(subject="Escrito a mano", extra="Auto-Submitted: no\n") + "\nLo escribo yo.\n",
)
mail(
    "outlook_out_of_office",
    "auto_reply",
    std(
        subject="Automatic reply: Problema con la VPN",
        extra="X-Auto-Response-Suppress: All\nX-MS-Exchange-Inbox-Rules-Loop: juan.perez@cliente.example\nContent-Type: text/plain\n",
    )
    + "\nI am out of the office until Monday.\n",
)
mail(
    "spanish_vacation_subject_only",
    "auto_reply",
    std(subject="Fuera de la oficina: Re: incidencia") + "\nEstaré fuera hasta el lunes.\n",
)
mail(
    "x_autoreply",
    "auto_reply",
    std(subject="Re: ticket", extra="X-Autoreply: yes\n") + "\nauto\n",
)
mail(
    "x_autorespond",
    "auto_reply",
    std(subject="Gracias por su mensaje", extra="X-Autorespond: Gracias\n") + "\nauto\n",
)
mail(
    "dsn_postfix_bounce",
    "bounce",
    (
        "Return-Path: <>\nFrom: MAILER-DAEMON@mx.cliente.example (Mail Delivery System)\n"
        "To: soporte@escala.example\nSubject: Undelivered Mail Returned to Sender\n"
        "Date: Mon, 2 Mar 2026 09:20:00 +0100\nMessage-ID: <20260302082000.ABC@mx.cliente.example>\n"
        "Auto-Submitted: auto-replied\nMIME-Version: 1.0\n"
        'Content-Type: multipart/report; report-type=delivery-status; boundary="B1"\n\n'
        "--B1\nContent-Type: text/plain\n\nI'm sorry to have to inform you that your message could not be delivered.\n\n"
        "--B1\nContent-Type: message/delivery-status\n\nReporting-MTA: dns; mx.cliente.example\n\n"
        "Final-Recipient: rfc822; nobody@cliente.example\nAction: failed\nStatus: 5.1.1\n\n"
        "--B1\nContent-Type: message/rfc822\n\nFrom: soporte@escala.example\nSubject: [ESC-000001] x\n\nbody\n--B1--\n"
    ),
)
mail(
    "dsn_exchange_no_autosubmitted",
    "bounce",
    (
        "From: Microsoft Outlook <postmaster@cliente.example>\nTo: soporte@escala.example\n"
        "Subject: Undeliverable: [ESC-000001] Printer\nDate: Mon, 2 Mar 2026 09:20:00 +0100\n"
        "Message-ID: <dsn-exchange-1@cliente.example>\nMIME-Version: 1.0\n"
        'Content-Type: multipart/report; report-type="delivery-status"; boundary="B2"\n\n'
        "--B2\nContent-Type: text/plain; charset=us-ascii\n\nDelivery has failed.\n"
        "--B2\nContent-Type: message/delivery-status\n\nFinal-Recipient: rfc822;x@cliente.example\nAction: failed\nStatus: 5.1.10\n"
        "--B2--\n"
    ),
)
mail(
    "bounce_plain_mailer_daemon",
    "bounce",
    "Return-Path: <>\nFrom: Mail Delivery Subsystem <MAILER-DAEMON@mail.example>\nTo: soporte@escala.example\n"
    "Subject: Returned mail: see transcript for details\nMessage-ID: <bounce-plain@mail.example>\n\n"
    "The original message was received but could not be delivered.\n",
)
mail(
    "read_receipt_mdn",
    "bounce",
    std(
        subject="Leído: Problema con la VPN",
        extra='Content-Type: multipart/report; report-type=disposition-notification; boundary="M1"\n',
    )
    + "\n--M1\nContent-Type: text/plain\n\nSu mensaje fue leído.\n--M1\nContent-Type: message/disposition-notification\n\n"
    "Final-Recipient: rfc822;juan.perez@cliente.example\nDisposition: manual-action/MDN-sent-manually; displayed\n--M1--\n",
)

# --- Charsets and headers gone wrong -------------------------------------------------------------
mail(
    "utf8_declared_latin1_body",
    "new_ticket",
    std(
        subject="Charset mentiroso",
        extra="Content-Type: text/plain; charset=utf-8\nContent-Transfer-Encoding: 8bit\n",
    ).encode()
    + "\nLa conexión falla en el almacén.\n".encode("latin-1"),
    "text contains: conexión",
)
mail(
    "unknown_charset",
    "new_ticket",
    std(subject="Charset raro", extra="Content-Type: text/plain; charset=x-no-such-charset\n")
    + "\nTexto normal.\n",
)
mail(
    "raw_utf8_subject_no_encoding",
    "new_ticket",
    std(subject="Contraseña caducada ñandú", extra="Content-Type: text/plain; charset=utf-8\n")
    + "\nCaducó.\n",
    "subject: Contraseña caducada ñandú",
)
mail(
    "raw_latin1_subject",
    "new_ticket",
    std(subject="X", extra="Content-Type: text/plain\n")
    .replace("Subject: X", "Subject: Contrase\udcf1a")
    .encode("utf-8", "surrogateescape")
    + b"\nbody\n",
    "subject: Contraseña",
)
mail(
    "broken_encoded_word_base64",
    "new_ticket",
    std(subject="=?utf-8?B?SG9sYSBtdW5kbyDwn5iA*broken*?=") + "\nbody\n",
)
mail(
    "encoded_word_unknown_charset",
    "new_ticket",
    std(subject="=?x-bogus?Q?Hola_mundo?=") + "\nbody\n",
)
mail(
    "encoded_word_iso2022jp",
    "new_ticket",
    std(
        subject="=?ISO-2022-JP?B?GyRCJUYlOSVIGyhC?=",
        extra="Content-Type: text/plain; charset=ISO-2022-JP\nContent-Transfer-Encoding: 7bit\n",
    ).encode()
    + b"\n"
    + "テストです".encode("iso-2022-jp")
    + b"\n",
    "subject: テスト",
)
mail(
    "koi8r_body",
    "new_ticket",
    std(
        subject="=?KOI8-R?B?8NLJ18XU?=",
        extra="Content-Type: text/plain; charset=KOI8-R\nContent-Transfer-Encoding: 8bit\n",
    ).encode()
    + b"\n"
    + "Привет, не работает принтер".encode("koi8-r")
    + b"\n",
    "text contains: не работает",
)
mail(
    "gb2312_body",
    "new_ticket",
    std(
        subject="=?GB2312?B?ztLT0M7KzOI=?=",
        extra="Content-Type: text/plain; charset=gb2312\nContent-Transfer-Encoding: base64\n",
    )
    + "\n"
    + B64("打印机坏了".encode("gb2312"))
    + "\n",
    "text contains: 打印机坏了",
)
mail(
    "big5_html",
    "new_ticket",
    std(
        subject="Big5",
        extra="Content-Type: text/html; charset=big5\nContent-Transfer-Encoding: base64\n",
    )
    + "\n"
    + B64("<p>電腦無法開機</p>".encode("big5"))
    + "\n",
    "text contains: 電腦無法開機",
)
mail(
    "folded_mixed_encoded_words",
    "new_ticket",
    std(
        subject="=?UTF-8?Q?Re:_Pedido_n=C2=BA?=\n =?ISO-8859-1?Q?_1234_-_entrega_retrasada_en_Le=F3n?="
    )
    + "\nbody\n",
    "subject: Re: Pedido nº 1234 - entrega retrasada en León",
)
mail(
    "encoded_word_in_quotes_from",
    "new_ticket",
    std(frm='"=?utf-8?Q?Jos=C3=A9_Mu=C3=B1oz?=" <jose.munoz@cliente.example>', subject="Hola")
    + "\nbody\n",
)
mail(
    "emoji_display_name",
    "new_ticket",
    std(
        frm="=?UTF-8?B?8J+YgCBNYXLDrWE=?= <maria@cliente.example>",
        subject="=?UTF-8?B?8J+UpSBVcmdlbnRl?=",
    )
    + "\nurgente\n",
)
mail(
    "rfc2231_filename",
    "new_ticket",
    std(subject="Adjunto con tilde", extra='Content-Type: multipart/mixed; boundary="r2231"\n')
    + f"""
--r2231
Content-Type: text/plain; charset=utf-8

Va el informe.
--r2231
Content-Type: application/pdf
Content-Disposition: attachment; filename*=UTF-8''informe%20a%C3%B1o%202026.pdf
Content-Transfer-Encoding: base64

{B64(PDF)}
--r2231--
""",
    "attachments: 1",
)
mail(
    "null_bytes_body",
    "new_ticket",
    std(subject="Nulos", extra="Content-Type: text/plain\n") + "\nantes\x00despues\n",
)
mail(
    "long_subject",
    "new_ticket",
    std(subject="Asunto larguísimo " * 30) + "\nbody\n",
)
mail(
    "long_line_body",
    "new_ticket",
    std(subject="Línea larga", extra="Content-Type: text/plain; charset=utf-8\n")
    + "\n"
    + "x" * 120000
    + "\n",
)
mail(
    "crlf_line_endings",
    "new_ticket",
    (std(subject="CRLF", extra="Content-Type: text/plain\n") + "\nLinea uno\nLinea dos\n").replace(
        "\n", "\r\n"
    ),
)
mail(
    "base64_text_body",
    "new_ticket",
    std(
        subject="Base64",
        extra="Content-Type: text/plain; charset=utf-8\nContent-Transfer-Encoding: base64\n",
    )
    + "\n"
    + B64("El escáner no envía correos.".encode())
    + "\n",
    "text contains: El escáner no envía correos.",
)
mail(
    "truncated_base64",
    "new_ticket",
    std(
        subject="Base64 cortado",
        extra="Content-Type: text/plain; charset=utf-8\nContent-Transfer-Encoding: base64\n",
    )
    + "\nRWwgZXNjw6FuZXIgbm8gZW52w61h\nY29ycm\n",
)
mail(
    "missing_closing_boundary",
    "new_ticket",
    std(subject="Sin cierre", extra='Content-Type: multipart/mixed; boundary="nc"\n')
    + "\n--nc\nContent-Type: text/plain\n\nEl texto sigue aquí\n",
    "text contains: El texto sigue aquí",
)
mail(
    "boundary_never_appears",
    "new_ticket",
    std(subject="Frontera fantasma", extra='Content-Type: multipart/mixed; boundary="ghost"\n')
    + "\nTexto sin partes.\n",
)
mail(
    "no_content_type_8bit",
    "new_ticket",
    std(subject="Sin content-type").encode() + "\nAcción requerida en el almacén\n".encode(),
)

# --- Structure: forwards, attachments, HTML -------------------------------------------------------
mail(
    "forward_as_attachment",
    "new_ticket",
    std(subject="Fwd: factura", extra='Content-Type: multipart/mixed; boundary="fw1"\n')
    + """
--fw1
Content-Type: text/plain; charset=utf-8

Os reenvío el correo del proveedor.
--fw1
Content-Type: message/rfc822

From: Proveedor <ventas@proveedor.example>
Subject: =?utf-8?Q?Factura_n=C2=BA_77?=
Date: Sun, 1 Mar 2026 10:00:00 +0100
Content-Type: text/plain; charset=utf-8

Adjuntamos la factura 77.
--fw1--
""",
    "text contains: Adjuntamos la factura 77.; attachments: 1; filename: Factura nº 77.eml",
)
mail(
    "forward_nested_twice",
    "new_ticket",
    std(subject="Fwd: Fwd: alerta", extra='Content-Type: multipart/mixed; boundary="o"\n')
    + """
--o
Content-Type: text/plain

Mirad esto.
--o
Content-Type: message/rfc822

From: a@cliente.example
Subject: Fwd: alerta
Content-Type: multipart/mixed; boundary="i"

--i
Content-Type: text/plain

Reenvío.
--i
Content-Type: message/rfc822

From: sistema@cliente.example
Subject: alerta

La base de datos está lenta.
--i--
--o--
""",
    "text contains: La base de datos está lenta.",
)
mail(
    "gmail_inline_forward",
    "new_ticket",
    std(subject="Fwd: pedido", extra="Content-Type: text/plain; charset=UTF-8\n")
    + """
Mira abajo.

---------- Forwarded message ---------
From: Cliente <c@otra.example>
Date: lun, 2 mar 2026
Subject: pedido

El pedido no llegó.
""",
    "text contains: El pedido no llegó.",
)
mail(
    "html_only_dangerous",
    "new_ticket",
    std(subject="HTML peligroso", extra="Content-Type: text/html; charset=utf-8\n")
    + """
<html><head><script>alert(1)</script><style>p{color:red}</style></head>
<body onload="steal()"><p onclick="x()">Hola <a href="javascript:alert(2)">pulsa</a>
<a href="https://ok.example/">enlace</a></p><iframe src="https://evil.example"></iframe>
<img src="https://tracker.example/p.gif" width="1" height="1"></body></html>
""",
    "html has no: script, onclick, javascript:, iframe",
)
mail(
    "exe_attachment_dropped",
    "new_ticket",
    std(subject="Programa", extra='Content-Type: multipart/mixed; boundary="ex"\n')
    + f"""
--ex
Content-Type: text/plain

Instalad esto.
--ex
Content-Type: application/octet-stream; name="setup.exe"
Content-Disposition: attachment; filename="setup.exe"
Content-Transfer-Encoding: base64

{B64(b"MZ" + b"0" * 100)}
--ex--
""",
    "attachments: 0; dropped: 1",
)
mail(
    "attachment_without_filename",
    "new_ticket",
    std(subject="PDF sin nombre", extra='Content-Type: multipart/mixed; boundary="nf"\n')
    + f"""
--nf
Content-Type: text/plain

Adjunto.
--nf
Content-Type: application/pdf
Content-Transfer-Encoding: base64

{B64(PDF)}
--nf--
""",
    "attachments: 1",
)
mail(
    "calendar_invite",
    "new_ticket",
    std(
        subject="Reunión de seguimiento",
        extra='Content-Type: multipart/alternative; boundary="cal"\n',
    )
    + """
--cal
Content-Type: text/plain; charset=utf-8

Reunión el martes.
--cal
Content-Type: text/calendar; charset=utf-8; method=REQUEST

BEGIN:VCALENDAR
END:VCALENDAR
--cal--
""",
)
mail(
    "smime_signed",
    "new_ticket",
    std(
        subject="Firmado",
        extra='Content-Type: multipart/signed; protocol="application/pkcs7-signature"; micalg=sha-256; boundary="sig"\n',
    )
    + f"""
--sig
Content-Type: text/plain; charset=utf-8

Mensaje firmado.
--sig
Content-Type: application/pkcs7-signature; name="smime.p7s"
Content-Disposition: attachment; filename="smime.p7s"
Content-Transfer-Encoding: base64

{B64(b"0" * 300)}
--sig--
""",
    "text contains: Mensaje firmado.",
)
mail(
    "pgp_mime_signed",
    "new_ticket",
    std(
        subject="PGP",
        extra='Content-Type: multipart/signed; micalg=pgp-sha256; protocol="application/pgp-signature"; boundary="pgp"\n',
    )
    + """
--pgp
Content-Type: text/plain; charset=utf-8

Texto PGP.
--pgp
Content-Type: application/pgp-signature; name="signature.asc"

-----BEGIN PGP SIGNATURE-----
AAAA
-----END PGP SIGNATURE-----
--pgp--
""",
)
mail(
    "huge_attachment_dropped",
    "new_ticket",
    std(subject="Vídeo del fallo", extra='Content-Type: multipart/mixed; boundary="big"\n')
    + f"""
--big
Content-Type: text/plain

Os mando el vídeo.
--big
Content-Type: application/pdf; name="grabacion.pdf"
Content-Disposition: attachment; filename="grabacion.pdf"
Content-Transfer-Encoding: base64

{B64(PDF + bytes(range(256)) * 1200)}
--big--
""",
    "attachments: 0; dropped: 1 (the corpus test lowers the limit to 256 KB)",
)
mail(
    "many_small_attachments",
    "new_ticket",
    std(subject="Fotos", extra='Content-Type: multipart/mixed; boundary="m"\n')
    + "\n--m\nContent-Type: text/plain\n\nFotos del rack.\n"
    + "".join(
        f'--m\nContent-Type: image/png; name="foto{i}.png"\nContent-Disposition: attachment; filename="foto{i}.png"\nContent-Transfer-Encoding: base64\n\n{B64(PNG)}\n'
        for i in range(8)
    )
    + "--m--\n",
    "attachments: 8",
)

# --- Tiny and odd -------------------------------------------------------------------------------
mail("tiny_headers_only", "new_ticket", "From: breve@cliente.example\nSubject: ayuda\n\n")
mail("tiny_no_headers", "no_sender", "hola\n")
mail("no_from_header", "no_sender", "To: soporte@escala.example\nSubject: sin remitente\n\nbody\n")
mail("no_message_id", "new_ticket", std(subject="Sin Message-ID", msgid="") + "\nbody\n")
mail(
    "no_subject",
    "new_ticket",
    "From: Juan <juan.perez@cliente.example>\nTo: soporte@escala.example\nMessage-ID: <nosubj@cliente.example>\n\nSin asunto.\n",
    "subject: (no subject)",
)
mail(
    "empty_body_with_attachment",
    "new_ticket",
    std(subject="Solo adjunto", extra='Content-Type: multipart/mixed; boundary="e"\n')
    + f'\n--e\nContent-Type: application/pdf; name="a.pdf"\nContent-Disposition: attachment; filename="a.pdf"\nContent-Transfer-Encoding: base64\n\n{B64(PDF)}\n--e--\n',
    "attachments: 1",
)
mail(
    "from_customer_domain",
    "new_ticket",
    std(frm="Nuevo Cliente <nuevo@fibrarapida.example>", subject="Alta de usuario") + "\nbody\n",
    "organization: Fibra Rápida S.L.",
)
mail(
    "control_header_untrusted",
    "new_ticket",
    std(subject="Intento de enrutar", extra="X-Escala-Category: database\nX-Escala-Impact: high\n")
    + "\nbody\n",
    "category: none (control headers ignored from an untrusted mailbox)",
)
mail(
    "our_own_loop",
    "loop",
    "From: Escala <soporte@escala.example>\nTo: soporte@escala.example\nSubject: [ESC-000001] x\nMessage-ID: <loop1@escala.example>\n\nbody\n",
)
mail(
    "reply_to_differs",
    "new_ticket",
    std(subject="Responder a otra", extra="Reply-To: otra@cliente.example\n") + "\nbody\n",
)
mail(
    "uuencoded_inline",
    "new_ticket",
    std(subject="uuencode") + "\nbegin 644 a.txt\n#86)C\n`\nend\n",
    "attachments: 1; filename: a.txt; text has no: begin 644",
)

# --- Real-world fidelity (issue #14): each case of public corpora that once came out wrong ---------
mail(
    "encoded_last_first_display_name",
    "new_ticket",
    std(frm="=?utf-8?Q?M=C3=BCller=2C_Hans?= <hans.mueller@kunde.example>", subject="Drucker")
    + "\nDer Drucker im 2. Stock druckt nicht.\n",
    "requester: Müller, Hans",
)
mail(
    "raw_last_first_display_name",
    "new_ticket",
    std(frm="Müller, Hans <hans.mueller2@kunde.example>", subject="Drucker 2").encode("utf-8")
    + b"\nDer Drucker druckt nicht.\n",
    "requester: Müller, Hans",
)
mail(
    "raw_utf8_filename",
    "new_ticket",
    std(subject="Factura", extra='Content-Type: multipart/mixed; boundary="raw8"\n').encode()
    + f"""
--raw8
Content-Type: text/plain; charset=utf-8

Adjunto la factura del año pasado.
--raw8
Content-Type: application/pdf; name="Factura año 2025.pdf"
Content-Disposition: attachment; filename="Factura año 2025.pdf"
Content-Transfer-Encoding: base64

{B64(PDF)}
--raw8--
""".encode(),
    "attachments: 1; filename: Factura año 2025.pdf; text has no: Content-Type; "
    "text contains: Adjunto la factura del año pasado.",
)
mail(
    "rfc2231_continuation_filename",
    "new_ticket",
    std(subject="Informe largo", extra='Content-Type: multipart/mixed; boundary="c2231"\n')
    + f"""
--c2231
Content-Type: text/plain; charset=utf-8

Informe adjunto.
--c2231
Content-Type: application/pdf
Content-Disposition: attachment;
 filename*0*=UTF-8''Informe%20de%20recepci%C3%B3n%20;
 filename*1*=del%20almac%C3%A9n.pdf
Content-Transfer-Encoding: base64

{B64(PDF)}
--c2231--
""",
    "attachments: 1; filename: Informe de recepción del almacén.pdf",
)
mail(
    "utf8_one_invalid_byte",
    "new_ticket",
    std(
        subject="Recepción",
        extra="Content-Type: text/plain; charset=utf-8\nContent-Transfer-Encoding: 8bit\n",
    ).encode()
    + "\nLa recepción del almacén está cerrada; el técnico llega a las 9".encode()
    + b"\xa0h.\n",
    "text contains: La recepción del almacén está cerrada; text has no: Ã",
)
mail(
    "koi8r_undeclared",
    "new_ticket",
    std(subject="Printer", extra="Content-Transfer-Encoding: 8bit\n").encode()
    + b"\n"
    + "Здравствуйте! Принтер на втором этаже не печатает уже второй день, помогите, пожалуйста.".encode(
        "koi8-r"
    )
    + b"\n",
    "text contains: Принтер на втором этаже не печатает",
)
mail(
    "cp1251_labelled_ascii",
    "new_ticket",
    std(
        subject="Scanner",
        extra="Content-Type: text/plain; charset=us-ascii\nContent-Transfer-Encoding: 8bit\n",
    ).encode()
    + b"\n"
    + "Добрый день. Сканер не отправляет письма на почту, ошибка соединения с сервером.".encode(
        "cp1251"
    )
    + b"\n",
    "text contains: Сканер не отправляет письма",
)
mail(
    "windows1252_labelled_iso88591",
    "new_ticket",
    std(
        subject="Presupuesto",
        extra="Content-Type: text/plain; charset=iso-8859-1\nContent-Transfer-Encoding: 8bit\n",
        frm="Outlook User <outlook.user@cliente.example>",
    ).encode()
    + "\nEl “presupuesto” – 1.200 € … ¿lo aprueban?\n".encode("cp1252"),
    "text contains: El “presupuesto” – 1.200 € … ¿lo aprueban?",
)
mail(
    "utf8_labelled_iso88591",
    "new_ticket",
    std(
        subject="Etiqueta",
        extra="Content-Type: text/plain; charset=iso-8859-1\nContent-Transfer-Encoding: 8bit\n",
        frm="Webmail <webmail.user@cliente.example>",
    ).encode()
    + "\nNo funciona la conexión del almacén.\n".encode(),
    "text contains: No funciona la conexión del almacén.; text has no: Ã",
)
mail(
    "forward_attached_with_pdf",
    "new_ticket",
    std(subject="Fwd: pedido", extra='Content-Type: multipart/mixed; boundary="fa1"\n')
    + f"""
--fa1
Content-Type: text/plain; charset=utf-8

Les reenvío el correo del transportista.
--fa1
Content-Type: message/rfc822; name="Pedido 4411.eml"
Content-Disposition: attachment; filename="Pedido 4411.eml"

From: Transportes Norte <avisos@transportes.example>
To: compras@cliente.example
Subject: =?utf-8?Q?Pedido_4411_retenido_en_aduana?=
Date: Sun, 1 Mar 2026 18:00:00 +0100
MIME-Version: 1.0
Content-Type: multipart/mixed; boundary="in1"

--in1
Content-Type: text/plain; charset=utf-8

El pedido 4411 está retenido en aduana.
--in1
Content-Type: application/pdf; name="albaran.pdf"
Content-Disposition: attachment; filename="albaran.pdf"
Content-Transfer-Encoding: base64

{B64(PDF)}
--in1--

--fa1--
""",
    "attachments: 2; filename: Pedido 4411.eml; "
    "text contains: Subject: Pedido 4411 retenido en aduana",
)
mail(
    "uuencoded_transfer_encoding",
    "new_ticket",
    std(subject="log uuencoded", extra='Content-Type: multipart/mixed; boundary="uu2"\n')
    + """
--uu2
Content-Type: text/plain

Va el log.
--uu2
Content-Type: application/octet-stream; name="error.txt"
Content-Transfer-Encoding: x-uuencode

begin 644 error.txt
"""
    + binascii.b2a_uu(b"ERROR: disk full\n").decode()
    + """`
end
--uu2--
""",
    "attachments: 1; filename: error.txt",
)


def _nested(depth: int) -> str:
    opening = "".join(
        f'Content-Type: multipart/mixed; boundary="n{i}"\n\n--n{i}\n' for i in range(depth)
    )
    closing = "".join(f"\n--n{i}--\n" for i in reversed(range(depth)))
    return opening + "Content-Type: text/plain\n\nTexto en lo mas hondo." + closing


mail(
    "deeply_nested_leaf_text",
    "new_ticket",
    std(subject="Anidado", extra="") + _nested(60),
    "text contains: Texto en lo mas hondo.",
)

if __name__ == "__main__":
    rows = ["file,outcome,note"]
    for file, outcome, note in CASES:
        rows.append(f'{file},{outcome},"{note}"')
    (HERE / "expected.csv").write_text("\n".join(rows) + "\n")
    print(f"{len(CASES)} mails written")
