"""What the demo seeds: four Dorftreffs of the Samtgemeinde Bersenbrück (Landkreis Osnabrück),
in four of its small member municipalities, with a year of history.

Only data lives here; ``services.demo.seed`` turns it into commands. Weekdays are RRULE BYDAY
codes, times are Europe/Berlin wall clock. Trainings take place on Saturday mornings in rooms
that hold no session then. Every person is fictitious; e-mails are at ``example.org``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import time

from services.platform.settings import DEMO_ADMIN_PASSWORD

SEED = 20261206
DEMO_PASSWORD = DEMO_ADMIN_PASSWORD
"""Every demo account signs in with the README's demo password."""

MONTHS_BACK = 12
"""The history begins on the first day of the month a year ago."""
WEEKS_AHEAD = 6
"""Sessions are planned this far ahead."""
SHIFT_WEEKS_AHEAD = 4
FOOD_HYGIENE, FIRST_AID = "food_hygiene", "first_aid"

PROVIDER = "Samtgemeinde Bersenbrück, Fachdienst IV Soziales"
PROGRAMME = "Land Niedersachsen: Soziale Stadt- und Ortsentwicklung, Dorftreffs"
FUNDING_REFERENCE = "SG-BSB IV/2026-014 (fiktiv)"
EUR_PER_HOUR, EUR_PER_HOUR_LATER = 15.0, 17.5
"""The rate per volunteer hour from the history's first day, and from the month six months
ago on (the programme raised it mid-year)."""
RATE_RAISED_MONTHS_BACK = 6


@dataclass(frozen=True)
class RoomPlan:
    key: str
    name: str
    capacity: int


@dataclass(frozen=True)
class ShiftPlan:
    title: str
    before: int
    """Minutes before the session starts."""
    after: int
    """Minutes after the session ends."""
    capacity: int
    required: tuple[str, ...] = ()


@dataclass(frozen=True)
class OfferPlan:
    key: str
    title: str
    category: str
    description: str
    room: str
    weekday: str
    start: time
    minutes: int
    visitors: int
    """The usual number of visitors (fewer in summer)."""
    shift: ShiftPlan | None = None
    popular_shift: bool = False
    """Its first upcoming shift gets more volunteers than places: a waitlist."""


@dataclass(frozen=True)
class ErrandPlan:
    """Hours outside shifts, on a timesheet: each week, on a weekday morning."""

    activity: str
    weekday: int
    """0 is Monday."""
    start: time
    minutes: int


@dataclass(frozen=True)
class VillagePlan:
    key: str
    village: str
    rooms: tuple[RoomPlan, ...]
    offers: tuple[OfferPlan, ...]
    training_room: str
    errand: ErrandPlan

    @property
    def site_name(self) -> str:
        return f"Dorftreff {self.village}"

    @property
    def coordinator_email(self) -> str:
        return f"koordination.{self.key}@treffpunkt.example"


KITCHEN = ShiftPlan("Küchendienst", before=120, after=30, capacity=3, required=(FOOD_HYGIENE,))
BAR = ShiftPlan("Ausschank", before=30, after=15, capacity=2)

VILLAGES = (
    VillagePlan(
        key="eggermuehlen",
        village="Eggermühlen",
        rooms=(RoomPlan("saal", "Saal im Alten Pfarrhaus", 50), RoomPlan("kueche", "Küche", 10),
               RoomPlan("gruppenraum", "Gruppenraum", 14)),
        offers=(
            OfferPlan("mittagstisch-eggermuehlen", "Mittagstisch", "community",
                      "Gemeinsam zu Mittag essen: frisch gekocht, für 4,50 € pro Teller.",
                      "saal", "TU", time(12), 120, 26, shift=KITCHEN, popular_shift=True),
            OfferPlan("zeitungscafe-eggermuehlen", "Zeitungscafé", "participation",
                      "Bersenbrücker Kreisblatt, Kaffee und Gespräche über das Dorf.",
                      "kueche", "FR", time(9, 30), 120, 9, shift=BAR),
            OfferPlan("sitzgymnastik-eggermuehlen", "Sitzgymnastik", "movement",
                      "Beweglich bleiben im Sitzen und Stehen, mit Musik.",
                      "saal", "TH", time(10), 60, 13),
            OfferPlan("hospiz-eggermuehlen", "Hospizbegleitung: offener Gesprächskreis",
                      "mental_health", "Ehrenamtliche Hospizbegleiterinnen hören zu und "
                      "begleiten Angehörige.", "gruppenraum", "MO", time(18), 90, 6),
        ),
        training_room="gruppenraum",
        errand=ErrandPlan("Einkauf und Vorbereitung Mittagstisch", 0, time(9), 120),
    ),
    VillagePlan(
        key="gehrde",
        village="Gehrde",
        rooms=(RoomPlan("saal", "Saal", 40), RoomPlan("gruppenraum", "Gruppenraum", 15)),
        offers=(
            OfferPlan("babymassage-gehrde", "Babymassage", "mental_health",
                      "Berührung, Ruhe und Austausch für Eltern mit Babys bis zwölf Monate.",
                      "gruppenraum", "WE", time(10), 60, 6),
            OfferPlan("naturspaziergang-gehrde", "Naturspaziergang an der Hase", "movement",
                      "Gemütliche Runde durch Feld und Wald, mit Blick auf Vögel und Kräuter.",
                      "saal", "SA", time(14), 120, 11),
            OfferPlan("repaircafe-gehrde", "Repair-Café", "civic_engagement",
                      "Ehrenamtliche reparieren Toaster, Fahrräder und Kleidung mit Ihnen.",
                      "saal", "TH", time(17), 150, 10,
                      shift=ShiftPlan("Reparaturhilfe", before=30, after=30, capacity=2),
                      popular_shift=True),
            OfferPlan("smartphone-gehrde", "Smartphone-Sprechstunde", "participation",
                      "Hilfe bei WhatsApp, Online-Banking und Bahn-App, ohne Fachchinesisch.",
                      "gruppenraum", "TU", time(15), 90, 5,
                      shift=ShiftPlan("Technikhilfe", before=15, after=15, capacity=2)),
        ),
        training_room="gruppenraum",
        errand=ErrandPlan("Fahrdienst zum Arzt und Einkauf", 1, time(8, 30), 150),
    ),
    VillagePlan(
        key="kettenkamp",
        village="Kettenkamp",
        rooms=(RoomPlan("saal", "Saal", 50), RoomPlan("kueche", "Küche", 10),
               RoomPlan("gruppenraum", "Gruppenraum", 14)),
        offers=(
            OfferPlan("mittagstisch-kettenkamp", "Mittagstisch", "community",
                      "Mittagessen in Gesellschaft, jeden Donnerstag.",
                      "saal", "TH", time(12), 120, 21, shift=KITCHEN),
            OfferPlan("spieleabend-kettenkamp", "Spieleabend", "community",
                      "Doppelkopf, Skat und Brettspiele für alle Generationen.",
                      "saal", "WE", time(19), 150, 12),
            OfferPlan("kochen-kettenkamp", "Kochen für Jung und Alt", "participation",
                      "Kinder und Großeltern kochen zusammen nach Rezepten aus dem Dorf.",
                      "kueche", "FR", time(16), 120, 9,
                      shift=ShiftPlan("Kochbegleitung", before=30, after=30, capacity=2,
                                      required=(FOOD_HYGIENE,))),
            OfferPlan("kultur-kettenkamp", "Kultur am Nachmittag: Lesung und Musik",
                      "participation", "Plattdeutsche Geschichten, Lieder und Kuchen.",
                      "saal", "MO", time(15), 90, 15),
        ),
        training_room="gruppenraum",
        errand=ErrandPlan("Besuchsdienst im Seniorenheim", 2, time(9, 30), 120),
    ),
    VillagePlan(
        key="rieste",
        village="Rieste",
        rooms=(RoomPlan("gemeinschaftsraum", "Gemeinschaftsraum", 30),
               RoomPlan("besprechung", "Besprechungsraum", 10)),
        offers=(
            OfferPlan("zeitungscafe-rieste", "Zeitungscafé", "participation",
                      "Die Zeitung von heute und ein Stück Kuchen.",
                      "gemeinschaftsraum", "TU", time(9, 30), 120, 8, shift=BAR),
            OfferPlan("seniorengymnastik-rieste", "Seniorengymnastik", "movement",
                      "Gymnastik für Kraft, Gleichgewicht und gute Laune.",
                      "gemeinschaftsraum", "WE", time(10), 60, 12),
            OfferPlan("engagement-rieste", "Engagement-Sprechstunde", "civic_engagement",
                      "Wo werde ich gebraucht? Beratung zu Ehrenamt am Alfsee und im Ort.",
                      "besprechung", "MO", time(17), 90, 4),
            OfferPlan("nachbarschaft-rieste", "Nachbarschaftstreffen", "community",
                      "Was steht an im Dorf? Ideen, Hilfe unter Nachbarn, Termine.",
                      "gemeinschaftsraum", "TH", time(19), 90, 8),
        ),
        training_room="besprechung",
        errand=ErrandPlan("Garten- und Hofpflege am Dorftreff", 3, time(9), 120),
    ),
)


@dataclass(frozen=True)
class TrainingPlan:
    title: str
    qualification: str
    valid_for_months: int
    capacity: int
    attendees: int
    """How many of the volunteers (the next in a seeded rotation) attend."""
    no_shows: int = 0


MONTHLY_TRAININGS = (
    TrainingPlan("Belehrung Lebensmittelhygiene (§ 43 IfSG)", FOOD_HYGIENE, 24, 16, 14, 1),
    TrainingPlan("Hygiene-Kurzeinweisung (vorläufig)", FOOD_HYGIENE, 12, 8, 5),
    TrainingPlan("Erste Hilfe Grundkurs", FIRST_AID, 24, 14, 10, 1),
    TrainingPlan("Demenz verstehen: Begleitung im Alltag", "dementia_care", 36, 14, 9),
    TrainingPlan("Datenschutz im Ehrenamt", "data_protection", 24, 20, 12),
    TrainingPlan("Kinderschutz: Grundlagen für Ehrenamtliche", "child_protection", 36, 12, 8),
    TrainingPlan("Hospizbegleitung: Einführung", "hospice_basics", 36, 10, 6),
    TrainingPlan("Erste Hilfe am Kind", FIRST_AID, 24, 12, 8),
    TrainingPlan("Brandschutzhelfer im Dorftreff", "fire_safety", 36, 12, 8),
    TrainingPlan("Bewegung anleiten: Sturzprophylaxe", "fall_prevention", 36, 12, 7),
    TrainingPlan("Digitale Hilfe: Smartphone erklären", "digital_help", 36, 12, 8),
    TrainingPlan("Gesprächsführung mit Hörgeschädigten", "hearing_loss", 36, 12, 7),
)
"""One a month, the first month first; each at the next village in turn."""
FIRST_HYGIENE, SHORT_HYGIENE = 0, 1
"""The months whose trainings grant food hygiene: the long course, and a provisional one that
ends within the next weeks (its holders are enrolled in the refresher)."""

CATALOGUE = (
    (FOOD_HYGIENE, "Lebensmittelhygiene", "Food hygiene", 24),
    (FIRST_AID, "Erste Hilfe", "First aid", 24),
    ("dementia_care", "Demenzbegleitung", "Dementia care", 36),
    ("data_protection", "Datenschutz", "Data protection", 24),
    ("child_protection", "Kinderschutz", "Child protection", 36),
    ("hospice_basics", "Hospizbegleitung", "Hospice care", 36),
    ("fire_safety", "Brandschutzhelfer", "Fire safety", 36),
    ("fall_prevention", "Sturzprophylaxe", "Fall prevention", 36),
    ("digital_help", "Digitale Hilfe", "Digital help", 36),
    ("hearing_loss", "Gesprächsführung Hörgeschädigte", "Talking with the hard of hearing", 36),
)
"""The qualification catalogue (code, German name, English name, default validity in months):
every code the trainings and shifts name."""

REFRESHER = TrainingPlan("Auffrischung Lebensmittelhygiene", FOOD_HYGIENE, 24, 12, 0)
REFRESHER_DAYS_AHEAD, REFRESHER_START, REFRESHER_MINUTES = 20, time(18), 120
REFRESHER_VILLAGE = "eggermuehlen"

CORRECTION_REASONS = (
    "Nachzählung: zwei Gäste kamen später",
    "Tippfehler in der Strichliste",
    "Begleitpersonen doppelt gezählt",
    "Liste vom Vertretungsteam nachgereicht",
)
CANCELLATION_DAYS = ((12, 24), (12, 25), (12, 26), (12, 31), (1, 1))
"""Month and day of the holidays on which the weekly programme pauses."""


@dataclass(frozen=True)
class Person:
    first: str
    last: str

    @property
    def name(self) -> str:
        return f"{self.first} {self.last}"

    @property
    def email(self) -> str:
        plain = self.name.lower().translate(_ASCII).replace(" ", ".")
        return f"{plain}@example.org"


_ASCII = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss", "ı": "i", "ç": "c",
                        "ğ": "g", "ş": "s", "é": "e"})

VOLUNTEER_COUNT = 40
VOLUNTEERS_WITH_ACCOUNTS = (
    Person("Anna", "Lehmann"),
    Person("Jürgen", "Brandes"),
    Person("Fatma", "Yılmaz"),
)
"""The first volunteers registered; each gets a volunteer account (README, "Demo data")."""
ERASED_VOLUNTEER = Person("Heinrich", "Sandkuhl")
"""Served for most of the year, then asked for the erasure of personal data."""

FIRST_NAMES = (
    "Ursula", "Heinz", "Monika", "Klaus", "Sabine", "Wolfgang", "Petra", "Dieter", "Karin",
    "Helmut", "Birgit", "Rainer", "Gisela", "Uwe", "Renate", "Jens", "Sandra", "Marco",
    "Lena", "Jonas", "Svenja", "Mehmet", "Olga", "Tobias", "Ingrid", "Hannelore", "Friedrich",
    "Ayşe", "Maren", "Henning", "Bernd", "Anneliese", "Gerd", "Elisabeth",
)
LAST_NAMES = (
    "Meyer", "Schröder", "Brinkmann", "Kuhlmann", "Wessels", "Thole", "Lampe", "Heskamp",
    "Niemann", "Grave", "Bühning", "Rolfes", "Wernsing", "Hüsing", "Kowalski", "Demir",
    "Sievers", "Bode", "Knoke", "Ahrens", "Tepe", "Lüdeke", "Bruns", "Beckmann",
)

ALL_SITES_COORDINATOR = "koordination@treffpunkt.example"
AUDITOR = "pruefung@treffpunkt.example"
