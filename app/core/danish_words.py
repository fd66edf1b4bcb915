"""The Danish word lists the normaliser reads: what callers add around a need, and what it never is.

Editing a list changes what the matcher hears; `voicebot intents eval` says what that costs.
"""

from __future__ import annotations

from .redact import NUMBER_WORDS

HESITATIONS = frozenset("øh øhm øhh øhhm eh ehm hm hmm mm mmm".split())
"""Sounds, not words: never what a caller means, even alone."""

ENGLISH_FILLERS = frozenset(
    "an my your me you how what where when why who do does can could would should will am are "
    "was were this that we our they with of about in on get got need want hello hi".split()
)
"""English function words a newcomer's turn is built on ("how do i get a health card"): they
say no more than Danish ones do, and unknown to the examples they would weigh against every
need. Words Danish has too are left to Danish: "i", "to", "for", "have", "a" ("a-kasse"),
"it" ("it-hjælp"), "is" ("der er is på fortovet")."""

FILLER_WORDS = (
    HESITATIONS
    | ENGLISH_FILLERS
    | frozenset(
        "altså ligesom nå nåh jamen bare lige sådan egentlig faktisk godt vel okay ok tak ellers "
        "tusind pls plz please plis mvh vh evt osv ca".split()
    )
)
"""Words that carry nothing for the matcher wherever they stand ("tak" is politeness)."""

FILLER_PHRASES: tuple[tuple[str, ...], ...] = tuple(
    tuple(p.split())
    for p in sorted(
        [
            "ja hej",
            "ja altså",
            "ja øh",
            "ja øhm",
            "hej med dig",
            "hej",
            "goddag",
            "god dag",
            "godmorgen",
            "god morgen",
            "jeg ringer fordi",
            "jeg ringer angående",
            "jeg ringer for at",
            "jeg ringer om",
            "jeg ringer",
            "jeg ville høre",
            "jeg vil gerne høre",
            "jeg ville gerne høre",
            "jeg ville bare høre",
            "mit navn er",
            "må jeg spørge",
            "et spørgsmål",
            "i forhold til",
            "med hensyn til",
            "angående",
            "vedrørende",
            "jeg har et spørgsmål",
            "jeg har et spørgsmål om",
        ],
        key=len,
        reverse=True,
    )
)
"""Openers callers put before the request; removed only when something is left after them."""

STOPWORDS = frozenset(
    """
    af alle alt at blev blive bliver da de dem den denne der deres det dette dig din dine disse
    du efter eller en end er et for fra fordi ham han hans har havde have hende her hos hun hvad
    hvem hvor hvordan hvis i igen ind jeg jer kan kunne man mange med meget men mig
    min mine mit mod må måske nogen noget nu når og også om op os over på sig sin sine sit skal
    skulle som så til ud under var vi vil ville være været hvilken hvilke gerne the jeres lidt
    selv sine thi vores jeres hen henne ned oppe nede inde ude deri
    hertil herhen herfra dertil derhen derfra halv halvt hel hele hundrede tusinde
    dag morgen går uge uger måned næste sidste stadig snart altid aldrig nogle lige
    januar februar marts april maj juni juli august september oktober november december
    mandag tirsdag onsdag torsdag fredag lørdag søndag weekend
    første anden andet tredje fjerde femte sjette syvende ottende niende tiende
    spørgsmål spørge
    cpr cprnummer cprnummeret personnummer nummer nummeret telefonnummer mobilnummer mail email
    mailadresse
    """.split()
) | frozenset(NUMBER_WORDS)
"""Function, time and number words ("den første december", "en to tre"): a date or a number
the caller adds (and the words that announce a CPR or phone number) says nothing about what they
want, unless it is near (`SOON`: a hurry). The rest is content; "hvornår" is too, since asking
when ("hvornår får jeg min kontanthjælp") is another need than asking how ("hvordan får jeg
kontanthjælp")."""

STORY_WORDS = frozenset(
    """
    mor far mand kone søn datter barn børn baby kæreste svigermor svigerfar svigerinde bror
    søster nabo naboen naboer ven veninde venner familie familien forældre bedstemor bedstefar
    mormor morfar farmor farfar eksmand ekskone papa mama dreng pige
    svært svær nemt let ny nyt nye gammel gamle gammelt stor store større lille små mindre høj
    lav lang langt kort kortere længe rigtig rigtigt virkelig helt heller endnu allerede
    stadigvæk desværre heldigvis pludselig sammen alene normalt straks
    før mens imod ifølge foran frem nær hver hvert mest kun nok slet tit ofte
    hverken flere andre begge hinanden
    ved vide ved tænker tænkte tror troede synes syntes sagde siger sagt fortalt fortalte hørt
    hørte ringet ringede prøvet prøvede købe køber købt købte kommet kom gået gik ligger lå står
    stod bor boet boede sidder sad laver lavede gjort gjorde gøre gør fik brug ting grund problem
    problemer situation hjem hjemme derhjemme aften aftes formiddag eftermiddag nat år måneder
    dage timer siden længere vejr vejret regn regner sol solen blæser ændre ændrer ændret ændres
    stop stoppe stopper stoppet stoppede
    """.split()
)
"""Everyday words of a story ("min svigermor har svært ved …", "vi har lige købt"): said around
a need, never the need. Unknown to the examples, they are left out instead of weighing against
every intent; an example that uses one keeps it."""

_COUNTRIES = """
    tyskland sverige norge finland island england storbritannien skotland irland frankrig spanien
    portugal italien grækenland holland nederlandene belgien schweiz østrig polen tjekkiet ungarn
    rumænien bulgarien litauen letland estland ukraine rusland tyrkiet syrien irak iran afghanistan
    pakistan indien kina japan thailand vietnam filippinerne usa amerika canada mexico brasilien
    argentina australien marokko egypten somalia eritrea etiopien nigeria kenya bosnien serbien
    kroatien kosovo albanien libanon israel palæstina dubai
"""
_NATIONALITIES = """
    tysk svensk norsk finsk islandsk britisk skotsk irsk fransk spansk portugisisk italiensk græsk
    hollandsk belgisk schweizisk østrigsk polsk tjekkisk ungarsk rumænsk bulgarsk litauisk lettisk
    estisk ukrainsk russisk tyrkisk syrisk irakisk iransk afghansk pakistansk indisk kinesisk
    japansk thailandsk vietnamesisk filippinsk amerikansk canadisk mexicansk brasiliansk
    argentinsk australsk marokkansk egyptisk somalisk eritreisk etiopisk nigeriansk bosnisk serbisk
    kroatisk albansk libanesisk
"""
FOREIGN = {country: "udlandet" for country in _COUNTRIES.split()} | {
    form: "udenlandsk" for n in _NATIONALITIES.split() for form in (n, f"{n}e")
}
"""A country or nationality named ("et polsk kørekort", "flytte til spanien") is abroad: what
matters to a need is that it is not Denmark. Greenland and the Faroes are left out: moving
there is no move abroad."""

HURRY = "straks"
SOON = {
    phrase.strip(): HURRY
    for phrase in """i dag, i morgen, i overmorgen, i aften, i nat, samme dag, på en dag, om en dag,
    om to dage, om tre dage, om et par dage, om få dage""".split(",")
}
"""A near date ("vi flyver i morgen") is a hurry: context for most needs, the need itself for
an urgent passport. "straks" is a story word, so a hurry alone never tells a need."""

ENGLISH_TERMS = {
    "health card": "sundhedskort",
    "health insurance card": "sundhedskort",
    "yellow card": "sundhedskort",
    "medical card": "sundhedskort",
    "residence permit": "opholdstilladelse",
    "residence card": "opholdstilladelse",
    "work permit": "opholdstilladelse",
    "social security number": "cpr",
    "address": "adresse",
    "move": "flytte",
    "moving": "flytte",
    "moved": "flyttet",
    "passport": "pas",
    "driving licence": "kørekort",
    "driving license": "kørekort",
    "drivers license": "kørekort",
    "driver s license": "kørekort",
    "danish course": "danskuddannelse",
    "danish courses": "danskuddannelse",
    "danish classes": "danskuddannelse",
    "danish lessons": "danskuddannelse",
    "learn danish": "danskuddannelse",
    "appointment": "tid",
    "citizen service": "borgerservice",
    "citizens service": "borgerservice",
    "garbage": "affald",
    "trash": "affald",
    "rubbish": "affald",
    "waste": "affald",
    "doctor": "læge",
    "unemployed": "ledig",
    "unemployment benefit": "dagpenge",
    "job centre": "jobcenter",
    "job center": "jobcenter",
    "sick pay": "sygedagpenge",
    "child benefit": "børnepenge",
    "kindergarten": "børnehave",
    "nursery": "vuggestue",
    "school": "skole",
    "housing benefit": "boligstøtte",
    "pregnant": "gravid",
    "interpreter": "tolk",
    "citizenship": "statsborgerskab",
    "tax": "skat",
    "taxes": "skat",
    "criminal record": "straffeattest",
    "home care": "hjemmehjælp",
    "home help": "hjemmehjælp",
    "digital mail": "digital post",
    "lost": "mistet",
    "stolen": "stjålet",
    "renew": "forny",
    "apply": "søge",
    "money": "penge",
    "help": "hjælp",
    "expiring": "udløber",
    "expired": "udløbet",
    "married": "gift",
    "wedding": "bryllup",
    "dentist": "tandlæge",
}
"""A newcomer's English for the municipality's things ("my residence permit is expiring"), read
as the Danish word the examples use. Only words that mean nothing else in Danish ("rent" is
"clean" here, so it is left out)."""

DANISH_PLACES = frozenset(
    """
    københavn frederiksberg århus odense ålborg esbjerg randers kolding horsens vejle roskilde
    herning silkeborg næstved fredericia viborg køge holstebro slagelse hillerød svendborg
    hjørring holbæk frederikshavn ringsted haderslev skive helsingør lejre ballerup glostrup
    albertslund ishøj brøndby hvidovre rødovre greve solrød vallensbæk herlev gladsaxe gentofte
    lyngby tårnby dragør amager valby nørrebro vesterbro østerbro hedehusene fløng sengeløse
    tåstrup bornholm fyn jylland sjælland lolland falster møn
    """.split()
)
"""Danish towns said in a story ("vi flytter fra roskilde"): where, never what. Unknown to the
examples, they are left out like story words instead of weighing against every intent."""
PLACE_PHRASES = {"høje tåstrup": "tåstrup"}
"""Town names of two words, read as one (else "høje" is "high", as in "for høj husleje")."""
EVERYDAY = STORY_WORDS | DANISH_PLACES
"""Words left out when no example knows them, and never taken for a near spelling."""

ANIMALS = frozenset(
    """
    hund hunden hunde hundene hundehvalp hvalp hvalpen kat katten katte kattene killing
    killingen hest hesten heste fugl fuglen fugle undulat undulaten papegøje kanin kaninen
    kaniner marsvin hamster hamsteren skildpadde pindsvin pindsvinet gris grise høns høne hønen
    ged geden
    """.split()
)
"""Pets and animals: said as the subject, the request is about the animal, and a need whose
examples never name one ("min kat er død hvor kan jeg begrave den") is not what is asked."""

CALL_WORDS = frozenset("ring ringe ringer ringet ringede opringning".split())
"""Said on any phone call ("ring på 12 34 56 78", "jeg ringer fordi …"): never the word that tells
one need from another, even where an example uses it ("hvornår kan jeg ringe til jer")."""

TRAILING_WORDS = HESITATIONS | frozenset(
    "og eller men så at til om fordi hvis den det en et min mit mine din dit med for på i af "
    "som der jeg vil skal kan har nummer gerne".split()
)
"""Words a sentence does not end on: a caller who stops after one is still talking."""

LEADING_ANSWERS = frozenset({"ja", "nej", "jo", "jamen"})
"""A yes or no that opens a longer request ("ja jeg skal forny …") is not the request."""
PLACE_PREPOSITIONS = frozenset({"til"})
"""An unknown word right after "til" is most often where to ("flytte til roskilde"); after "i"
or "fra" it is as often the thing asked about ("rotter i kælderen", "støj fra byggepladsen")."""


KEPT_STEMS = {
    word: kept
    for kept, words in {
        "ledig": "ledig ledige ledigt lediges ledighed ledigheden",
        "læge": "læge lægen lægens læger lægerne",
        "passe": "passe passer passes",
        "gælde": "gælde gælder gældende",
        "tidlig": "tidlig tidligt tidlige tidligere",
        "farlig": "farlig farligt farlige",
        "billig": "billig billigt billige billigere",
        "venlig": "venlig venligt venligst",
        "personlig": "personlig personligt personlige",
        "fyret": "fyret fyres fyrede",
    }.items()
    for word in words.split()
}
"""Everyday words Snowball stems onto a need's word, given their own stem: "leder" (looks for)
and "ledig" both became "led", "lægge" and "læge" "læg", "passer" and "pas" "pas", "gælder" and
"gæld" "gæld", "tidligere" and "tid" "tid", "personlig" and "person" "person", "fyret"
(dismissed) and "oliefyr" (a furnace) "fyr"."""


SHORTHAND = {
    "ikk": "ikke",
    "ik": "ikke",
    "hva": "hvad",
    "ha": "have",
    "ka": "kan",
    "ska": "skal",
    "sån": "sådan",
    "dvs": "det vil sige",
    "kl": "klokken",
    "ku": "kunne",
    "sku": "skulle",
    "bli": "blive",
    "gi": "give",
    "ifht": "i forhold til",
    "iht": "i henhold til",
    "mht": "med hensyn til",
    "pga": "på grund af",
    "vedr": "vedrørende",
    "ang": "angående",
    "tlf": "telefon",
    "nr": "nummer",
    "info": "information",
}
"""Chat shorthand and spoken contractions, written out: "ikk", "ifht", "skal ha"."""
