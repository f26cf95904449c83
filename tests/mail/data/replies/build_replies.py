"""How the reply corpus was written (run once; the .eml files and expected.json are committed).

Each case is a reply to a help-desk mail as a real client lays it out: Gmail (web and Android),
Outlook (desktop, web, mobile), Apple Mail, iOS, Thunderbird, Yahoo, in Spanish, English,
Portuguese, French, German, Italian, Dutch, Russian, Polish, Swedish, Danish, Norwegian,
Finnish and Vietnamese; top-posted, bottom-posted and interleaved. `expected.json` holds the
text a reader must see (the new part); tests/mail/test_replies.py measures exact matches.
Run: .venv/bin/python tests/mail/data/replies/build_replies.py
"""

import hashlib
import json
from email.charset import QP, Charset
from email.mime.multipart import MIMEMultipart
from email.mime.text import MIMEText
from html import escape
from pathlib import Path

HERE = Path(__file__).parent
AGENT = "Soporte Escala"
AGENT_ADDR = "soporte@escala.example"

# Per language: the agent's message that gets quoted, the customer's new text, the client
# formats of that language (attribution lines, Outlook labels, separators, phone signature).
LANGS = {
    "es": {
        "name": "Lucía Fernández",
        "addr": "lucia.fernandez@cliente.example",
        "original": "Hola Lucía:\n\n¿Puede reiniciar el equipo y decirnos si el error sigue?\n\n"
        "Un saludo,\nAna (Soporte)",
        "reply": "Buenos días:\n\nHe reiniciado el equipo y el error sigue apareciendo al abrir "
        "la aplicación de nóminas.\n\nGracias,\nLucía",
        "answers": [
            "Sí, lo he reiniciado dos veces.",
            "Sigue saliendo el mismo código, 0x80070005.",
        ],
        "gmail": "El lun, 2 mar 2026 a las 9:15, Soporte Escala (<soporte@escala.example>)\n"
        "escribió:",
        "thunderbird": "El 2/3/26 a las 9:15, Soporte Escala escribió:",
        "apple": "El 2 mar 2026, a las 9:15, Soporte Escala <soporte@escala.example> escribió:",
        "outlook": ("De", "Enviado el", "Para", "Asunto", "lunes, 2 de marzo de 2026 9:15"),
        "separator": "-----Mensaje original-----",
        "mobile": "Enviado desde mi iPhone",
        "android": "Enviado desde mi smartphone Samsung Galaxy.",
    },
    "en": {
        "name": "John Carter",
        "addr": "john.carter@client.example",
        "original": "Hi John,\n\nCould you restart the laptop and tell us whether the error "
        "is still there?\n\nBest regards,\nAna (Support)",
        "reply": "Hi Ana,\n\nI restarted it and the error still shows up when I open the payroll "
        "app.\n\nThanks,\nJohn",
        "answers": ["Yes, I restarted it twice.", "Same code as before: 0x80070005."],
        "gmail": "On Mon, Mar 2, 2026 at 9:15 AM Soporte Escala <soporte@escala.example>\nwrote:",
        "thunderbird": "On 02/03/2026 09:15, Soporte Escala wrote:",
        "apple": "On 2 Mar 2026, at 09:15, Soporte Escala <soporte@escala.example> wrote:",
        "outlook": ("From", "Sent", "To", "Subject", "Monday, March 2, 2026 9:15 AM"),
        "separator": "-----Original Message-----",
        "mobile": "Sent from my iPhone",
        "android": "Sent from my Galaxy",
    },
    "pt": {
        "name": "João Silva",
        "addr": "joao.silva@cliente.example",
        "original": "Olá João,\n\nPode reiniciar o computador e dizer-nos se o erro continua?"
        "\n\nCumprimentos,\nAna (Suporte)",
        "reply": "Bom dia,\n\nReiniciei o computador e o erro continua a aparecer quando abro "
        "a aplicação.\n\nObrigado,\nJoão",
        "answers": ["Sim, reiniciei duas vezes.", "Aparece o mesmo código: 0x80070005."],
        "gmail": "Em seg., 2 de mar. de 2026 às 09:15, Soporte Escala <\n"
        "soporte@escala.example> escreveu:",
        "thunderbird": "Em 02/03/2026 09:15, Soporte Escala escreveu:",
        "apple": "Em 2 de mar. de 2026, à(s) 09:15, Soporte Escala <soporte@escala.example> "
        "escreveu:",
        "outlook": ("De", "Enviado", "Para", "Assunto", "segunda-feira, 2 de março de 2026 09:15"),
        "separator": "-----Mensagem original-----",
        "mobile": "Enviado do meu iPhone",
        "android": "Enviado do meu smartphone Samsung Galaxy.",
    },
    "fr": {
        "name": "Claire Dubois",
        "addr": "claire.dubois@client.example",
        "original": "Bonjour Claire,\n\nPouvez-vous redémarrer le poste et nous dire si "
        "l'erreur persiste ?\n\nCordialement,\nAna (Support)",
        "reply": "Bonjour,\n\nJ'ai redémarré le poste et l'erreur apparaît toujours à "
        "l'ouverture de l'application.\n\nMerci,\nClaire",
        "answers": ["Oui, deux fois.", "Toujours le même code : 0x80070005."],
        "gmail": "Le lun. 2 mars 2026 à 09:15, Soporte Escala <soporte@escala.example> a\nécrit :",
        "thunderbird": "Le 02/03/2026 à 09:15, Soporte Escala a écrit :",
        "apple": "Le 2 mars 2026 à 09:15, Soporte Escala <soporte@escala.example> a écrit :",
        "outlook": ("De", "Envoyé", "À", "Objet", "lundi 2 mars 2026 09:15"),
        "separator": "-----Message d'origine-----",
        "mobile": "Envoyé de mon iPhone",
        "android": "Envoyé depuis mon appareil Galaxy",
    },
    "de": {
        "name": "Hans Müller",
        "addr": "hans.mueller@kunde.example",
        "original": "Hallo Herr Müller,\n\nkönnen Sie den Rechner neu starten und uns sagen, "
        "ob der Fehler bleibt?\n\nMit freundlichen Grüßen\nAna (Support)",
        "reply": "Guten Tag,\n\nich habe den Rechner neu gestartet, der Fehler erscheint "
        "weiterhin beim Öffnen der Lohnabrechnung.\n\nDanke\nHans Müller",
        "answers": ["Ja, zweimal.", "Derselbe Code: 0x80070005."],
        "gmail": "Am Mo., 2. März 2026 um 09:15 Uhr schrieb Soporte Escala <\n"
        "soporte@escala.example>:",
        "thunderbird": "Am 02.03.26 um 09:15 schrieb Soporte Escala:",
        "apple": "Am 02.03.2026 um 09:15 schrieb Soporte Escala <soporte@escala.example>:",
        "outlook": ("Von", "Gesendet", "An", "Betreff", "Montag, 2. März 2026 09:15"),
        "separator": "-----Ursprüngliche Nachricht-----",
        "mobile": "Von meinem iPhone gesendet",
        "android": "Von meinem Samsung Galaxy Smartphone gesendet.",
    },
    "it": {
        "name": "Marco Rossi",
        "addr": "marco.rossi@cliente.example",
        "original": "Buongiorno Marco,\n\npuò riavviare il computer e dirci se l'errore "
        "persiste?\n\nCordiali saluti,\nAna (Supporto)",
        "reply": "Buongiorno,\n\nho riavviato il computer e l'errore compare ancora quando "
        "apro l'applicazione.\n\nGrazie,\nMarco",
        "answers": ["Sì, due volte.", "Sempre lo stesso codice: 0x80070005."],
        "gmail": "Il giorno lun 2 mar 2026 alle ore 09:15 Soporte Escala <\n"
        "soporte@escala.example> ha scritto:",
        "thunderbird": "Il 02/03/26 09:15, Soporte Escala ha scritto:",
        "apple": "Il giorno 2 mar 2026, alle ore 09:15, Soporte Escala "
        "<soporte@escala.example> ha scritto:",
        "outlook": ("Da", "Inviato", "A", "Oggetto", "lunedì 2 marzo 2026 09:15"),
        "separator": "-----Messaggio originale-----",
        "mobile": "Inviato da iPhone",
        "android": "Inviato dal mio smartphone Samsung Galaxy.",
    },
    "nl": {
        "name": "Pieter de Vries",
        "addr": "pieter.devries@klant.example",
        "original": "Beste Pieter,\n\nKunt u de computer opnieuw opstarten en laten weten of "
        "de fout blijft?\n\nMet vriendelijke groet,\nAna (Support)",
        "reply": "Goedemorgen,\n\nIk heb de computer opnieuw opgestart, maar de fout verschijnt "
        "nog steeds bij het openen van de salarisapp.\n\nBedankt,\nPieter",
        "answers": ["Ja, twee keer.", "Dezelfde code: 0x80070005."],
        "gmail": "Op ma 2 mrt 2026 om 09:15 schreef Soporte Escala <\nsoporte@escala.example>:",
        "thunderbird": "Op 02-03-2026 om 09:15 schreef Soporte Escala:",
        "apple": "Op 2 mrt. 2026, om 09:15 heeft Soporte Escala <soporte@escala.example> het "
        "volgende geschreven:",
        "outlook": ("Van", "Verzonden", "Aan", "Onderwerp", "maandag 2 maart 2026 09:15"),
        "separator": "-----Oorspronkelijk bericht-----",
        "mobile": "Verzonden vanaf mijn iPhone",
        "android": "Verzonden vanaf mijn Galaxy",
    },
    "ru": {
        "name": "Иван Петров",
        "addr": "ivan.petrov@klient.example",
        "original": "Здравствуйте, Иван!\n\nПерезагрузите, пожалуйста, компьютер и сообщите, "
        "осталась ли ошибка.\n\nС уважением,\nАна (Поддержка)",
        "reply": "Добрый день!\n\nКомпьютер перезагрузил, ошибка по-прежнему появляется при "
        "запуске программы.\n\nСпасибо,\nИван",
        "answers": ["Да, два раза.", "Код тот же: 0x80070005."],
        "gmail": "пн, 2 мар. 2026 г. в 09:15, Soporte Escala <soporte@escala.example>:",
        "thunderbird": "02.03.2026 09:15, Soporte Escala пишет:",
        "apple": "2 марта 2026 г., в 09:15, Soporte Escala <soporte@escala.example> написал(а):",
        "outlook": ("От", "Отправлено", "Кому", "Тема", "2 марта 2026 г. 9:15"),
        "separator": "-----Исходное сообщение-----",
        "mobile": "Отправлено с iPhone",
        "android": "Отправлено с моего Samsung Galaxy",
    },
    "pl": {
        "name": "Anna Kowalska",
        "addr": "anna.kowalska@klient.example",
        "original": "Dzień dobry,\n\nczy może Pani ponownie uruchomić komputer i dać znać, "
        "czy błąd nadal występuje?\n\nPozdrawiam,\nAna (Wsparcie)",
        "reply": "Dzień dobry,\n\nuruchomiłam komputer ponownie, błąd nadal pojawia się przy "
        "otwieraniu aplikacji.\n\nDziękuję,\nAnna",
        "answers": ["Tak, dwa razy.", "Ten sam kod: 0x80070005."],
        "gmail": "pon., 2 mar 2026 o 09:15 Soporte Escala <soporte@escala.example>\nnapisał(a):",
        "thunderbird": "W dniu 2.03.2026 o 09:15, Soporte Escala pisze:",
        "apple": "Wiadomość napisana przez Soporte Escala <soporte@escala.example> w dniu "
        "02.03.2026, o godz. 09:15:",
        "outlook": ("Od", "Wysłano", "Do", "Temat", "poniedziałek, 2 marca 2026 09:15"),
        "separator": "-----Wiadomość oryginalna-----",
        "mobile": "Wysłane z iPhone'a",
        "android": "Wysłane z mojego smartfona Galaxy",
    },
    "sv": {
        "name": "Erik Lindqvist",
        "addr": "erik.lindqvist@kund.example",
        "original": "Hej Erik,\n\nKan du starta om datorn och berätta om felet finns kvar?\n\n"
        "Vänliga hälsningar,\nAna (Support)",
        "reply": "Hej,\n\nJag har startat om datorn och felet visas fortfarande när jag öppnar "
        "löneprogrammet.\n\nTack,\nErik",
        "answers": ["Ja, två gånger.", "Samma kod: 0x80070005."],
        "gmail": "Den mån 2 mars 2026 kl 09:15 skrev Soporte Escala <\nsoporte@escala.example>:",
        "thunderbird": "Den 2026-03-02 kl. 09:15, skrev Soporte Escala:",
        "apple": "2 mars 2026 kl. 09:15 skrev Soporte Escala <soporte@escala.example>:",
        "outlook": ("Från", "Skickat", "Till", "Ämne", "den 2 mars 2026 09:15"),
        "separator": "-----Ursprungligt meddelande-----",
        "mobile": "Skickat från min iPhone",
        "android": "Skickat från min Galaxy",
    },
    "da": {
        "name": "Mette Jensen",
        "addr": "mette.jensen@kunde.example",
        "original": "Hej Mette,\n\nVil du genstarte computeren og fortælle os, om fejlen "
        "stadig er der?\n\nVenlig hilsen\nAna (Support)",
        "reply": "Hej,\n\nJeg har genstartet computeren, og fejlen kommer stadig, når jeg åbner "
        "lønprogrammet.\n\nTak\nMette",
        "answers": ["Ja, to gange.", "Samme kode: 0x80070005."],
        "gmail": "Den man. 2. mar. 2026 kl. 09.15 skrev Soporte Escala <\nsoporte@escala.example>:",
        "thunderbird": "Den 02-03-2026 kl. 09:15 skrev Soporte Escala:",
        "apple": "Den 2. mar. 2026 kl. 09.15 skrev Soporte Escala <soporte@escala.example>:",
        "outlook": ("Fra", "Sendt", "Til", "Emne", "2. marts 2026 09:15"),
        "separator": "-----Oprindelig meddelelse-----",
        "mobile": "Sendt fra min iPhone",
        "android": "Sendt fra min Galaxy",
    },
    "no": {
        "name": "Ola Nordmann",
        "addr": "ola.nordmann@kunde.example",
        "original": "Hei Ola,\n\nKan du starte datamaskinen på nytt og si fra om feilen "
        "fortsatt er der?\n\nVennlig hilsen\nAna (Support)",
        "reply": "Hei,\n\nJeg har startet maskinen på nytt, og feilen kommer fortsatt når jeg "
        "åpner lønnsprogrammet.\n\nTakk\nOla",
        "answers": ["Ja, to ganger.", "Samme kode: 0x80070005."],
        "gmail": "man. 2. mar. 2026 kl. 09:15 skrev Soporte Escala <soporte@escala.example>:",
        "thunderbird": "Den 02.03.2026 09:15, skrev Soporte Escala:",
        "apple": "2. mar. 2026 kl. 09:15 skrev Soporte Escala <soporte@escala.example>:",
        "outlook": ("Fra", "Sendt", "Til", "Emne", "mandag 2. mars 2026 09:15"),
        "separator": "-----Opprinnelig melding-----",
        "mobile": "Sendt fra min iPhone",
        "android": "Sendt fra min Galaxy",
    },
    "fi": {
        "name": "Matti Virtanen",
        "addr": "matti.virtanen@asiakas.example",
        "original": "Hei Matti,\n\nVoisitko käynnistää koneen uudelleen ja kertoa, näkyykö "
        "virhe yhä?\n\nYstävällisin terveisin\nAna (Tuki)",
        "reply": "Hei,\n\nKäynnistin koneen uudelleen, ja virhe tulee yhä, kun avaan "
        "palkkaohjelman.\n\nKiitos\nMatti",
        "answers": ["Kyllä, kahdesti.", "Sama koodi: 0x80070005."],
        "gmail": "ma 2.3.2026 klo 9.15 Soporte Escala (soporte@escala.example) kirjoitti:",
        "thunderbird": "2.3.2026 klo 9.15 Soporte Escala kirjoitti:",
        "apple": "2.3.2026 kello 9.15 Soporte Escala <soporte@escala.example> kirjoitti:",
        "outlook": (
            "Lähettäjä",
            "Lähetetty",
            "Vastaanottaja",
            "Aihe",
            "maanantai 2. maaliskuuta 2026 9.15",
        ),
        "separator": "-----Alkuperäinen viesti-----",
        "mobile": "Lähetetty iPhonesta",
        "android": "Lähetetty Galaxy-laitteesta",
    },
    "vi": {
        "name": "Nguyễn Văn An",
        "addr": "nguyen.an@khachhang.example",
        "original": "Chào anh An,\n\nAnh có thể khởi động lại máy và cho chúng tôi biết lỗi "
        "còn không?\n\nTrân trọng,\nAna (Hỗ trợ)",
        "reply": "Chào chị,\n\nTôi đã khởi động lại máy nhưng lỗi vẫn xuất hiện khi mở ứng "
        "dụng.\n\nCảm ơn,\nAn",
        "answers": ["Vâng, hai lần.", "Vẫn mã lỗi 0x80070005."],
        "gmail": "Vào Th 2, 2 thg 3, 2026 vào lúc 09:15 Soporte Escala <\n"
        "soporte@escala.example> đã viết:",
        "thunderbird": "Vào 02/03/2026 09:15, Soporte Escala đã viết:",
        "apple": "Vào 09:15, ngày 2 thg 3, 2026, Soporte Escala <soporte@escala.example> đã viết:",
        "outlook": ("Từ", "Đã gửi", "Đến", "Chủ đề", "Thứ Hai, ngày 2 tháng 3 năm 2026 09:15"),
        "separator": "-----Thư gốc-----",
        "mobile": "Gửi từ iPhone của tôi",
        "android": "Gửi từ Galaxy của tôi",
    },
}
SUBJECT = "Re: [ESC-000321] Error al abrir la aplicación"


def quote(text: str, mark: str = "> ") -> str:
    return "\n".join((mark + line).rstrip() if line else mark.rstrip() for line in text.split("\n"))


def outlook_block(lang: dict, name: str) -> str:
    frm, sent, to, subject, date = lang["outlook"]
    return (
        f"{frm}: {AGENT} <{AGENT_ADDR}>\n{sent}: {date}\n{to}: {name} <{lang['addr']}>\n"
        f"{subject}: {SUBJECT}"
    )


CASES: dict[str, dict] = {}


def case(name: str, lang: str, client: str, style: str, body: str, visible: str, **kw) -> None:
    CASES[name] = {
        "lang": lang,
        "client": client,
        "style": style,
        "body": body,
        "visible": visible,
        **kw,
    }


for code, lang in LANGS.items():
    original, reply, person = lang["original"], lang["reply"], lang["name"]
    a1, a2 = lang["answers"]
    # Gmail web, top-posted, attribution wrapped the way Gmail wraps it.
    case(
        f"{code}_gmail_top",
        code,
        "gmail",
        "top",
        f"{reply}\n\n{lang['gmail']}\n\n{quote(original)}\n",
        reply,
        html=True,
    )
    # Outlook desktop, top-posted, the underscore line and the localized header block.
    case(
        f"{code}_outlook_top",
        code,
        "outlook",
        "top",
        f"{reply}\n\n________________________________\n{outlook_block(lang, person)}\n\n{original}\n",  # noqa: E501
        reply,
        mailer="Microsoft Outlook 16.0",
    )
    # Outlook classic, "-----Original Message-----" in the language of the install.
    case(
        f"{code}_outlook_original",
        code,
        "outlook",
        "top",
        f"{reply}\n\n{lang['separator']}\n{outlook_block(lang, person)}\n\n{original}\n",
        reply,
        mailer="Microsoft Office Outlook 12.0",
    )
    # Thunderbird, bottom-posted, with a "-- " signature.
    case(
        f"{code}_thunderbird_bottom",
        code,
        "thunderbird",
        "bottom",
        f"{lang['thunderbird']}\n{quote(original)}\n\n{reply}\n\n-- \n{person}\n+34 600 000 000\n",
        reply,
        agent="Mozilla Thunderbird",
    )
    # iPhone, top-posted, the phone signature and the quoted attribution.
    case(
        f"{code}_iphone_top",
        code,
        "ios",
        "top",
        f"{reply}\n\n{lang['mobile']}\n\n> {lang['apple']}\n>\n{quote(original)}\n",
        reply,
        mailer="iPhone Mail (22D72)",
    )
    # Interleaved answers between the quoted questions: kept whole.
    interleaved = (
        f"{lang['thunderbird']}\n> {original.split(chr(10))[0]}\n>\n"
        f"> {original.split(chr(10))[2]}\n\n{a1}\n\n> {original.split(chr(10))[-1]}\n\n{a2}"
    )
    case(
        f"{code}_interleaved",
        code,
        "thunderbird",
        "interleaved",
        interleaved + "\n",
        interleaved,
        agent="Mozilla Thunderbird",
    )

# Apple Mail (macOS), Android, Outlook mobile/web and others, over several languages.
for code in ("es", "en", "de", "fr", "pt", "it", "nl", "pl"):
    lang = LANGS[code]
    case(
        f"{code}_apple_mail_top",
        code,
        "apple_mail",
        "top",
        f"{lang['reply']}\n\n> {lang['apple']}\n> \n{quote(lang['original'])}\n",
        lang["reply"],
        mailer="Apple Mail (2.3826.400.131.1.6)",
    )
    case(
        f"{code}_android_gmail_top",
        code,
        "android",
        "top",
        f"{lang['reply']}\n\n{lang['android']}\n\n{lang['gmail']}\n\n{quote(lang['original'])}\n",
        lang["reply"],
    )
for code in ("es", "en", "ru", "sv"):
    lang = LANGS[code]
    case(
        f"{code}_gmail_bottom",
        code,
        "gmail",
        "bottom",
        f"{lang['gmail']}\n\n{quote(lang['original'])}\n\n{lang['reply']}\n",
        lang["reply"],
    )

ES, EN = LANGS["es"], LANGS["en"]
case(
    "en_outlook_mobile",
    "en",
    "outlook_mobile",
    "top",
    f"Done, thanks.\n\nGet Outlook for Android<https://aka.ms/AAb9ysg>\n"
    f"________________________________\n{outlook_block(EN, EN['name'])}\n\n{EN['original']}\n",
    "Done, thanks.",
)
case(
    "es_outlook_mobile",
    "es",
    "outlook_mobile",
    "top",
    f"Hecho, gracias.\n\nObtener Outlook para iOS<https://aka.ms/o0ukef>\n"
    f"________________________________\n{outlook_block(ES, ES['name'])}\n\n{ES['original']}\n",
    "Hecho, gracias.",
)
case(
    "en_gmail_text_of_outlook_html",
    "en",
    "gmail",
    "top",
    "Works now.\n\nJohn\n\n*From:* Soporte Escala <soporte@escala.example>\n"
    "*Sent:* Monday, March 2, 2026 9:15 AM\n*To:* John Carter <john.carter@client.example>\n"
    f"*Subject:* {SUBJECT}\n\n{EN['original']}\n",
    "Works now.\n\nJohn",
)
case(
    "en_outlook_html_only",
    "en",
    "outlook",
    "top",
    "",
    "It failed again at 10:40.\n\nJohn",
    html_only=(
        '<html><body><div class="WordSection1"><p class="MsoNormal">It failed again at 10:40.'
        '</p><p class="MsoNormal">John</p><div><div style="border:none;border-top:solid '
        '#E1E1E1 1.0pt"><p class="MsoNormal"><b>From:</b> Soporte Escala &lt;soporte@escala.'
        "example&gt;<br><b>Sent:</b> Monday, March 2, 2026 9:15 AM<br><b>To:</b> John Carter"
        f"<br><b>Subject:</b> {escape(SUBJECT)}</p></div></div><p>Hi John,</p><p>Could you "
        "restart the laptop?</p></div></body></html>"
    ),
)
case(
    "es_outlook_html_only",
    "es",
    "outlook",
    "top",
    "",
    "Ya funciona, muchas gracias.",
    html_only=(
        '<html><body><div><p class="MsoNormal">Ya funciona, muchas gracias.</p>'
        '<div id="divRplyFwdMsg"><hr style="display:inline-block;width:98%"><b>De:</b> '
        "Soporte Escala &lt;soporte@escala.example&gt;<br><b>Enviado:</b> lunes, 2 de marzo "
        "de 2026 9:15<br><b>Para:</b> Lucía Fernández<br><b>Asunto:</b> "
        f"{escape(SUBJECT)}</div><p>Hola Lucía:</p><p>¿Puede reiniciar el equipo?</p></div>"
        "</body></html>"
    ),
)
case(
    "en_yahoo_top",
    "en",
    "yahoo",
    "top",
    "Still broken after the update.\n\nSent from Yahoo Mail on Android\n\n"
    "  On Mon, Mar 2, 2026 at 9:15, Soporte Escala<soporte@escala.example> wrote:   "
    f"\n{quote(EN['original'])}\n",
    "Still broken after the update.",
)
case(
    "en_no_quote",
    "en",
    "gmail",
    "none",
    "Hello,\n\nThe scanner on floor 3 jams on every page.\n\nJohn\n",
    "Hello,\n\nThe scanner on floor 3 jams on every page.\n\nJohn",
)
case(
    "es_no_quote_signature",
    "es",
    "thunderbird",
    "none",
    "El escáner no envía correos desde ayer.\n\n-- \nLucía Fernández\nDpto. de Compras\n",
    "El escáner no envía correos desde ayer.",
    agent="Mozilla Thunderbird",
)
case(
    "en_only_quote",
    "en",
    "gmail",
    "none",
    f"{EN['gmail']}\n\n{quote(EN['original'])}\n",
    f"{EN['gmail']}\n\n{quote(EN['original'])}",
)
case(
    "en_nested_quotes_top",
    "en",
    "gmail",
    "top",
    f"Thanks, that fixed it.\n\n{EN['gmail']}\n\n> Please try again.\n>\n"
    f"> On Sun, Mar 1, 2026 at 6:00 PM John Carter <john.carter@client.example> wrote:\n"
    ">\n>> The payroll app crashes on start.\n>>\n>> John\n",
    "Thanks, that fixed it.",
)
case(
    "es_reply_mentions_wrote_inline",
    "es",
    "gmail",
    "top",
    "Mi jefe escribió ayer al proveedor y no contestan.\nSeguimos sin servicio.\n\n"
    f"{ES['gmail']}\n\n{quote(ES['original'])}\n",
    "Mi jefe escribió ayer al proveedor y no contestan.\nSeguimos sin servicio.",
)
case(
    "en_interleaved_top_and_inline",
    "en",
    "thunderbird",
    "interleaved",
    "See my answers below.\n\nOn 02/03/2026 09:15, Soporte Escala wrote:\n"
    "> Which version do you run?\n\n4.2.1\n\n> Does it happen on other machines?\n\nOnly on mine.\n",  # noqa: E501
    "See my answers below.\n\nOn 02/03/2026 09:15, Soporte Escala wrote:\n"
    "> Which version do you run?\n\n4.2.1\n\n> Does it happen on other machines?\n\nOnly on mine.",
)
case(
    "de_outlook_single_line_header",
    "de",
    "outlook",
    "top",
    "Problem gelöst, danke.\n\nVon: Soporte Escala [mailto:soporte@escala.example] "
    "Gesendet: Montag, 2. März 2026 09:15 An: Hans Müller Betreff: Re: Fehler\n\n"
    f"{LANGS['de']['original']}\n",
    "Problem gelöst, danke.",
)
case(
    "en_thunderbird_original_message_forward_style",
    "en",
    "thunderbird",
    "top",
    "Adding the log you asked for.\n\n-------- Original Message --------\n"
    f"Subject: {SUBJECT}\nDate: Mon, 2 Mar 2026 09:15:00 +0100\n"
    f"From: {AGENT} <{AGENT_ADDR}>\nTo: John Carter <john.carter@client.example>\n\n"
    f"{EN['original']}\n",
    "Adding the log you asked for.",
    agent="Mozilla Thunderbird",
)
case(
    "es_bottom_no_attribution",
    "es",
    "mutt",
    "bottom",
    "> ¿Puede reiniciar el equipo y decirnos si el error sigue?\n\n"
    "Sí, sigue. Adjunto captura.\n\nLucía\n",
    "Sí, sigue. Adjunto captura.\n\nLucía",
    agent="Mutt/2.2.13 (2024-03-09)",
)
case(
    "en_signature_then_quote",
    "en",
    "thunderbird",
    "top",
    f"Fine by me.\n\n-- \nJohn Carter\nClient Ltd.\n\n{EN['thunderbird']}\n{quote(EN['original'])}\n",  # noqa: E501
    "Fine by me.",
    agent="Mozilla Thunderbird",
)
case(
    "en_hotmail_date_first_header",
    "en",
    "outlook_web",
    "top",
    "Confirmed, it works from home too.\n\n"
    f"Date: Mon, 2 Mar 2026 09:15:00 +0100\nFrom: {AGENT_ADDR}\nTo: john.carter@client.example\n"
    f"Subject: {SUBJECT}\n\n{EN['original']}\n",
    "Confirmed, it works from home too.",
    mailer="Microsoft Outlook Express 6.00.2900.5931",
)
case(
    "en_blank_line_after_attribution",
    "en",
    "thunderbird",
    "top",
    f"Yes, please close it.\n\nOn 02/03/2026 09:15 AM, Soporte Escala wrote:\n\n{quote(EN['original'])}\n",  # noqa: E501
    "Yes, please close it.",
    agent="Mozilla Thunderbird",
)
case(
    "en_outlook_mac_header",
    "en",
    "outlook_mac",
    "top",
    "Thanks, received.\n\nFrom: Soporte Escala <soporte@escala.example>\n"
    "Date: Monday, 2 March 2026 at 09:15\nTo: John Carter <john.carter@client.example>\n"
    f"Subject: {SUBJECT}\n\n{EN['original']}\n",
    "Thanks, received.",
    mailer="Microsoft-MacOutlook/16.94.25020927",
)
case(
    "es_gmail_inline_forward_kept",
    "es",
    "gmail",
    "top",
    "Les reenvío lo que nos dice el proveedor.\n\n---------- Forwarded message ---------\n"
    "De: Proveedor <ventas@proveedor.example>\nDate: dom, 1 mar 2026 a las 18:00\n"
    "Subject: Corte programado\nTo: <lucia.fernandez@cliente.example>\n\n"
    "El martes habrá un corte de 2 horas.\n",
    "Les reenvío lo que nos dice el proveedor.\n\n---------- Forwarded message ---------\n"
    "De: Proveedor <ventas@proveedor.example>\nDate: dom, 1 mar 2026 a las 18:00\n"
    "Subject: Corte programado\nTo: <lucia.fernandez@cliente.example>\n\n"
    "El martes habrá un corte de 2 horas.",
)
case(
    "en_android_rewrapped_quote",
    "en",
    "android",
    "top",
    'Yes, that is the one.\n\nOn Mar 2, 2026 9:15 AM, "Soporte Escala" <soporte@escala.example> '
    "wrote:\n>\n> Hi John,\n> Is this the laptop with the asset tag ES-4471 that was swapped last\n"
    "month?\n> Could you confirm the serial number printed under the battery cover\nplease?\n"
    ">\n> Ana\n",
    "Yes, that is the one.",
)
case(
    "en_yahoo_unquoted_history",
    "en",
    "yahoo",
    "top",
    "It crashed again this morning.\n\nOn Monday, March 2, 2026, 09:15:16 AM GMT+1, Soporte "
    f"Escala  wrote:\n\n{EN['original']}\n",
    "It crashed again this morning.",
)
case(
    "en_bare_name_wrote_unquoted",
    "en",
    "other",
    "top",
    f"I will be in the office on Thursday.\n\nJohn\n\nsoporte <{AGENT_ADDR}> wrote:\n\n"
    f"{EN['original']}\n",
    "I will be in the office on Thursday.\n\nJohn",
)
case(
    "it_not_a_phone_signature",
    "it",
    "other",
    "none",
    "Ecco il file richiesto.\n\nInviato da desk, è molto più comodo del mio cellulare di prima.\n",
    "Ecco il file richiesto.\n\nInviato da desk, è molto più comodo del mio cellulare di prima.",
)
case(
    "zh_outlook_header",
    "en",
    "outlook",
    "top",
    "Please cancel the order, thank you.\n\n发件人: Soporte Escala <soporte@escala.example>\n"
    "日期: 2026年3月2日 星期一 上午9:15\n收件人: John Carter <john.carter@client.example>\n"
    f"主题: {SUBJECT}\n\n{EN['original']}\n",
    "Please cancel the order, thank you.",
)
case(
    "en_hotmail_header_date_last",
    "en",
    "outlook_web",
    "top",
    "Hi,\n \nIs there any news on this?\n \nRegards,\nJohn\n \n"
    f"From: {AGENT_ADDR}\nSubject: {SUBJECT}\nTo: john.carter@client.example\n"
    f"Date: Mon, 2 Mar 2026 09:15:00 +0100\n\n{EN['original']}\n",
    "Hi,\n \nIs there any news on this?\n \nRegards,\nJohn",
)


def build_mail(name: str, spec: dict) -> bytes:
    lang = LANGS[spec["lang"]]
    digest = hashlib.sha256(name.encode()).hexdigest()[:16]
    headers = {
        "From": f"{lang['name']} <{lang['addr']}>",
        "To": f"{AGENT} <{AGENT_ADDR}>",
        "Subject": SUBJECT,
        "Date": "Mon, 2 Mar 2026 10:02:11 +0100",
        "Message-ID": f"<{digest}@{lang['addr'].split('@')[1]}>",
        "In-Reply-To": "<escala.000321.1@escala.example>",
        "References": "<escala.000321.1@escala.example>",
    }
    utf8 = Charset("utf-8")
    utf8.body_encoding = QP
    if spec.get("html_only"):
        msg = MIMEText(spec["html_only"], "html", "utf-8")
    elif spec.get("html"):
        msg = MIMEMultipart("alternative", boundary=f"0000000000{digest}")
        plain = MIMEText("", "plain")
        plain.set_payload(spec["body"], utf8)
        html = '<div dir="ltr">' + escape(spec["body"]).replace("\n", "<br>") + "</div>"
        rich = MIMEText("", "html")
        rich.set_payload(html, utf8)
        msg.attach(plain)
        msg.attach(rich)
    else:
        msg = MIMEText("", "plain")
        msg.set_payload(spec["body"], utf8)
        if spec["client"] in ("apple_mail", "ios", "thunderbird"):
            msg.set_param("format", "flowed")
    for key, value in headers.items():
        msg[key] = value
    if spec.get("mailer"):
        msg["X-Mailer"] = spec["mailer"]
    if spec.get("agent"):
        msg["User-Agent"] = spec["agent"]
    return msg.as_bytes()


if __name__ == "__main__":
    expected = {}
    for name, spec in CASES.items():
        (HERE / f"{name}.eml").write_bytes(build_mail(name, spec))
        expected[name] = {k: spec[k] for k in ("lang", "client", "style", "visible")}
    (HERE / "expected.json").write_text(json.dumps(expected, ensure_ascii=False, indent=1) + "\n")
    print(f"{len(CASES)} replies written")
