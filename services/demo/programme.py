"""What the demo seeds: four villages of the Gemeinde Wennigsen (Deister), south of Hannover.

Only data lives here; ``services.demo.seed`` turns it into commands. Weekdays are RRULE BYDAY codes,
times are Europe/Berlin wall clock. The rooms named in ``TRAININGS_TODAY`` and ``REFRESHER``
host no sessions, so a training can be booked there at any hour.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import time

from services.platform.settings import DEMO_ADMIN_PASSWORD

SEED = 20261125
DEMO_PASSWORD = DEMO_ADMIN_PASSWORD
"""Every demo account signs in with the README's demo password."""

WEEKS_BACK = 13
WEEKS_OF_SESSIONS = 22
"""Weekly series from about three months ago to about two months ahead."""
SHIFT_WEEKS_AHEAD = 4
FOOD_HYGIENE, FIRST_AID = "food_hygiene", "first_aid"


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
    """The usual number of visitors."""
    shift: ShiftPlan | None = None
    cancel_week: int | None = None
    """Cancels the occurrence this many weeks ahead (a room renovation, a holiday)."""
    popular_shift: bool = False
    """Its first upcoming shift gets more volunteers than places: a waitlist."""


@dataclass(frozen=True)
class TodayShiftPlan:
    """A shift starting while the demo is seeded: claims precede it, attendance follows it."""

    title: str
    hours: int
    capacity: int


@dataclass(frozen=True)
class VillagePlan:
    key: str
    village: str
    rooms: tuple[RoomPlan, ...]
    offers: tuple[OfferPlan, ...]
    today_shift: TodayShiftPlan

    @property
    def site_name(self) -> str:
        return f"Dorftreff {self.village}"

    @property
    def coordinator_email(self) -> str:
        return f"koordination.{self.key}@treffpunkt.example"


KITCHEN = ShiftPlan("Küchendienst", before=120, after=30, capacity=3, required=(FOOD_HYGIENE,))

VILLAGES = (
    VillagePlan(
        key="bredenbeck",
        village="Bredenbeck",
        rooms=(
            RoomPlan("saal", "Saal", 60),
            RoomPlan("kueche", "Küche", 12),
            RoomPlan("seminar", "Seminarraum", 16),
        ),
        offers=(
            OfferPlan("mittagstisch-bredenbeck", "Mittagstisch", "community",
                      "Gemeinsam zu Mittag essen: frisch gekocht, für 4,50 € pro Teller.",
                      "saal", "TU", time(12), 120, 28, shift=KITCHEN, popular_shift=True),
            OfferPlan("gymnastik-bredenbeck", "Seniorengymnastik", "movement",
                      "Beweglich bleiben im Sitzen und Stehen, mit Musik.",
                      "saal", "TH", time(10), 60, 14, cancel_week=3),
            OfferPlan("zeitungscafe-bredenbeck", "Zeitungscafé", "participation",
                      "Tageszeitungen, Kaffee und Gespräche über das, was im Dorf los ist.",
                      "kueche", "FR", time(9, 30), 120, 10,
                      shift=ShiftPlan("Ausschank", before=30, after=15, capacity=2)),
        ),
        today_shift=TodayShiftPlan("Lager aufräumen und Spenden sortieren", 3, 3),
    ),
    VillagePlan(
        key="degersen",
        village="Degersen",
        rooms=(
            RoomPlan("saal", "Saal", 40),
            RoomPlan("gruppenraum", "Gruppenraum", 15),
        ),
        offers=(
            OfferPlan("babymassage-degersen", "Babymassage", "mental_health",
                      "Berührung, Ruhe und Austausch für Eltern mit Babys bis zwölf Monate.",
                      "gruppenraum", "WE", time(10), 60, 6),
            OfferPlan("naturspaziergang-degersen", "Naturspaziergang am Deister", "movement",
                      "Gemütliche Runde durch Feld und Wald, Treffpunkt vor dem Dorftreff.",
                      "saal", "SA", time(14), 120, 11, cancel_week=5),
            OfferPlan("repaircafe-degersen", "Repair-Café", "civic_engagement",
                      "Ehrenamtliche reparieren Toaster, Fahrräder und Kleidung mit Ihnen.",
                      "saal", "TH", time(17), 150, 9,
                      shift=ShiftPlan("Reparaturhilfe", before=30, after=30, capacity=2),
                      popular_shift=True),
            OfferPlan("smartphone-degersen", "Smartphone-Sprechstunde", "participation",
                      "Hilfe bei WhatsApp, Online-Banking und Bahn-App, ohne Fachchinesisch.",
                      "gruppenraum", "TU", time(15), 90, 5,
                      shift=ShiftPlan("Technikhilfe", before=15, after=15, capacity=2)),
        ),
        today_shift=TodayShiftPlan("Gartenpflege am Dorftreff", 3, 3),
    ),
    VillagePlan(
        key="holtensen",
        village="Holtensen",
        rooms=(
            RoomPlan("saal", "Saal", 50),
            RoomPlan("kueche", "Küche", 10),
            RoomPlan("gruppenraum", "Gruppenraum", 14),
        ),
        offers=(
            OfferPlan("mittagstisch-holtensen", "Mittagstisch", "community",
                      "Mittagessen in Gesellschaft, jeden Donnerstag.",
                      "saal", "TH", time(12), 120, 22, shift=KITCHEN),
            OfferPlan("hospiz-holtensen", "Hospizbegleitung: Gesprächskreis", "mental_health",
                      "Ehrenamtliche Hospizbegleiterinnen hören zu, begleiten und beraten.",
                      "saal", "MO", time(18), 90, 7),
            OfferPlan("spieleabend-holtensen", "Spieleabend", "community",
                      "Doppelkopf, Skat und Brettspiele für alle Generationen.",
                      "saal", "WE", time(19), 150, 12, cancel_week=2),
            OfferPlan("kochen-holtensen", "Kochen für Jung und Alt", "participation",
                      "Kinder und Großeltern kochen zusammen nach Rezepten aus dem Dorf.",
                      "kueche", "FR", time(16), 120, 9,
                      shift=ShiftPlan("Kochbegleitung", before=30, after=30, capacity=2,
                                      required=(FOOD_HYGIENE,))),
        ),
        today_shift=TodayShiftPlan("Fahrdienst zum Arzt und Einkauf", 2, 2),
    ),
    VillagePlan(
        key="sorsum",
        village="Sorsum",
        rooms=(
            RoomPlan("gemeinschaftsraum", "Gemeinschaftsraum", 30),
            RoomPlan("besprechung", "Besprechungsraum", 10),
        ),
        offers=(
            OfferPlan("zeitungscafe-sorsum", "Zeitungscafé", "participation",
                      "Die Zeitung von heute und ein Stück Kuchen.",
                      "gemeinschaftsraum", "TU", time(9, 30), 120, 8,
                      shift=ShiftPlan("Ausschank", before=30, after=15, capacity=2)),
            OfferPlan("gymnastik-sorsum", "Seniorengymnastik", "movement",
                      "Gymnastik für Kraft, Gleichgewicht und gute Laune.",
                      "gemeinschaftsraum", "WE", time(10), 60, 12),
            OfferPlan("engagement-sorsum", "Engagement-Sprechstunde", "civic_engagement",
                      "Wo werde ich gebraucht? Beratung zu Ehrenamt im Ort.",
                      "gemeinschaftsraum", "MO", time(17), 90, 4, cancel_week=4),
            OfferPlan("nachbarschaft-sorsum", "Nachbarschaftstreffen", "community",
                      "Was steht an im Dorf? Ideen, Hilfe unter Nachbarn, Termine.",
                      "gemeinschaftsraum", "TH", time(19), 90, 8),
        ),
        today_shift=TodayShiftPlan("Besuchsdienst im Seniorenheim", 2, 2),
    ),
)


@dataclass(frozen=True)
class TrainingPlan:
    title: str
    village: str
    room: str
    qualification: str
    valid_for_months: int
    capacity: int
    attendees: slice
    """Which of the seeded-shuffled volunteers attend."""
    no_shows: int = 0
    """Enrolled after the attendees, but did not come."""


# Trainings that start while the demo is seeded and are completed at its end. A one-month
# provisional instruction gives the qualifications that expire soon.
TRAININGS_TODAY = (
    TrainingPlan("Belehrung Lebensmittelhygiene (§ 43 IfSG)", "bredenbeck", "seminar",
                 FOOD_HYGIENE, 24, 16, slice(0, 12), no_shows=1),
    TrainingPlan("Hygiene-Kurzeinweisung (vorläufig)", "sorsum", "besprechung",
                 FOOD_HYGIENE, 1, 8, slice(13, 18)),
    TrainingPlan("Erste Hilfe Grundkurs", "holtensen", "gruppenraum",
                 FIRST_AID, 24, 14, slice(6, 17), no_shows=1),
)

REFRESHER = TrainingPlan("Auffrischung Lebensmittelhygiene", "bredenbeck", "seminar",
                         FOOD_HYGIENE, 24, 12, slice(13, 21))
REFRESHER_DAYS_AHEAD, REFRESHER_START, REFRESHER_MINUTES = 21, time(18), 120

CORRECTION_REASONS = (
    "Nachzählung: zwei Gäste kamen später",
    "Tippfehler in der Strichliste",
    "Begleitpersonen doppelt gezählt",
    "Liste vom Vertretungsteam nachgereicht",
)


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

VOLUNTEER_COUNT = 30
VOLUNTEERS_WITH_ACCOUNTS = (
    Person("Anna", "Lehmann"),
    Person("Jürgen", "Brandes"),
    Person("Fatma", "Yılmaz"),
)
"""The first volunteers registered; each gets a volunteer account (README, "Demo data")."""

FIRST_NAMES = (
    "Ursula", "Heinz", "Monika", "Klaus", "Sabine", "Wolfgang", "Petra", "Dieter", "Karin",
    "Helmut", "Birgit", "Rainer", "Gisela", "Uwe", "Renate", "Jens", "Sandra", "Marco",
    "Lena", "Jonas", "Svenja", "Mehmet", "Olga", "Tobias", "Ingrid", "Hannelore", "Friedrich",
    "Ayşe", "Maren", "Henning",
)
LAST_NAMES = (
    "Meyer", "Schröder", "Bartels", "Kruse", "Wehrhahn", "Oppermann", "Lüddecke", "Hasse",
    "Köhler", "Dreyer", "Rust", "Busse", "Warnecke", "Heine", "Gerke", "Plinke", "Stolte",
    "Riechers", "Kowalski", "Demir", "Sievers", "Bode", "Knoke", "Ahrens", "Wittkopp",
)

ALL_SITES_COORDINATOR = "koordination@treffpunkt.example"
AUDITOR = "pruefung@treffpunkt.example"
