"""The slots of :mod:`~hawkeye_analyse_rules.lexicon` in the languages it did not have.

:mod:`~hawkeye_analyse_rules.lexicon` spells each slot of an injection in
about thirty languages. Every blind batch written since brought attacks in
languages it lacked (Tamil, Marathi, Gujarati, Punjabi, Amharic, Cantonese,
Serbian, Slovenian, Estonian, ...), and there the rules saw nothing, so the
learned model had only the character trigrams of words it had rarely met.
This module adds the same four slots -- keeping it from the user, doing
something with data, secrets, the conversation -- for the languages of the
world with more than a few million speakers that the first list did not
cover, and the forms the first list missed in languages it had. The words
are the plain ones a writer would use ("do not tell", "add", "password",
"conversation"), not phrases of any attack seen.

As in :mod:`~hawkeye_analyse_rules.lexicon`, ``spaced`` words start at a word
boundary and may take endings; ``joined`` ones (scripts without spaces, or
whose vowel signs are not word characters) match anywhere.
"""

from __future__ import annotations

__all__ = ["ACTION_WORLD", "CONCEAL_WORLD", "CONVERSATION_WORLD", "SECRET_WORLD"]

#: Keeping it from the user: "do not tell", "without telling", "no need to mention".
CONCEAL_WORLD: tuple[tuple[str, ...], tuple[str, ...]] = (
    (
        # Serbian, Croatian, Bosnian (Latin and Cyrillic), Slovenian, Bulgarian, Macedonian
        "ne govori|nemoj (?:mu |joj |im )?(?:reći|reci|spominjati|govoriti|navoditi)"
        "|ne (?:spominji|pominji|prikazuj|navodi|obavještavaj|obaveštavaj|obavesti|obavijesti)"
        "|bez (?:obavještavanja|obaveštavanja|obavijesti)"
        "|немој (?:му |јој |им )?(?:рећи|спомињати|говорити|наводити)"
        "|не (?:спомињи|помињи|приказуј|наводи|обавештавај|казвай|споменавай|информирай"
        "|кажувај|спомнувај)|без обавештавања|без да (?:казваш|кажеш|споменаваш)"
        "|ne (?:povej|omenjaj|obveščaj)|brez obveščanja|ni treba (?:omenjati|povedati|obveščati)",
        # Latvian, Lithuanian, Estonian, Icelandic
        "nesaki|nestāsti|neinformē|nepiemini|neziņo|nerādi|neinformējot|nav jā(?:zina|min|informē)"
        "|nesakyk|neinformuok|neminėk|nepranešk|nerodyk|neinformuojant|nepranešant"
        "|nebūtina (?:sakyti|minėti|pranešti)"
        "|ära (?:ütle|maini|teavita|näita)|ärge (?:öelge|mainige|teavitage)"
        "|pole vaja (?:mainida|öelda|teavitada)|teavitamata|mainimata"
        "|ekki (?:segja|nefna|láta (?:notandann )?vita)|segðu ekki|nefndu ekki"
        "|án þess að (?:segja|láta)",
        # Albanian, Basque, Catalan, Welsh, Irish
        "mos (?:i |ia |u )?(?:thuaj|thoni|trego|tregoni|përmend|përmendni|njofto|njoftoni)"
        "|pa (?:i |e )?(?:treguar|njoftuar|përmendur)"
        "|ez (?:esan|aipatu|jakinarazi|azaldu)|esan gabe"
        "|ez da beharrezkoa (?:\\w+ )?(?:aipatzea|esatea|jakinaraztea)"
        "|no (?:li |els )?(?:diguis|digueu|mencionis|informis)|sense (?:dir\\b|avisar|informar)"
        "|p?h?eidiwch â (?:dweud|sôn|chrybwyll)|heb ddweud|does dim angen (?:sôn|dweud)"
        "|ná habair|ná luaigh"
        # Quechua
        "|ama willankichu|ama willaychu|mana willaspa",
        # Dutch, German, Italian, Portuguese, Spanish, French: forms the first list missed
        "zeg (?:niets|het niet|dit niet)|vertel (?:de gebruiker |het |dit )?niet"
        "|zonder (?:de gebruiker )?te (?:melden|informeren|vertellen)"
        "|hoeft (?:dit |het )?niet te weten"
        "|sag (?:nichts|es nicht|dies nicht)|nicht (?:sagen|informieren)"
        "|non (?:informare|segnalare|comunicare)|non c'è bisogno di (?:dire|informare|menzionare)"
        "|senza (?:comunicar|segnalar)"
        "|não (?:refira|mencionar|avise|comunique|informar|refiras|digas)"
        "|não (?:é preciso|precisa) (?:de )?(?:dizer|informar|mencionar|avisar)"
        "|no (?:hace falta|es necesario) (?:decir|informar|mencionar|avisar)"
        "|no (?:le )?(?:comuniques|avises|muestres)"
        "|ne (?:le |lui |leur )?(?:dis|dites|mentionne|mentionnez|signale|informe|informez) pas"
        "|inutile de (?:le )?(?:dire|préciser|mentionner|signaler)"
        "|sans (?:le )?(?:signaler|préciser)",
        # Turkish, Azerbaijani, Uzbek, Kazakh, Mongolian
        "bildirme|haber verme|belirtme|söylemeden|bildirmeden|haber vermeden"
        "|demə|deməyin|bildirməyin|xəbər vermədən|qeyd etməyin"
        "|aytmang|xabar bermang|eslatmang|aytmasdan|bildirmang"
        "|айтпаңыз|айтпа\\b|хабарламаңыз|ескертпеңіз|айтпай"
        "|битгий хэл|хэлэх хэрэггүй|мэдэгдэх хэрэггүй|бүү (?:дурд|хэл|мэдэгд|харуул)",
        # Hausa, Yoruba, Igbo, Zulu, Xhosa, Somali, Malagasy, Vietnamese
        "kada ka (?:gaya|sanar|fada|bayyana)|kar ka (?:gaya|sanar|fada|bayyana)"
        "|ba tare da (?:sanar|gaya|tambay)"
        # Maltese
        "|(?:la |ma )?tgħidx|tinfurmax|tgħarrafx|mingħajr ma (?:tgħid|tinforma)"
        "|má ṣe sọ|má sọ fún|láìsọ fún|ma se so fun|lai so fun|agwala|egwala"
        "|ungatsheli|ungamtsheli|ngaphandle kokutshela|musa ukutshela|ungaxeleli|sukuxelela"
        "|akudingi uku(?:boniswa|tshelwa|bonisa|tshela)"
        "|ha u sheegin|ha sheegin|adigoon u sheegin|ha ogeysiin|looma sheego|lagu ma sheego"
        # Malagasy
        "|aza lazaina|aza ilazana|aza asehoana|aza ampahafantarina|tsy (?:mila|ilaina) (?:ny )?"
        "(?:mampahafantatra|milaza|manambara)"
        "|đừng (?:thông báo|đề cập|nhắc|cho (?:\\w+ ){0,3}biết)"
        "|không (?:đề cập|cho (?:\\w+ ){0,3}biết|thông báo cho)",
        # Georgian, Armenian
        "არ უთხრა|არ უთხრათ|ნუ ეტყვი|არ ახსენო|არ ახსენოთ|ნუ ახსენებ|შეტყობინების გარეშე"
        "|մի ասա|մի ասեք|մի նշիր|մի նշեք|առանց տեղեկացնելու|մի տեղեկացրու|մի տեղեկացրեք",
    ),
    (
        # Arabic, Persian, Urdu, Pashto, Hebrew
        "لا تبلغ|لا تعلم المستخدم|دون إبلاغ|دون ابلاغ|دون علم|بدون إخبار|دون إخبار|دون اخبار"
        "|لا داعي (?:لإخبار|لاخبار|لذكر|لإبلاغ|لابلاغ)|لا حاجة (?:لإخبار|لاخبار|لذكر|لإبلاغ)"
        "|لا تشر|چیزی نگویید|ذکر نہ کریں|بتانے کی ضرورت نہیں|مت بتائیں|اطلاع نہ دیں"
        "|مه وایه|مه ورته وایاست|אל תגלה|מבלי ל(?:ספר|יידע)|אין צורך ל(?:ספר|ציין|יידע|הזכיר)",
        # Hindi, Marathi, Nepali, Gujarati, Punjabi, Bengali
        "बताने की (?:ज़रूरत|जरूरत|आवश्यकता) नहीं|बिना बताए|(?:उल्लेख|ज़िक्र|जिक्र) न करें"
        "|सूचित न करें|सांगू नका|सांगण्याची (?:गरज|आवश्यकता) नाही|कळवू नका|न सांगता"
        "|उल्लेख करू नका|नभन्नुहोस्|नबताउनुहोस्|भन्नु पर्दैन|उल्लेख नगर्नुहोस्"
        "|जानकारी नदिनुहोस्|જણાવશો નહીં|કહેશો નહીં|(?:જણાવવાની|કહેવાની) જરૂર નથી"
        "|(?:કહ્યા|જણાવ્યા) વિના|ઉલ્લેખ કરશો નહીં|ਨਾ ਦੱਸੋ|ਨਾ ਦੱਸਿਓ|ਦੱਸਣ ਦੀ ਲੋੜ ਨਹੀਂ"
        "|ਦੱਸੇ ਬਿਨਾਂ|ਜ਼ਿਕਰ ਨਾ ਕਰੋ|বলবেন না|বলার দরকার নেই|না বলে|জানানোর দরকার নেই",
        # Tamil, Telugu, Kannada, Malayalam, Sinhala
        "சொல்ல வேண்டாம்|தெரிவிக்க வேண்டாம்|குறிப்பிட வேண்டாம்|தெரியப்படுத்த வேண்டாம்"
        "|கூற வேண்டாம்|சொல்லாமல்|தெரிவிக்காமல்|చెప్పవద్దు|చెప్పకండి|చెప్పకుండా"
        "|తెలియజేయవద్దు|ప్రస్తావించవద్దు|తెలియజేయకుండా|ಹೇಳಬೇಡಿ|ತಿಳಿಸಬೇಡಿ|ಹೇಳದೆ|ತಿಳಿಸದೆ"
        "|ಉಲ್ಲೇಖಿಸಬೇಡಿ|പറയരുത്|അറിയിക്കരുത്|പറയാതെ|അറിയിക്കാതെ|സൂചിപ്പിക്കരുത്"
        "|പരാമർശിക്കരുത്|කියන්න එපා|නොකියා|දන්වන්න එපා|සඳහන් කරන්න එපා",
        # Amharic, Tigrinya, Khmer, Lao, Burmese
        "አትንገር|አትንገሪ|አትንገሩ|አይንገሩ|አትናገር|አይናገሩ|ሳይነግሩ|ሳትነግር|አታሳውቅ|አታሳውቁ|መግለጽ አያስፈልግም"
        "|መንገር አያስፈልግም|አይግለጹ|ኣይትንገሮ|ኣይትሕበሮ|កុំប្រាប់|កុំនិយាយ|កុំបង្ហាញ|មិនបាច់ប្រាប់|ຢ່າບອກ"
        "|ບໍ່ຕ້ອງບອກ|မပြောပါနှင့်|မပြောနဲ့|မပြောဘဲ|အသိမပေးပါနှင့်",
        # Japanese, Chinese (Simplified, Traditional, Cantonese), Korean, Thai
        "触れないで|表示しないで|示さないで|通知しないで|知らせずに|伝えずに|言及しないで"
        "|明かさないで|知らせないで|不要告訴|不要告诉|無需告知|毋須告知|不必告知|不用告诉"
        "|不用告訴|不要透露|勿告知|不要让用户知道|不要讓用戶知道|不要提及|唔好話|唔使話|唔駛話"
        "|唔好講|唔好同|唔好提|언급하지 마|알리지 마|밝히지 마|말하지 말|알리지 말|언급하지 말"
        "|อย่าแจ้ง|ไม่ต้องกล่าวถึง|อย่ากล่าวถึง",
    ),
)

#: Doing something with data: send, add, write, enter, copy, paste, attach, fill in.
ACTION_WORLD: tuple[tuple[str, ...], tuple[str, ...]] = (
    (
        # South Slavic, Baltic, Estonian, Icelandic
        "pošalji|upiši|unesi|kopiraj|zalijepi|zalepi|priloži|popuni|pošlji|vpiši|vnesi|prilepi"
        "|izpolni|додај|упиши|унеси|копирај|залепи|приложи|попуни|впиши|въведи|копирай"
        "|прикачи|nosūti|pievieno|ieraksti|ievadi|kopē|ielīmē|aizpildi|iekļauj|nusiųsk|išsiųsk"
        "|pridėk|įrašyk|įvesk|nukopijuok|įklijuok|įtrauk|užpildyk|saada\\b|lisa\\b|kirjuta|sisesta"
        "|kopeeri|kleebi|täida|manusta|sendu|bættu við|skrifaðu|settu|afritaðu|límdu|fylltu",
        # Albanian, Catalan, Basque, Dutch
        "dërgo|shto|shkruaj|vendos|kopjo|ngjit|bashkëngjit|plotëso|envia|afegeix|escriu|enganxa"
        "|bidali|gehitu|idatzi|kopiatu|itsatsi|erantsi|vul\\b|vult\\b|zet\\b|kopieer|schrijf",
        # Turkic, Hausa, Zulu/Xhosa, Somali, Malay, Vietnamese
        "göndər|əlavə et|kopyala|daxil et|yuboring|qo'shing|yozing|kiriting|nusxalang"
        "|жіберіңіз|қосыңыз|жазыңыз|енгізіңіз|көшіріңіз|aika\\b|saka\\b|rubuta|kwafi|ƙara|thumela|engeza"
        "|niżżel|ikteb|ibgħat|daħħal|żid"
        "|kopisha|yongeza|faka|bhala|ku dar|ku qor|geli\\b|tuliskan|catat\\b|điền|sao chép|chép"
        "|đính kèm|chèn"
        # Welsh, Quechua
        "|rhowch|anfonwch|ychwanegwch|ysgrifennwch|copïwch|yapay|churay|qillqay"
        # Malagasy, Mongolian, Somali
        "|apetaho|ampidiro|ampio|alefaso|soraty|оруулна|оруул|бичиж|бич\\b|ku dar|ku qor",
        # Georgian, Armenian
        "დაამატე|გაგზავნე|ჩასვი|ჩაწერე|დააკოპირე|მიამაგრე|შეიყვანე|მიაწერ|დაურთ|ավելացր|ուղարկ|գրիր|գրեք"
        "|պատճենիր|տեղադրիր|կցիր",
    ),
    (
        # Arabic, Urdu, Persian, Pashto
        "انسخ|اكتب|املأ|أدرج|ادرج|أدخل|ادخل|ألصق|لکھیں|ڈالیں|درج کریں|کاپی کریں|بنویس|درج کن"
        "|ولیکئ|ولېږئ",
        # Hindi, Marathi, Nepali, Gujarati, Punjabi, Bengali
        "लिखें|लिखिए|भरें|भेजें|जोडा|पाठवा|लिहा|भरा|कॉपी करा|कॉपी करें|चिपकाएँ|चिपकाएं"
        "|थप्नुहोस्|पठाउनुहोस्|लेख्नुहोस्|ઉમેરો|મોકલો|લખો|ભરો|મૂકો|નકલ કરો|જોડો|ਜੋੜੋ|ਭੇਜੋ"
        "|ਲਿਖੋ|ਪਾਓ|ਭਰੋ|ਕਾਪੀ ਕਰੋ|লিখে দিন|লিখুন|বসান|ভরুন|পূরণ করুন",
        # Tamil, Telugu, Kannada, Malayalam, Sinhala
        "சேர்க்க|சேர்த்து|இணைக்க|அனுப்ப|நகலெடு|ஒட்ட|எழுத|நிரப்ப|உள்ளிட|జోడించ|పంపండి"
        "|కాపీ చేయ|అతికించ|రాయండి|నింపండి|చేర్చ|ಸೇರಿಸಿ|ಕಳುಹಿಸಿ|ನಕಲಿಸಿ|ಅಂಟಿಸಿ|ಬರೆಯಿರಿ"
        "|ಭರ್ತಿ ಮಾಡಿ|ചേർക്ക|അയയ്ക്ക|പകർത്ത|ഒട്ടിക്ക|എഴുത|പൂരിപ്പിക്ക|එක් කරන්න|යවන්න"
        "|ලියන්න|පිටපත් කරන්න|ඇතුළත් කරන්න",
        # Amharic, Khmer, Lao, Burmese
        "ይላኩ|ላክ|ያስገቡ|አስገባ|ያክሉ|ጨምር|ይጨምሩ|ይቅዱ|ቅዳ|ይጻፉ|ጻፍ|ያያይዙ|ይለጥፉ|បន្ថែម|ផ្ញើ"
        "|សរសេរ|ចម្លង|បិទភ្ជាប់|ເພີ່ມ|ສົ່ງ|ຂຽນ|ထည့်|ပို့|ရေး",
        # Japanese, Chinese, Korean, Thai
        "貼り付け|記入|追加|コピー|書き込|入力|貼上|填入|填写|填寫|寫入|写入|複製|复制|發送|发送"
        "|加入|附上|寫喺|放喺|붙여넣|기입|입력|복사|추가|เขียน|วาง",
    ),
)

#: Secrets: passwords, access codes.
SECRET_WORLD: tuple[tuple[str, ...], tuple[str, ...]] = (
    (
        "lozink|лозинк|gesl[oa]|slaptažod|parool|salasõna|lykilorð|fjalëkalim|pasahitz"
        "|contrasenya|contraseñ|[cg]yfrinair|chyfrinair|nghyfrinair|pasfhocal|kalmar sirri"
        "|iphasiwedi|furaha sirta|erayga sirta"
        "|şifrə|құпия сөз|құпиясөз|нууц үг|ọ̀rọ̀ aṣínà|ọrọ igbaniwọle|oro asina|okwuntughe"
        "|პაროლ|գաղտնաբառ|tenimiafina|baasaboor|лозинк",
    ),
    (
        "كلمات المرور|كلمه المرور|رمز المرور|પાસવર્ડ|ਪਾਸਵਰਡ|கடவுச்சொல்|పాస్‌వర్డ్|పాస్వర్డ్"
        "|ಪಾಸ್‌ವರ್ಡ್|ಪಾಸ್ವರ್ಡ್|പാസ്‌വേഡ്|പാസ്വേഡ്|මුරපද|የይለፍ ቃል|ពាក្យសម្ងាត់|ລະຫັດຜ່ານ"
        "|စကားဝှက်|密碼|パスコード|暗証番号|憑證|認証情報|アクセストークン|인증 정보",
    ),
)

#: The conversation: what the user said so far.
CONVERSATION_WORLD: tuple[tuple[str, ...], tuple[str, ...]] = (
    (
        "razgovor|разговор|resaka|ярианы|яриа\\b|wada hadal|pogovor|saruna|pokalb|vestlus"
        "|samtal|bised|elkarrizket|sgwrs|comhrá|söhbət"
        "|sohbet|konuşma|suhbat|әңгіме|tattaunawa|ingxoxo|wadahadal|ìjíròrò|ibaraẹnisọrọ"
        "|trò chuyện|საუბარ|զրույց",
    ),
    (
        "संभाषण|कुराकानी|વાતચીત|ਗੱਲਬਾਤ|உரையாட|సంభాషణ|ಸಂಭಾಷಣೆ|സംഭാഷണ|සංවාද|ውይይት"
        "|ការសន្ទនា|ການສົນທະນາ|စကားပြော|對話|对话|聊天紀錄|傾偈|トーク履歴|やり取り|بات چیت",
    ),
)
