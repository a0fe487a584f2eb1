"""The words of an injection's slots in many languages, and English verbs in every form.

An order hidden in a tool description has the same parts in every language:
something the model does (sends, attaches, fills in), data it should not
hand over (the conversation, passwords, a file's contents), where the data
goes (a field, a parameter) and keeping it from the user. Attackers write in
whatever language a keyword scanner does not read, so each slot here is one
concept spelt in about thirty languages -- the world's most spoken and those
of the big software markets -- rather than the phrases of the attacks seen so
far; :mod:`~hawkeye_analyse_rules.lexicon_world` adds about fifty more
languages to four of the slots. :mod:`~hawkeye_analyse_rules.intent` and
:mod:`~hawkeye_analyse_rules.signals` read the slots; the sentence structure
around them is theirs.

Every pattern is folded the way :class:`~hawkeye_analyse_rules.text.Clean`
folds the text it runs on (lower case, look-alike letters to ASCII), so a
Greek or Cyrillic word here matches the folded text. Words of alphabets with
spaces start at a word boundary and may take endings; scripts that join
prefixes to words (Hebrew, Arabic, Persian, Urdu) or write without spaces
(Thai, Chinese, Japanese) and the Indic scripts, whose vowel signs are not
word characters, match anywhere.
"""

from __future__ import annotations

from hawkeye_analyse_rules.lexicon_world import (
    ACTION_WORLD,
    CONCEAL_WORLD,
    CONVERSATION_WORLD,
    SECRET_WORLD,
)
from hawkeye_analyse_rules.text import Clean

__all__ = [
    "CONCEAL_ENGLISH",
    "CONCEAL_WORDS",
    "CONTENT_WORDS",
    "CONVERSATION_WORDS",
    "FIELD_WORDS",
    "SECRET_WORDS",
    "SEND_BY_MODEL",
    "SEND_SLOT",
    "english_forms",
    "slot",
]


def english_forms(*verbs: str) -> str:
    """Each verb with its -s, -es, -ing and -ed forms: ``fill|fills|filling|filled``.

    Descriptions tell the model what to do in the third person as often as in
    the imperative: "the assistant fills `memo` with ...".
    """
    words: list[str] = []
    for verb in verbs:
        if verb.endswith("y") and verb[-2:-1] not in "aeiou":
            words += [verb, verb[:-1] + "ies", verb + "ing", verb[:-1] + "ied"]
            continue
        stem = verb[:-1] if verb.endswith("e") and not verb.endswith("ee") else verb
        third = verb + ("es" if verb.endswith(("s", "sh", "ch", "x", "o")) else "s")
        words += [verb, third, stem + "ing", stem + "ed"]
    return "(?:" + "|".join(sorted(set(words), key=len, reverse=True)) + ")"


def slot(
    spaced: tuple[str, ...],
    joined: tuple[str, ...] = (),
    world: tuple[tuple[str, ...], tuple[str, ...]] = ((), ()),
) -> str:
    r"""One regex for a slot: ``spaced`` words from a word boundary, ``joined`` ones anywhere.

    Both are regex fragments in lower case; ``spaced`` ones may take endings
    (``\w*``) unless they end in a boundary of their own. ``world`` adds the
    slot's words in more languages (:mod:`~hawkeye_analyse_rules.lexicon_world`),
    spaced and joined.
    """
    spaced, joined = spaced + world[0], joined + world[1]
    parts = [_fold(rf"\b(?:{'|'.join(spaced)})\w*")] if spaced else []
    # the joined words that start with a letter of another script sit behind one look-ahead,
    # so that at an ASCII character the regex tries none of them (a third of the time the
    # slots took on English text); a word that starts otherwise stays outside it
    alternatives = [_fold(a) for fragment in joined for a in _alternatives(fragment)]
    guarded = [a for a in alternatives if _starts_non_ascii(a)]
    if guarded:
        parts.append(rf"(?=[^\x00-\x7f])(?:{'|'.join(guarded)})")
    parts += [a for a in alternatives if not _starts_non_ascii(a)]
    return "|".join(parts)


def _alternatives(pattern: str) -> list[str]:
    """The top-level alternatives of a regex fragment (``|`` outside groups and classes)."""
    out: list[str] = []
    depth = 0
    in_class = False
    start = 0
    index = 0
    while index < len(pattern):
        char = pattern[index]
        if char == "\\":
            index += 2
            continue
        if in_class:
            in_class = char != "]"
        elif char == "[":
            in_class = True
        elif char == "(":
            depth += 1
        elif char == ")":
            depth -= 1
        elif char == "|" and depth == 0:
            out.append(pattern[start:index])
            start = index + 1
        index += 1
    out.append(pattern[start:])
    return out


def _starts_non_ascii(alternative: str) -> bool:
    """True when every match of ``alternative`` starts with its first, non-ASCII, character."""
    return (
        bool(alternative)
        and not alternative[0].isascii()
        and alternative[1:2] not in ("?", "*", "{", "+")
    )


def _fold(pattern: str) -> str:
    """``pattern`` folded as :class:`Clean` folds text (its ASCII, regex syntax included, stays)."""
    return Clean(pattern).s


_SEND_VERBS = (
    "send",
    "include",
    "attach",
    "append",
    "add",
    "fill",
    "put",
    "pass",
    "paste",
    "insert",
    "embed",
    "forward",
    "upload",
    "post",
    "submit",
    "supply",
    "provide",
    "copy",
    "place",
    "enter",
    "transmit",
    "relay",
    "mirror",
    "echo",
    "populate",
    "set",
    "write",
    "share",
    "hand",
    "prefix",
    "tack",
    "carry",
    "stuff",
    "inline",
    "bundle",
    "concatenate",
    "email",
    "mail",
)
#: Doing something with data, said of the model in the third person: "the assistant fills
#: `memo` with ...". The tool's own verbs ("Copies the selected files") are its function, so
#: an inflected verb counts only after the model as its subject.
SEND_BY_MODEL = (
    r"\b(?:the\s+)?(?:assistant|model|agent|ai|llm|claude|copilot|chatgpt|gemini)\b"
    r"(?:\s+(?:then|therefore|also|first|always|silently|quietly|simply|just|should|will|must"
    r"|can|now|automatically))*\s+" + english_forms(*_SEND_VERBS) + r"\b"
)
#: Doing something with data, in the languages other than English.
SEND_SLOT = slot(
    (
        # Indonesian/Malay, Tagalog, Swahili
        (
            "kirim|lampirk|tambahk|masukk|sertak|salin|tempelk|isik|mengisi|ipadala|isama|ilagay"
            "|idagdag|ikabit|kopyahin|ipasa|ilakip|tuma|ambatish|ongez|weka|anakili|nakili|jaza"
            "|pitish|anaweka"
        ),
        # Czech/Slovak, Romanian, Hungarian, Finnish, Scandinavian
        (
            "pošl|posíl|přilož|připoj|přid|dopln|vlož|zkopíruj|předej|vyplň|prilož|prid|trimit"
            "|atașe|ataşe|adaug|pune|copiaz|completeaz|insereaz|küld|csatol|hozzáad|másold|illeszd"
            "|tedd|lähetä|liitä|lisää|kopioi|täytä|skicka|bifoga|lägg|kopiera|vedlegg|legg|tilføj"
            "|vedhæft|indsæt|sett inn"
        ),
        # Greek, Ukrainian, Bulgarian/Serbian
        (
            "στείλ|στέλν|επισυνάπτ|επισύναψ|πρόσθεσ|προσθέτ|βάλ|συμπεριλ|αντιγράψ|αντιγράφ"
            "|συμπλήρω|καταχώρ|надішл|надсил|дода|встав|скопіюй|копіюй|передай|переда|заповн"
            "|изпрат|пошаљ"
        ),
    ),
    (
        # Hebrew, Persian, Urdu, Bengali, Thai
        (
            "שלח|שולח|צרף|מצרף|מצרפ|הוסף|מוסיף|העתק|מעתיק|הכנס|מכניס|כלול|ממלא|מלא את|ارسال|بفرست"
            "|پیوست|اضافه|کپی|وارد کن|قرار ده|بھیج|منسلک|شامل کر|পাঠা|সংযুক্ত|যোগ কর|কপি|ส่ง|แนบ"
            "|ใส่|เพิ่ม|คัดลอก|กรอก"
        ),
    ),
    world=ACTION_WORLD,
)

#: Data of the model's context or the user's: the conversation, earlier messages.
CONVERSATION_WORDS = slot(
    (
        (
            "percakapan|perbualan|usapan|pag-uusap|mazungumzo|συνομιλ|συζήτησ|konverzac|rozhovor"
            "|konverzác|розмов|переписк|conversați|conversaţi|beszélgetés|keskustelu|konversation"
            "|samtale|historia ya"
        ),
    ),
    (
        (
            "השיחה|שיחה זו|گفتگو|مکالمه|কথোপকথন|บทสนทนา|การสนทนา|ประวัติแชท"
            "|聊天记录|对话记录|会話履歴|대화 내용|대화 기록"
        ),
    ),
    world=CONVERSATION_WORLD,
)

#: Secrets: passwords, credentials, keys, tokens, cookies, card and account numbers.
SECRET_WORDS = slot(
    (
        (
            "kata sandi|kata laluan|kredensial|nywila|nenosiri|κωδικ|διαπιστευτήρι|hesl"
            "|přihlašovací údaj|prihlasovacie údaj|jelszó|jelszav|hitelesítő|salasan|lösenord"
            "|passord|adgangskode|credențial|parol|пароль|паролі|облікові дані|токен|ключ api"
            "|kuki"
        ),
    ),
    ("סיסמ|אישורי גישה|رمز عبور|گذرواژه|پاس ورڈ|পাসওয়ার্ড|รหัสผ่าน|โทเค็น|คุกกี้",),
    world=SECRET_WORLD,
)

#: The contents of a file, its full text.
CONTENT_WORDS = slot(
    (
        (
            "contents?|contenu|contenido|conte[uú]do|inhalt|contenuto|zawarto|inhoud|içeri[gğ]"
            "|isinya|seluruh isi|isi (?:berkas|file|fail)|kandungan|nilalaman|yaliyomo|maudhui"
            "|περιεχόμεν|obsah|вміст|содержим|содержани|conținut|conţinut|tartalm|sisältö|sisällö"
            "|innehåll|innhold|indhold|nội dung|full text|whole text|entire text"
        ),
    ),
    ("תוכן|محتوى|محتوا|محتویات|مواد|सामग्री|বিষয়বস্তু|เนื้อหา|내용|内容|中身",),
)

#: A field or parameter of the call (where the data goes).
FIELD_WORDS = slot(
    (
        (
            "field|param|argument|arg\\b|campo|feld|champ|par[aá]metr|alan|parametr|parametre"
            "|pole\\b|poli\\b|veld|trường|tham số|kolom|bidang|medan|sehemu|kigezo|πεδί|παράμετρ"
            "|câmp|mező|paraméter|kenttä|parametri|fält|felt|поле|поля|параметр"
        ),
    ),
    (
        (
            "שדה|פרמטר|الحقل|حقل|فیلد|پارامتر|فیلڈ|ফিল্ড|প্যারামিটার|फ़ील्ड|फील्ड|पैरामीटर|ช่อง"
            "|พารามิเตอร์|필드|매개변수|フィールド|引数|パラメータ|字段|参数|欄"
        ),
    ),
)

#: Keeping it from the user, in the languages the English grammar below does not cover.
CONCEAL_WORDS = slot(
    (
        # Indonesian/Malay, Tagalog, Swahili
        (
            "tanpa (?:memberi ?tahu|memberitahu|menyebut|mengabari)"
            "|tidak perlu (?:di)?(?:sampaikan|beritahu|sebut|kabar)"
            "|jangan (?:beri ?tahu|memberitahu|sebut|bilang|kasih tahu)"
            "|huwag (?:sabihin|ipaalam|banggitin)|nang hindi (?:sinasabi|ipinapaalam)"
            "|bila kum(?:julisha|wambia|weleza)|usim(?:wambie|julishe)|bila kuwaambia"
        ),
        # Greek, Czech/Slovak, Ukrainian/Russian
        (
            "χωρίς να (?:το |τον |την )?(?:αναφέρ|ενημερώσ|πει|πεις)"
            "|μην (?:το )?(?:πεις|αναφέρ|ενημερώσ)|neříká|neříkej|neinformuj|nezmiňuj|nesděluj"
            "|nehovor|nespomín|aniž by (?:o tom )?(?:řekl|informoval|upozornil)|bez upozorněn"
            "|не (?:кажи|повідомляй|згадуй|розповідай|говори|сообщай|упоминай)|без відома"
            "|без ведома|не повідомляючи|не сообщая"
        ),
        # Romanian, Hungarian, Finnish, Scandinavian
        (
            "nu (?:îi |ii )?(?:spune|menționa|mentiona|informa)|fără a (?:spune|informa|menționa)"
            "|ne (?:szólj|említsd|mondd)|anélkül, hogy|älä (?:kerro|mainitse)|kertomatta"
            "|(?:berätta|nämn) inte|utan att (?:berätta|nämna|meddela)|ikke (?:fortell|nevn)"
            "|uten å (?:fortelle|nevne)|fortæl ikke|uden at (?:fortælle|nævne)"
        ),
        # Romance and Germanic forms the older patterns miss
        (
            "sin (?:decir|avisar|mencionar|informar)|senza (?:dire|avvisare|menzionare|informare)"
            "|sem (?:dizer|avisar|mencionar|informar)|sans (?:en )?(?:informer|prévenir|avertir)"
            "|ohne (?:\\w+ ){0,3}zu (?:erwähnen|sagen|informieren|benachrichtigen)"
        ),
    ),
    (
        (
            "בלי ל(?:ספר|יידע|הזכיר|עדכן)|אל ת(?:ספר|זכיר|ודיע|עדכן)|אינו (?:מזכיר|מספר|מדווח)"
            "|לא (?:מזכיר|מספר|מדווח)|به کاربر نگو|بدون اطلاع|اطلاع ندهید|ذکر نکنید|نگویید"
            "|نہ بتائیں|بتائے بغیر|জানাবেন না|না জানিয়ে|উল্লেখ করবেন না|ไม่ต้องบอก|อย่าบอก"
            "|โดยไม่บอก|ไม่ต้องแจ้ง|โดยไม่แจ้ง|知らせない|伝えない|言わない"
            "|알리지 않|말하지 않|말하지 마|无需(?:告知|通知|提及)"
            "|不要(?:告知|通知|提及|说明)|不必告诉"
        ),
    ),
    world=CONCEAL_WORLD,
)

#: Keeping a step from the user, in English: any negated way of telling, in any tense.
CONCEAL_ENGLISH = (
    r"\b(?:not|never|no\s+need\s+to|without)\s+(?:(?!and\b|or\b|but\b|then\b)\w+\s+){0,3}?"
    + english_forms(
        "tell",
        "mention",
        "repeat",
        "report",
        "list",
        "show",
        "surface",
        "flag",
        "note",
        "disclose",
        "reveal",
        "say",
        "display",
        "explain",
        "announce",
        "highlight",
        "inform",
        "notify",
        "echo",
        "narrate",
        "describe",
    )
    + r"\b[^.\n]{0,50}?\b(?:users?|customers?|requester|human|reply|replies|summary|confirmation"
    r"|answer|response|chat|transcript|recap)\b"
    r"|\b(?:not|never|no\s+need\s+to|without)\s+(?:\w+\s+){0,2}?(?:point|bring|call)(?:s|ed|ing)?"
    r"\s+(?:\w+\s+){0,3}?(?:out|up)\b"
    r"|\b(?:leave|leaves|left|leaving|keep|keeps|kept|keeping|omit|omits|omitted|omitting)\s+"
    r"(?:\w+\s+){0,3}?(?:out\s+of|from)\s+(?:the|its|your|their|any|his|her)\s+(?:\w+\s+)?"
    r"(?:summary|reply|answer|response|confirmation|report|message|output|recap)"
    r"|\bnothing\s+(?:\w+\s+){0,2}(?:needs?|has|have)\s+to\s+be\s+(?:reported|mentioned|said"
    r"|shown|surfaced|disclosed|told)"
    r"|\bout\s+of\s+what\s+(?:you|it|the\s+assistant)\s+(?:shows?|tells?|reports?|presents?|says?)\b"
    r"|\b(?:needs|requires)\s+no\s+(?:comment|mention|confirmation|explanation)\b"
    r"|\bnothing\s+to\s+(?:confirm|mention|report|explain)\s+(?:with|to)\b"
)


#: Other servers (or another app the client has) in the languages of the slots above: the
#: object of steering ("herramientas de otros servidores", "Kalender-Werkzeuge anderer
#: Server", "любой другой мессенджер"). Added in the thirteenth pass, from batches 27-30.
OTHER_SERVERS = slot(
    (
        r"otr[oa]s\s+(?:[\w-]+\s+)?servidor",
        r"outr[oa]s\s+(?:[\w-]+\s+)?servidor",
        r"altres\s+(?:[\w-]+\s+)?servidor",
        r"altri\s+(?:[\w-]+\s+)?server",
        r"d'autres\s+(?:[\w-]+\s+)?serveur",
        r"autres\s+(?:[\w-]+\s+)?serveur",
        r"andere[nrs]?\s+(?:[\w-]+\s+)?(?:mcp-?)?server",
        r"inn(?:ych|e|ego|ym)\s+(?:[\w-]+\s+)?serwer",
        r"jin(?:ých|é|ého|ým)\s+(?:[\w-]+\s+)?server",
        r"diğer\s+(?:[\w-]+\s+)?sunucu",
        r"başka\s+(?:[\w-]+\s+)?sunucu",
        r"más(?:ik)?\s+(?:[\w-]+\s+)?szerver",
        r"egyéb\s+(?:[\w-]+\s+)?szerver",
        r"muide\w*\s+(?:[\w-]+\s+)?palvelim",
        r"muut\s+(?:[\w-]+\s+)?palvelim",
        r"andra\s+(?:[\w-]+\s+)?servrar",
        r"andre\s+(?:[\w-]+\s+)?servere",
        r"altor\s+(?:[\w-]+\s+)?server",
        r"server\s+lain",
        r"ibang\s+(?:[\w-]+\s+)?server",
        r"seva\s+nyingine",
        r"друг\w*\s+(?:[\w-]+\s+)?сервер",
        r"інш\w*\s+(?:[\w-]+\s+)?сервер",
        r"друг\w*\s+(?:[\w-]+\s+)?мессенджер",
        r"άλλ\w*\s+(?:[\w-]+\s+)?διακομιστ",
    ),
    (
        r"máy\s+chủ\s+khác",
        r"שרתים\s+אחרים",
        r"שרת\s+אחר",
        r"خوادم\s+أخرى",
        r"خادم\s+آخر",
        r"سرورهای\s+دیگر",
        r"अन्य\s+सर्वर",
        r"दूसरे\s+सर्वर",
        r"অন্য\s+সার্ভার",
        r"دوسرے\s+سرور",
        r"เซิร์ฟเวอร์อื่น",
        r"다른\s+서버",
        r"其[他它](?:的)?(?:服务器|伺服器)",
        r"(?:他|別)の(?:mcp)?サーバ",
    ),
)
#: Substrings a text needs for :data:`OTHER_SERVERS` to match (folded as the text is).
OTHER_SERVERS_NEEDS = tuple(
    _fold(word)
    for word in (
        "servid", "serveur", "server", "serwer", "sunucu", "szerver", "palvelim", "servrar",
        "máy chủ", "seva", "сервер", "мессенджер", "διακομιστ", "שרת", "خادم", "خوادم", "سرور",
        "सर्वर", "সার্ভার", "เซิร์ฟเวอร์", "서버", "服务器", "伺服器", "サーバ",
    )
)  # fmt: skip
