"""SRE 9.c: the shipped lexicons cover every protected ground, in Spanish and English.

Each entry added for a ground has a guard: an ordinary sentence using the
innocent words around it (the ground itself, a look-alike, a neutral
neighbour) that must not score at all.
"""

from __future__ import annotations

import pytest

from aduana.content.lexicon import LexiconMatcher, score, shipped_lexicons

GROUNDS = (
    "race", "sex", "age", "sexual_orientation", "marital_status", "religion",
    "national_origin", "disability",
)  # fmt: skip

# (ground, hostile text the lists must catch, ordinary text they must not flag)
SPANISH = [
    ("age", "Ese vejestorio ya no sirve", "Programa de apoyo a personas adultas mayores."),
    ("age", "el carcamal de contabilidad", "El reglamento anterior a 2005 sigue vigente."),
    (
        "age",
        "Eres un viejo decrépito",
        "El edificio decrépito será demolido; el viejo archivo se muda.",
    ),
    ("age", "Esas viejas inútiles no aprenden", "La vieja impresora quedó inútil tras la falla."),
    ("age", "viejo rabo verde", "El expediente viejo tiene la carátula verde."),
    ("religion", "No seas judío, paga tu parte", "La comunidad judía celebra su año nuevo."),
    ("religion", "perro judío", "El perro guía acompañó al visitante judío."),
    ("religion", "perros judíos", "Los perros del albergue; los rabinos judíos."),
    ("religion", "sucio judío", "El piso está sucio; el calendario judío es lunar."),
    ("religion", "judíos de mierda", "Los judíos y los musulmanes del comité interreligioso."),
    (
        "religion",
        "muerte a los judíos",
        "El aniversario de la muerte del rabino; los judíos asistieron.",
    ),
    (
        "religion",
        "ese musulmán terrorista",
        "El terrorismo fue condenado por los líderes musulmanes.",
    ),
    ("religion", "musulmanes terroristas", "Los musulmanes del consulado organizaron la cena."),
    ("religion", "moro de mierda", "La arquitectura mora de Granada."),
    ("religion", "moros de mierda", "Moros y cristianos es un platillo cubano."),
    ("religion", "pinche chupacirios", "Se encendieron los cirios en la ceremonia."),
    ("religion", "la comehostias de la oficina", "La hostia consagrada; la religión católica."),
    ("religion", "evangélicos de mierda", "La iglesia evangélica solicitó el permiso."),
    (
        "religion",
        "católicos de mierda",
        "La religión de cada persona se respeta; católicos y protestantes.",
    ),
    (
        "marital_status",
        "la solterona de recursos humanos",
        "Estado civil: soltera. Madre soltera con dos hijos.",
    ),
    (
        "marital_status",
        "esas solteronas amargadas",
        "Las personas solteras pueden solicitar el apoyo.",
    ),
    ("marital_status", "pobre cornudo", "El venado tiene cuernos; el toro cornea."),
    ("marital_status", "la cornuda del tercer piso", "La divorciada y la viuda reciben pensión."),
    ("marital_status", "todos unos cornudos", "El acta de matrimonio y la de divorcio."),
    ("sex", "pinches feminazis", "El feminismo y la igualdad de género en el servicio exterior."),
    (
        "sex",
        "las mujeres a la cocina",
        "Las mujeres del equipo prepararon la reunión en la cocina.",
    ),
    ("sex", "vieja histérica", "La histeria colectiva de la Edad Media; una vieja crónica."),
    ("sex", "son unas viejas histéricas", "Las viejas crónicas históricas del archivo."),
    (
        "sexual_orientation",
        "esa machorra",
        "El macho de la especie; la orientación sexual se respeta.",
    ),
    ("sexual_orientation", "puras machorras", "Los machos adultos de la manada."),
    ("sexual_orientation", "marimacha", "La marimba del festival; la diversidad sexual."),
    ("sexual_orientation", "unas marimachas", "Las muchachas del equipo de marimba."),
    ("disability", "eres un mongólico", "La embajada en Mongolia; el pueblo mongol."),
    ("disability", "la mongólica esa", "Personas con síndrome de Down participan en el programa."),
    ("disability", "esos mongólicos", "La estepa de Mongolia y sus pueblos mongoles."),
    ("disability", "eres un subnormal", "La temperatura está por debajo de lo normal."),
    ("disability", "son unos subnormales", "Los valores anormales del análisis; la discapacidad."),
    ("disability", "retrasada mental", "El vuelo se ha retrasado; la salud mental importa."),
    ("disability", "bola de retrasados mentales", "Pagos retrasados; trastornos mentales."),
    ("race", "pinche indio", "Los pueblos indígenas; el Océano Índico; el indio Juan Diego."),
    ("race", "pinches indios", "Los indios de Norteamérica; la cultura indígena."),
    ("race", "negro asqueroso", "El traje negro; la raza no define a nadie."),
    ("race", "negros asquerosos", "Los autos negros de la comitiva; el olor era asqueroso."),
    ("race", "chino cochino", "El idioma chino; la cochinita pibil."),
    ("national_origin", "pinche espalda mojada", "Me dolía la espalda; la ropa mojada."),
    (
        "national_origin",
        "los espaldas mojadas",
        "Las espaldas de los asientos estaban mojadas por la lluvia.",
    ),
    ("national_origin", "regrésate a tu país", "El cónsul regresó a su país de origen."),
    (
        "national_origin",
        "lárgate a tu país",
        "La nacionalidad de origen no importa; su país lo apoya.",
    ),
]
ENGLISH = [
    ("age", "you old fart", "The old file was archived; older staff are welcome."),
    ("age", "those old farts upstairs", "Age discrimination is prohibited."),
    ("age", "that old hag", "The old hangar was repainted."),
    ("age", "a bunch of old hags", "Older adults have the same rights."),
    ("age", "senile old fool", "Senior citizens discount; a fool's errand."),
    ("age", "decrepit old fool", "The decrepit old building will be restored."),
    ("religion", "raghead", "The rag was on the head of the table."),
    ("religion", "ragheads", "Religion is a protected ground."),
    ("religion", "towelhead", "Towels are at the head of the pool."),
    ("religion", "towelheads", "Muslim and Sikh staff attended."),
    ("religion", "muzzie", "Muslim colleagues observe Ramadan."),
    ("religion", "muzzies", "The museum opens at nine."),
    ("religion", "christ killers", "The Christian and Jewish communities met."),
    ("religion", "dirty jew", "The dirty dishes; the Jewish holidays."),
    ("religion", "dirty jews", "Jews and Christians signed the letter."),
    ("religion", "tried to jew him down", "The Jewish calendar; prices went down."),
    ("religion", "bible thumpers", "The Bible study group meets on Thursday."),
    (
        "marital_status",
        "she is a homewrecker",
        "Marital status: divorced. Home repairs start Monday.",
    ),
    ("marital_status", "those homewreckers", "Single parents may apply."),
    ("marital_status", "a home wrecker", "The home was wrecked by the storm."),
    ("marital_status", "shut up cuck", "The cucumber salad; the cuckoo clock."),
    ("marital_status", "cucks", "Married and unmarried staff alike."),
    ("sex", "she is a slut", "The slot machine; gender equality."),
    ("sex", "sluts", "Women and men are paid equally."),
    ("sex", "whore", "The shore is close; the whole team attended."),
    ("sex", "whores", "Who reserves the room?"),
    ("sex", "women belong in the kitchen", "The women of the team met in the kitchen."),
    ("sexual_orientation", "shemale", "She and the male colleagues attended."),
    ("sexual_orientation", "shemales", "Sexual orientation is a protected ground."),
    ("sexual_orientation", "lesbo", "Lesbian and gay staff network."),
    ("sexual_orientation", "fudge packer", "The fudge was packed for the fair."),
    ("disability", "you spaz", "The space program; staff with disabilities."),
    ("disability", "mongoloid", "The Mongolian delegation arrived."),
    ("disability", "those mongoloids", "People with Down syndrome took part."),
    ("disability", "window licker", "The window was cleaned; licking stamps."),
    ("race", "gook", "Google search; the cook is here."),
    ("race", "gooks", "Race is a protected ground."),
    ("race", "darkie", "The dark room; a darker shade."),
    ("race", "darkies", "Dark chocolate cookies."),
    ("race", "porch monkey", "The porch light; the monkey exhibit."),
    ("race", "jungle bunny", "The jungle exhibit; the Easter bunny."),
    ("race", "zipperhead", "The zipper broke; head of unit."),
    ("national_origin", "beaner", "The bean harvest; Mexican nationals."),
    ("national_origin", "beaners", "Beans and rice."),
    ("national_origin", "paki", "Pakistani consulate; the Pakistan desk."),
    ("national_origin", "pakis", "National origin is a protected ground."),
    ("national_origin", "wop", "The workshop; Italian nationals."),
    ("national_origin", "wops", "Work on weekends."),
    (
        "national_origin",
        "go back to your country",
        "The consul will go back to her country in May.",
    ),
]
CASES = SPANISH + ENGLISH


@pytest.fixture(scope="module")
def shipped() -> LexiconMatcher:
    return LexiconMatcher(shipped_lexicons())


def test_every_protected_ground_of_sre_9c_has_entries_in_both_languages() -> None:
    assert {ground for ground, _, _ in SPANISH} == set(GROUNDS)
    assert {ground for ground, _, _ in ENGLISH} == set(GROUNDS)


@pytest.mark.parametrize(("ground", "hostile", "ordinary"), CASES, ids=[c[1] for c in CASES])
def test_hostile_text_about_a_protected_ground_scores_as_offensive(
    shipped: LexiconMatcher, ground: str, hostile: str, ordinary: str
) -> None:
    assert score(shipped.match(hostile)).get("offensive", 0) >= 2
    assert score(shipped.match(hostile.upper())).get("offensive", 0) >= 2


@pytest.mark.parametrize(("ground", "hostile", "ordinary"), CASES, ids=[c[2] for c in CASES])
def test_ordinary_text_about_the_same_ground_does_not_score(
    shipped: LexiconMatcher, ground: str, hostile: str, ordinary: str
) -> None:
    assert shipped.match(ordinary) == ()
