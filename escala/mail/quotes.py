"""The new part of a reply: quoted history and signatures taken off. PURE, never raises.

Only what is SHOWN is stripped: the whole mail stays on the stored InboundMail (its raw bytes
and its full text, `body_text`), linked to the message it was filed as.

How a reply is read (docs/decisions/0006-mail-fidelity-and-quotes.md):
1. History that a client adds WITHOUT "> " marks (Outlook's "-----Original Message-----" and
   "From:/Sent:/To:/Subject:" blocks in each language, the underscore line; an attribution line
   such as "On ... wrote:" followed by unmarked text) ends the new part: everything below it
   is history.
2. Above that, lines are new text (N) or quoted (Q: "> " lines, and the attribution line that
   introduces them). The runs decide:
   - N then Q: top-posted: the N part;
   - Q then N: bottom-posted: the N part;
   - new text between quoted runs (Q N Q..., N Q N...): interleaved answers: the whole text,
     since cutting would lose answers or the questions they answer.
3. A signature after "-- " and a phone/app signature line ("Sent from my iPhone", "Enviado
   desde mi iPhone", "Get Outlook for Android"...) at the end of the new part are dropped.
4. If nothing new is left, the whole text is kept.
"""

from __future__ import annotations

import re

# Verbs that end an attribution line, in each language clients write them.
_VERBS = (
    r"wrote|writes|escribió|escribio|escreveu|a\s+écrit|schrieb|ha\s+scritto|scrisse|schreef|"
    r"geschreven|пишет|писал|написал(?:\(а\))?|написала|pisze|napisał(?:\(a\))?|"
    r"napisała|napisana|skrev|kirjoitti|đã\s+viết|viết|napsal(?:\(a\))?|yazdı|írta|έγραψε|"
    r"写道|書きました|작성"
)
# "<verb> ... :" at the end ("Am 2. März 2026 um 09:00 schrieb Hans <h@x>:" puts words after it).
_ATTRIBUTION = re.compile(
    rf"^(?!>).{{0,400}}?(?<![\w-])(?:{_VERBS})(?![\w-])[^\n]{{0,200}}?[:：]\s*$", re.IGNORECASE
)
# Gmail in Russian/Ukrainian writes no verb: "пн, 2 мар. 2026 г. в 09:00, Иван <i@x>:".
_ADDRESS_ATTRIBUTION = re.compile(r"^(?!>).{0,300}\d.{0,300}<[^<>\s@]+@[^<>\s]+>\s*[:：]\s*$")
_QUOTING = re.compile(r"^(?:Quoting|Citando|Zitat von|Citation de|Cytat)\b.{0,300}:\s*$", re.I)

_ORIGINAL_PHRASES = (
    r"original message|original mail|mensaje original|mensagem original|message d.origine|"
    r"ursprüngliche nachricht|originalnachricht|messaggio originale|oorspronkelijk bericht|"
    r"origineel bericht|исходное сообщение|оригинальное сообщение|wiadomość oryginalna|"
    r"oryginalna wiadomość|ursprungligt meddelande|originalmeddelande|oprindelig meddelelse|"
    r"opprinnelig melding|alkuperäinen viesti|thư gốc|původní zpráva|orijinal mesaj"
)
_SEPARATOR = re.compile(rf"^\s*[-=_*]{{2,}}\s*(?:{_ORIGINAL_PHRASES})\s*[-=_*]{{2,}}\s*$", re.I)
# A forward inside the new text ("FYI, see below") is new content for the ticket, not history.
_FORWARD = re.compile(
    r"^\s*(?:-{3,}\s*(?:forwarded message|mensaje reenviado|mensagem encaminhada|message transféré|"
    r"weitergeleitete nachricht|messaggio inoltrato|doorgestuurd bericht|пересылаемое сообщение|"
    r"przekazana wiadomość|vidarebefordrat meddelande|videresendt meddelelse|"
    r"videresendt melding|välitetty viesti|thư được chuyển tiếp)\s*-*|"
    r"begin forwarded message:|inicio del mensaje reenviado:|début du message réexpédié :|"
    r"anfang der weitergeleiteten nachricht:|inizio messaggio inoltrato:)\s*$",
    re.IGNORECASE,
)
_RULE = re.compile(r"^\s*(?:_{8,}|-{8,}|={8,})\s*$")

_FROM_LABELS = (
    r"from|de|von|van|da|od|от|från|fra|lähettäjä|feladó|kimden|từ|frá|afzender|remetente|"
    r"expéditeur|mittente|nadawca|отправитель|absender|发件人|寄件者|寄件人|差出人|보낸 사람"
)
_OTHER_LABELS = (
    r"sent|date|to|subject|cc|enviado(?: el)?|enviada|fecha|para|asunto|data|assunto|"
    r"envoyé(?: le)?|à|a|objet|gesendet|datum|an|betreff|inviato|oggetto|verzonden|aan|"
    r"onderwerp|отправлено|дата|кому|тема|копия|wysłano|wysłane|do|temat|dw|skickat|till|"
    r"ämne|kopia|sendt|dato|til|emne|kopi|lähetetty|päivämäärä|vastaanottaja|aihe|kopio|"
    r"đã gửi|ngày|đến|chủ đề|gönderildi|tarih|kime|konu|elküldve|címzett|tárgy|日期|发送时间|"
    r"收件人|主题|抄送|傳送時間|收件者|主旨|送信日時|宛先|件名|날짜|받는 사람|제목"
)
_FROM_LINE = re.compile(rf"^\s*[*>]?\s*\**(?:{_FROM_LABELS})\**\s*[:：]\s*\**\s*\S", re.I)
_OTHER_LINE = re.compile(rf"^\s*\**(?:{_OTHER_LABELS})\**\s*[:：]", re.I)
_ONE_LINE_BLOCK = re.compile(
    rf"^\s*\**(?:{_FROM_LABELS})\**\s*:.{{1,300}}\s\**(?:sent|enviado|gesendet|envoyé|"
    rf"inviato|verzonden|date|fecha|datum|data)\**\s*:",
    re.I,
)

_SIGNATURE_DELIMITER = re.compile(r"^--\s*$")
_SENT_WORD = (
    r"sent|enviado|enviada|envoyé|inviato|verzonden|verstuurd|gesendet|отправлено|wysłane|"
    r"wysłano|skickat|sendt|lähetetty|gửi|gönderildi|get|obtener|obter|télécharger|holen"
)
_DEVICE = (
    r"iphone|ipad|android|galaxy|samsung|huawei|xiaomi|pixel|blackberry|mobile|móvil|movil|"
    r"celular|telemóvel|smartphone|telefon|телефона?|outlook|yahoo|mail|correo|proton|windows|"
    r"aol|gmx|web\.de"
)
_PREPOSITION = (
    r"from|with|via|using|on|for|desde|de|do|da|dal|dall'|depuis|avec|pour|vanaf|met|von|mit|"
    r"für|с|со|z|ze|från|fra|med|từ|con|com|per|para"
)
# A phone or app signature: one short line, a "sent" word, a preposition, a device or app.
_MOBILE = re.compile(
    rf"^\s*(?=.{{0,100}}$)(?:(?:{_SENT_WORD})\s+(?:(?:{_PREPOSITION})\s+(?:[^\s,;]+\s+){{0,3}})?"
    rf"(?:{_DEVICE})"
    rf"|von meinem\b.{{0,40}}\bgesendet)[^\n]{{0,60}}$",
    re.IGNORECASE,
)


def _quoted(line: str) -> bool:
    return line.lstrip().startswith(">")


def _blank(line: str) -> bool:
    return not line.strip()


def _next_nonblank(lines: list[str], start: int) -> int | None:
    for index in range(start, len(lines)):
        if not _blank(lines[index]):
            return index
    return None


def _attribution_span(lines: list[str], index: int) -> int:
    """How many lines (1-3) an attribution starting at `index` spans, 0 if none. Gmail and
    Outlook wrap long ones ("On Mon, ... Soporte <\\nsoporte@escala.example> wrote:")."""
    first = lines[index].strip()
    if not first or _quoted(first) or len(first) > 500:
        return 0
    joined = first
    for span in range(1, 4):
        if span > 1:
            if index + span - 1 >= len(lines) or _blank(lines[index + span - 1]):
                return 0
            joined += " " + lines[index + span - 1].strip()
        if (
            _ATTRIBUTION.match(joined)
            or _ADDRESS_ATTRIBUTION.match(joined)
            or _QUOTING.match(joined)
        ):
            return span
        if joined.endswith((":", "：")):
            return 0
    return 0


def _header_block(lines: list[str], index: int) -> bool:
    """An Outlook-style header block starts here: a From label, then another label soon."""
    line = lines[index]
    if _quoted(line):
        return False
    if _ONE_LINE_BLOCK.match(line):
        return True
    following = [candidate for candidate in lines[index + 1 : index + 7] if not _blank(candidate)]
    if _FROM_LINE.match(line):
        return any(_OTHER_LINE.match(candidate) for candidate in following[:5])
    if not _OTHER_LINE.match(line):
        return False
    # "Date:/From:/To:/Subject:" (Hotmail, Outlook for Mac): three labels in a row, one a From.
    block = [line]
    for candidate in following[:5]:
        if not (_OTHER_LINE.match(candidate) or _FROM_LINE.match(candidate)):
            break
        block.append(candidate)
    return len(block) >= 3 and any(_FROM_LINE.match(candidate) for candidate in block)


def _history_start(lines: list[str]) -> tuple[int, set[int]]:
    """Where unmarked history starts (len(lines) when none), and the attribution lines that
    introduce "> " quotes above it (they count as quoted)."""
    intros: set[int] = set()
    index = 0
    while index < len(lines):
        line = lines[index]
        if _quoted(line) or _blank(line):
            index += 1
            continue
        if _SEPARATOR.match(line):
            return _with_rule_above(lines, index), intros
        if _FORWARD.match(line):
            return len(lines), intros  # history below a forward belongs to the forward
        if _header_block(lines, index):
            return _with_rule_above(lines, index), intros
        if _RULE.match(line):
            after = _next_nonblank(lines, index + 1)
            if after is not None and _header_block(lines, after):
                return index, intros
        span = _attribution_span(lines, index)
        if span:
            after = _next_nonblank(lines, index + span)
            if after is None or _quoted(lines[after]):
                intros.update(range(index, index + span))
                index += span
                continue
            joined = " ".join(part.strip() for part in lines[index : index + span])
            if re.search(r"\d|@", joined):
                return index, intros  # "On ... wrote:" over unmarked history
        index += 1
    return len(lines), intros


def _with_rule_above(lines: list[str], index: int) -> int:
    above = index - 1
    while above >= 0 and _blank(lines[above]):
        above -= 1
    if above >= 0 and _RULE.match(lines[above]):
        return above
    return index


def _runs(lines: list[str], intros: set[int]) -> list[tuple[str, int, int]]:
    """Runs of quoted (Q) and new (N) lines: (kind, first, last); blank lines join runs."""
    runs: list[tuple[str, int, int]] = []
    for index, line in enumerate(lines):
        if _blank(line):
            continue
        kind = "Q" if index in intros or _quoted(line) or _continues_quote(lines, index) else "N"
        if runs and runs[-1][0] == kind:
            runs[-1] = (kind, runs[-1][1], index)
        else:
            runs.append((kind, index, index))
    return runs


def _continues_quote(lines: list[str], index: int) -> bool:
    """A long quoted line that a client re-wrapped without its "> " (Android Gmail does): a
    lower-case line right under a quoted line of 50+ characters, with a quote again or nothing
    new right under it."""
    if index == 0 or not _quoted(lines[index - 1]) or len(lines[index - 1].rstrip()) < 50:
        return False
    if not lines[index][:1].islower():
        return False
    below = lines[index + 1] if index + 1 < len(lines) else ""
    return _quoted(below) or _blank(below)


def _is_signature(lines: list[str], first: int, last: int) -> bool:
    block = [line for line in lines[first : last + 1] if not _blank(line)]
    return bool(block) and (
        _SIGNATURE_DELIMITER.match(block[0]) is not None
        or all(_MOBILE.match(line) for line in block)
    )


def _without_signature(lines: list[str]) -> list[str]:
    for index, line in enumerate(lines):
        if _SIGNATURE_DELIMITER.match(line) and index > 0:
            lines = lines[:index]
            break
    while lines and (_blank(lines[-1]) or _RULE.match(lines[-1])):
        lines = lines[:-1]
    while lines and _MOBILE.match(lines[-1]):
        lines = lines[:-1]
        while lines and _blank(lines[-1]):
            lines = lines[:-1]
    return lines


def strip_reply(text: str) -> str:
    """The new part of a reply by the rules above; the whole text when nothing new is found."""
    whole = (text or "").replace("\r\n", "\n").replace("\r", "\n")
    try:
        lines = whole.split("\n")
        end, intros = _history_start(lines)
        lines = lines[:end]
        runs = _runs(lines, intros)
        # A signature block after the last quote does not make a top-post "interleaved".
        if len(runs) >= 3 and runs[-1][0] == "N" and _is_signature(lines, runs[-1][1], runs[-1][2]):
            runs = runs[:-1]
        kinds = "".join(kind for kind, _first, _last in runs)
        if kinds in ("", "N", "NQ"):
            kept = lines[: runs[0][2] + 1] if kinds == "NQ" else lines
        elif kinds == "QN":
            kept = lines[runs[1][1] :]
        elif kinds == "Q":
            kept = []
        else:
            return whole.strip()  # interleaved: new text between quotes, keep every answer
        result = "\n".join(_without_signature(kept)).strip()
    except Exception:  # noqa: BLE001  (never lose a reply to a stripping bug)
        return whole.strip()
    return result or whole.strip()
