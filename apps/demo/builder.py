"""The Tianshan demo prison: a realistic, repeatable population for trying Visitline.

Everything here is fictional: the prison, its people, their documents and
phones. Names follow the naming traditions of families in Xinjiang (Han,
Uyghur, Kazakh, Hui). A tradition only shapes how a person's and a family's
names are formed; it is never stored (design principle 4: no
profiling fields).
"""

import datetime as dt
import random
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import phonenumbers
from dateutil.relativedelta import relativedelta
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from apps.accounts.models import StaffRole, User
from apps.bookings.models import Booking
from apps.bookings.services import booking_create
from apps.calls.demo import demo_call_booking
from apps.facilities.models import Facility, Room, SessionTemplate, Slot, Terminal
from apps.facilities.services import slots_generate
from apps.people.models import Contact, Prisoner, Relationship, Visitor
from apps.policy.models import Level, Stage, StageRule, VisitKind
from apps.policy.selectors import stage_on, stage_rules
from lib.crypto import digest
from lib.identity import PASSPORT, RESIDENT_ID, resident_id_check_digit

FACILITY_CODE = "tianshan"
SEED = 2026

# (role, username, password) of the demo staff; the Makefile prints these too.
DEMO_LOGINS = [
    ("officer", "officer", "visitline-officer"),
    ("supervisor", "supervisor", "visitline-supervisor"),
    ("administrator", "admin", "visitline-admin"),
]
STAFF_NAMES = {"officer": "古丽娜尔·艾山", "supervisor": "王建军", "administrator": "系统管理员"}

ADULT_AGE = 18
PRISONER_COUNT = 300
# Most serve the middle of a sentence; the rest show each stage and status
# that the booking rules treat differently.
PRISONER_MIX = {
    "remand": 15,
    "entry": 36,
    "pre_release": 42,
    "life": 4,
    "released": 3,
    "transferred": 3,
}
UNITS = ("一监区", "二监区", "三监区", "四监区", "五监区", "六监区", "七监区", "八监区")
BOOKINGS_WANTED = 40
PENDING_SHARE = 0.10
PASSPORT_SHARE = 0.015

# --- names -------------------------------------------------------------------


@dataclass(frozen=True)
class Tradition:
    """How one naming tradition forms names. Used to draw names, never stored."""

    weight: int
    male: tuple[str, ...]
    female: tuple[str, ...]
    surnames: tuple[str, ...]  # empty where the second name is the father's given name
    languages: tuple[tuple[str, int], ...]
    regions: tuple[str, ...]  # where the family's resident IDs were issued

    @property
    def patronymic(self) -> bool:
        return not self.surnames


def _words(text: str) -> tuple[str, ...]:
    return tuple(text.split())


HAN = Tradition(
    weight=40,
    male=_words(
        "建国 伟 强 军 磊 勇 杰 涛 斌 超 明 刚 平 辉 鹏 华 飞 鑫 波 宁 志强 建华 海涛 国强 立新 文博 俊杰 浩然 子轩 宇航 晓东 春生 德胜 永刚 卫东 振华"
    ),
    female=_words(
        "芳 娜 敏 静 丽 艳 娟 霞 秀英 桂英 玉兰 婷 雪 慧 红梅 丽娟 晓燕 佳怡 欣怡 梓涵 淑珍 春燕 丽华 秀梅"
    ),
    surnames=tuple(
        "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏付方邹孟熊秦邱江尹薛闫段雷侯龙史陶贺顾毛郝龚邵万钱严武戴孔汤"
    ),
    languages=(("zh-hans", 94), ("en", 6)),
    regions=(
        "650102",
        "650103",
        "650104",
        "650105",
        "650106",
        "650109",
        "652301",
        "650203",
        "652801",
    ),
)
UYGHUR = Tradition(
    weight=42,
    male=_words(
        "艾力 买买提 阿不都拉 吐尔逊 艾尔肯 买合木提 阿迪力 努尔买买提 艾克拜尔 热合曼 吾斯曼 亚森 阿布力孜 卡德尔 肉孜 塔依尔 库尔班 艾合买提 阿里木 帕尔哈提 迪力夏提 依明 玉素甫 司马义 吐尔洪 艾山 阿卜杜热依木 努尔艾力 艾则孜 麦麦提"
    ),
    female=_words(
        "阿依古丽 古丽娜尔 热依拉 帕提古丽 米日古丽 祖丽皮亚 阿娜尔古丽 努尔古丽 古再丽努尔 迪丽拜尔 布合力其 热娜 阿依努尔 再娜甫 海丽其汗 玛依拉 古丽巴哈尔 佐热古丽 苏比努尔 阿米娜"
    ),
    surnames=(),
    languages=(("ug", 74), ("zh-hans", 22), ("en", 4)),
    regions=("653101", "653201", "652901", "650402", "650102", "650104", "652801"),
)
KAZAKH = Tradition(
    weight=10,
    male=_words(
        "叶尔兰 努尔兰 叶尔波拉提 达吾列提 加那尔别克 阿斯哈尔 叶尔江 努尔别克 木拉提 哈那提 赛力克 叶尔肯 阿依达尔 别克波拉提 哈力木 阿曼 吾拉孜别克"
    ),
    female=_words(
        "阿依达娜 古丽娜 娜孜古丽 加娜尔 玛依拉 沙吾列 阿依江 阿赛丽 阿勒玛 达娜 哈丽达 古丽米拉"
    ),
    surnames=(),
    # Kazakh is not among the service's languages yet; these families read Chinese.
    languages=(("zh-hans", 88), ("ug", 6), ("en", 6)),
    regions=("654002", "654201", "654301", "652701", "652301"),
)
HUI = Tradition(
    weight=8,
    male=_words("红军 建军 学义 德明 国良 有福 忠良 海军 光明 进宝 成林 文斌 永福 志明 占山"),
    female=_words("秀兰 玉梅 海燕 凤英 兰花 桂香 秀珍 玉兰 淑芳 艳梅 晓梅 小燕"),
    surnames=tuple("马马马杨白沙哈穆纳海丁冶韩"),  # 马 repeated: by far the most common
    languages=(("zh-hans", 96), ("en", 4)),
    regions=("650102", "650104", "652301", "652701", "654002"),
)
TRADITIONS = (HAN, UYGHUR, KAZAKH, HUI)
ALL_REGIONS = tuple(sorted({code for t in TRADITIONS for code in t.regions}))


@dataclass(frozen=True)
class Name:
    tradition: Tradition
    given: str
    lineage: str  # the family name, or the father's given name in a patronymic tradition

    def __str__(self) -> str:
        if self.tradition.patronymic:
            return f"{self.given}·{self.lineage}"
        return f"{self.lineage}{self.given}"


def _pick(rng: random.Random, pool: tuple[str, ...], avoid: tuple[str, ...]) -> str:
    # A son is not named after his father, nor a brother after his brother.
    return rng.choice([name for name in pool if name not in avoid])


def _given(
    rng: random.Random, tradition: Tradition, male: bool, avoid: tuple[str, ...] = ()
) -> str:
    return _pick(rng, tradition.male if male else tradition.female, avoid)


def _fresh_lineage(rng: random.Random, tradition: Tradition, given: str) -> str:
    """A family name, or in a patronymic tradition a father's name other than ``given``."""
    if tradition.patronymic:
        return _pick(rng, tradition.male, avoid=(given,))
    return rng.choice(tradition.surnames)


def _new_name(rng: random.Random, tradition: Tradition, male: bool = True) -> Name:
    given = _given(rng, tradition, male)
    return Name(tradition, given, _fresh_lineage(rng, tradition, given))


def _relative_name(rng: random.Random, prisoner: Name, relationship: str, male: bool) -> Name:
    """A relative's name that fits the prisoner's, as the family's tradition forms it."""
    tradition = prisoner.tradition
    if relationship == Relationship.PARENT and male and tradition.patronymic:
        # The prisoner's second name is his father's given name.
        return Name(tradition, prisoner.lineage, _fresh_lineage(rng, tradition, prisoner.lineage))
    given = _given(rng, tradition, male, avoid=(prisoner.given, prisoner.lineage))
    if relationship == Relationship.CHILD and tradition.patronymic:
        return Name(tradition, given, prisoner.given)
    if relationship in (Relationship.CHILD, Relationship.SIBLING) or (
        relationship == Relationship.PARENT and male
    ):
        return Name(tradition, given, prisoner.lineage)
    # Spouses, mothers and other relatives carry a name of their own family.
    return Name(tradition, given, _fresh_lineage(rng, tradition, given))


# --- the facility and its policy -----------------------------------------------

LEVELS = (
    # code, name, rank, in-person/month, video/month, in-person minutes, video minutes, visitors
    ("strict", "严管", 1, 1, 1, 30, 20, 2),
    ("ordinary", "普管", 2, 2, 2, 40, 25, None),
    ("lenient", "宽管", 3, 3, 4, 45, 30, None),
)
ROOMS = (("第一会见室", 12, False), ("第二会见室", 8, False), ("隔离会见室", 4, True))
TERMINALS = (
    ("视频终端 1", "一监区"),
    ("视频终端 2", "三监区"),
    ("视频终端 3", "五监区"),
    ("视频终端 4", "七监区"),
)
# Xinjiang keeps Beijing time while its day runs about two hours later, so
# visiting hours sit in the late morning and the late afternoon.
ROOM_DAYS = {"第一会见室": (1, 2, 3, 4, 5, 6), "第二会见室": (4, 5, 6), "隔离会见室": (1, 3, 5)}
ROOM_STARTS = {
    "第一会见室": ("10:30", "11:30", "16:30", "17:30"),
    "第二会见室": ("10:30", "11:30", "16:30", "17:30"),
    "隔离会见室": ("10:30", "16:30"),
}
ROOM_MINUTES = 45
VIDEO_STARTS = ("11:00", "11:30", "12:00", "12:30", "17:00", "17:30", "18:00", "18:30")
VIDEO_MINUTES = 30
# Sunday evening in the big room, open to the lenient level only.
LENIENT_EVENING = (6, "19:00")


def _create_facility() -> Facility:
    return Facility.objects.create(
        code=FACILITY_CODE,
        name="天山监狱",
        time_zone="Asia/Shanghai",
        address="新疆维吾尔自治区乌鲁木齐市天山区示范路 1 号(虚构地址)",
        min_notice_days=1,
        booking_closes_at=dt.time(17, 0),  # by 17:00 the day before
        max_notice_days=28,
        max_visitors=3,
        max_adults=3,
        max_children=2,
        adult_age=ADULT_AGE,
        minimum_visits_per_month=1,
        remand_in_person_per_week=1,
        remand_video_per_week=1,
    )


def _create_policy(facility: Facility) -> dict[str, Level]:
    levels = {}
    for code, name, rank, in_person, video, in_minutes, video_minutes, visitors in LEVELS:
        levels[code] = Level.objects.create(
            facility=facility,
            code=code,
            name=name,
            rank=rank,
            in_person_per_month=in_person,
            video_per_month=video,
            in_person_minutes=in_minutes,
            video_minutes=video_minutes,
            max_visitors=visitors,
        )
    StageRule.objects.create(facility=facility, stage=Stage.ENTRY, months=3, extra_video=1)
    StageRule.objects.create(
        facility=facility, stage=Stage.PRE_RELEASE, months=6, extra_in_person=1, extra_video=1
    )
    return levels


def _create_places(facility: Facility, lenient: Level, today: dt.date) -> None:
    rooms = {
        name: Room.objects.create(facility=facility, name=name, capacity=tables, is_closed=closed)
        for name, tables, closed in ROOMS
    }
    terminals = [
        Terminal.objects.create(facility=facility, name=name, location=location)
        for name, location in TERMINALS
    ]
    # Templates have applied since a month ago, so the pattern looks lived-in.
    since = today - dt.timedelta(days=30)
    templates = [
        _template(facility, day, start, ROOM_MINUTES, since, room=room, capacity=room.capacity)
        for name, room in rooms.items()
        for day in ROOM_DAYS[name]
        for start in ROOM_STARTS[name]
    ]
    # One terminal hosts one visit at a time, so each video session seats one.
    templates += [
        _template(facility, day, start, VIDEO_MINUTES, since, terminal=terminal, capacity=1)
        for terminal in terminals
        for day in range(7)
        for start in VIDEO_STARTS
    ]
    SessionTemplate.objects.bulk_create(templates)
    day, start = LENIENT_EVENING
    room = rooms["第一会见室"]
    evening = _template(
        facility, day, start, ROOM_MINUTES, since, room=room, capacity=room.capacity
    )
    evening.save()
    evening.levels.add(lenient)


def _template(
    facility: Facility, weekday: int, start: str, minutes: int, since: dt.date, **place: Any
) -> SessionTemplate:
    begins = dt.datetime.strptime(start, "%H:%M")
    return SessionTemplate(
        facility=facility,
        weekday=weekday,
        start_time=begins.time(),
        end_time=(begins + dt.timedelta(minutes=minutes)).time(),
        valid_from=since,
        **place,
    )


def _ensure_staff(facility: Facility) -> dict[str, User]:
    """The demo logins; an existing account keeps its password, only its role is ensured."""
    staff = {}
    for role, username, password in DEMO_LOGINS:
        user = User.objects.filter(username=username).first()
        if user is None:
            is_admin = role == StaffRole.Role.ADMINISTRATOR
            user = User(
                username=username,
                full_name=STAFF_NAMES[role],
                is_staff=is_admin,
                is_superuser=is_admin,
            )
            user.set_password(password)
            user.save()
        StaffRole.objects.get_or_create(user=user, facility=facility, defaults={"role": role})
        staff[role] = user
    return staff


# --- prisoners -------------------------------------------------------------------


@dataclass(frozen=True)
class Inmate:
    """A prisoner, with what the demo needs to invent a family for him."""

    prisoner: Prisoner
    name: Name
    age: int


# Weights of (strict, ordinary, lenient) by kind of sentence.
LEVEL_WEIGHTS = {
    "entry": (6, 4, 0),  # newcomers start under strict management
    "pre_release": (1, 4, 5),
    "remand": (0, 1, 0),
}
USUAL_LEVEL_WEIGHTS = (12, 58, 30)


def _create_prisoners(
    facility: Facility, levels: dict[str, Level], rng: random.Random, today: dt.date
) -> list[Inmate]:
    kinds = [kind for kind, count in PRISONER_MIX.items() for _ in range(count)]
    kinds += ["middle"] * (PRISONER_COUNT - len(kinds))
    rng.shuffle(kinds)
    numbers = rng.sample(range(1_000_000), PRISONER_COUNT)
    traditions = rng.choices(TRADITIONS, weights=[t.weight for t in TRADITIONS], k=PRISONER_COUNT)
    inmates = []
    for kind, number, tradition in zip(kinds, numbers, traditions, strict=True):
        # A men's prison: Chinese prisons hold men and women apart.
        name = _new_name(rng, tradition)
        weights = LEVEL_WEIGHTS.get(kind, USUAL_LEVEL_WEIGHTS)
        level = rng.choices(list(levels.values()), weights=weights)[0]
        prisoner = Prisoner(
            facility=facility,
            number=f"6501{number:06d}",
            full_name=str(name),
            unit=rng.choice(UNITS),
            level=level,
            **_sentence(rng, kind, today),
        )
        inmates.append(Inmate(prisoner, name, int(rng.triangular(19, 66, 34))))
    Prisoner.objects.bulk_create([inmate.prisoner for inmate in inmates])
    return inmates


def _sentence(rng: random.Random, kind: str, today: dt.date) -> dict[str, Any]:
    """Legal status, sentence dates and status that put a prisoner in the wanted stage."""

    def days(low: int, high: int) -> dt.timedelta:
        return dt.timedelta(days=rng.randint(low, high))

    if kind == "remand":
        return {"legal_status": Prisoner.LegalStatus.REMAND}
    if kind == "entry":  # entry stage: the first 3 months
        start = today - days(3, 85)
        return {"sentence_start": start, "sentence_end": start + days(365, 12 * 365)}
    if kind == "pre_release":  # pre-release stage: the last 6 months
        end = today + days(7, 175)
        return {"sentence_start": end - days(2 * 365, 12 * 365), "sentence_end": end}
    if kind == "life":  # an indeterminate sentence has no end date
        return {"sentence_start": today - days(365, 15 * 365), "sentence_end": None}
    if kind == "released":
        end = today - days(3, 60)
        return {
            "sentence_start": end - days(365, 5 * 365),
            "sentence_end": end,
            "status": Prisoner.Status.RELEASED,
        }
    status = Prisoner.Status.TRANSFERRED if kind == "transferred" else Prisoner.Status.IN_CUSTODY
    return {
        "sentence_start": today - days(120, 9 * 365),
        "sentence_end": today + days(200, 12 * 365),
        "status": status,
    }


# --- families ----------------------------------------------------------------------


@dataclass(frozen=True)
class Relative:
    name: Name
    relationship: str
    male: bool
    age: int


FIRST_RELATIONSHIPS = {"spouse": 45, "parent": 30, "sibling": 15, "child": 10}
MORE_RELATIONSHIPS = {
    "spouse": 10,
    "child": 45,
    "parent": 20,
    "sibling": 15,
    "grandparent": 5,
    "other_relative": 5,
}


def _plan_family(rng: random.Random, inmate: Inmate) -> list[Relative]:
    """One to three relatives; the first is an adult, so a child never comes alone."""
    size = rng.choices((1, 2, 3), weights=(55, 35, 10))[0]
    family: list[Relative] = []
    # Spare draws, because not every relationship fits every family.
    for _ in range(20):
        if len(family) == size:
            break
        relative = _draw_relative(rng, inmate, family)
        if relative is not None:
            family.append(relative)
    return family


def _draw_relative(rng: random.Random, inmate: Inmate, family: list[Relative]) -> Relative | None:
    weights = MORE_RELATIONSHIPS if family else FIRST_RELATIONSHIPS
    relationship = rng.choices(list(weights), weights=list(weights.values()))[0]
    drawn = _sex_and_age(rng, relationship, inmate.age, family)
    if drawn is None:
        return None
    male, age = drawn
    return Relative(_relative_name(rng, inmate.name, relationship, male), relationship, male, age)


def _sex_and_age(
    rng: random.Random, relationship: str, age: int, family: list[Relative]
) -> tuple[bool, int] | None:
    """A plausible sex and age for the relative, or None where none fits this family."""
    taken = Counter((r.relationship, r.male) for r in family)
    if relationship == "spouse":
        return None if taken["spouse", False] else (False, max(19, age + rng.randint(-6, 3)))
    if relationship == "parent":
        free = [male for male in (True, False) if not taken["parent", male]]
        parent_age = age + rng.randint(20, 34)
        return (rng.choice(free), parent_age) if free and parent_age <= 88 else None
    if relationship == "child":
        # The first relative comes alone, so only a grown child may be first.
        youngest, oldest = (ADULT_AGE if not family else 1), age - 20
        if oldest < youngest:
            return None
        return rng.random() < 0.5, rng.randint(youngest, oldest)
    if relationship == "grandparent":
        return (rng.random() < 0.4, age + rng.randint(44, 54)) if age <= 32 else None
    if relationship == "sibling":
        return rng.random() < 0.5, max(18, age + rng.randint(-8, 8))
    return rng.random() < 0.5, rng.randint(25, 65)


class Issuer:
    """Hands out unique, well-formed and entirely made-up documents and phone numbers."""

    # China Mobile, Unicom and Telecom blocks; 154 is not in use.
    MOBILE_PREFIXES = (*range(130, 140), *range(150, 154), *range(155, 160), *range(180, 190))

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.used: set[str] = set()

    def _unique(self, draw: Callable[[], str | None]) -> str:
        while True:
            value = draw()
            if value is not None and value not in self.used:
                self.used.add(value)
                return value

    def resident_id(self, region: str, born: dt.date, male: bool) -> str:
        def draw() -> str:
            # GB 11643: the sequence number ends odd for men and even for women.
            sequence = self.rng.randrange(500) * 2 + (1 if male else 0)
            first17 = f"{region}{born:%Y%m%d}{sequence:03d}"
            return first17 + resident_id_check_digit(first17)

        return self._unique(draw)

    def passport(self) -> str:
        return self._unique(lambda: f"E{self.rng.randrange(10**8):08d}")

    def phone(self) -> str:
        def draw() -> str | None:
            number = f"+86{self.rng.choice(self.MOBILE_PREFIXES)}{self.rng.randrange(10**8):08d}"
            return number if phonenumbers.is_valid_number(phonenumbers.parse(number)) else None

        return self._unique(draw)


@dataclass
class Household:
    """What a family shares: where its IDs were issued, its language, its phone."""

    region: str
    language: str
    phone: str = ""


def _household(rng: random.Random, tradition: Tradition) -> Household:
    languages, weights = zip(*tradition.languages, strict=True)
    return Household(rng.choice(tradition.regions), rng.choices(languages, weights=weights)[0])


def _visitor(
    rng: random.Random, issuer: Issuer, household: Household, relative: Relative, today: dt.date
) -> Visitor:
    born = today - relativedelta(years=relative.age) - dt.timedelta(days=rng.randint(1, 364))
    adult = relative.age >= ADULT_AGE
    if adult and rng.random() < PASSPORT_SHARE:
        document_type, number = PASSPORT, issuer.passport()
    else:
        # Most relatives share the family's home region; some live elsewhere.
        region = household.region if rng.random() < 0.8 else rng.choice(ALL_REGIONS)
        document_type, number = RESIDENT_ID, issuer.resident_id(region, born, relative.male)
    if adult:
        phone = issuer.phone()
        household.phone = household.phone or phone
    else:
        phone = household.phone  # a child is reached through the family's first adult
    return Visitor(
        full_name=str(relative.name),
        date_of_birth=born,
        document_type=document_type,
        document_number=number,
        document_digest=digest(number),
        phone=phone,
        preferred_language=household.language,
    )


@dataclass
class Links:
    """Visitors waiting to be saved, and the contacts that join them to prisoners."""

    visitors: list[Visitor]
    contacts: list[Contact]


def _families(
    rng: random.Random, issuer: Issuer, inmates: list[Inmate], officer: User, today: dt.date
) -> Links:
    links = Links([], [])
    for inmate in inmates:
        if not inmate.prisoner.is_in_custody:
            continue
        household = _household(rng, inmate.name.tradition)
        for relative in _plan_family(rng, inmate):
            visitor = _visitor(rng, issuer, household, relative, today)
            pending = rng.random() < PENDING_SHARE
            links.visitors.append(visitor)
            links.contacts.append(
                _contact(rng, visitor, inmate.prisoner, relative.relationship, officer, pending)
            )
    return links


def _lawyers(
    rng: random.Random, issuer: Issuer, inmates: list[Inmate], officer: User, today: dt.date
) -> Links:
    """Three legal representatives, mostly for people on remand awaiting trial."""
    in_custody = [i.prisoner for i in inmates if i.prisoner.is_in_custody]
    on_remand = [p for p in in_custody if p.legal_status == Prisoner.LegalStatus.REMAND]
    sentenced = [p for p in in_custody if p.legal_status == Prisoner.LegalStatus.SENTENCED]
    links = Links([], [])
    for tradition in (HAN, UYGHUR, HAN):
        male = rng.random() < 0.6
        name = _new_name(rng, tradition, male)
        relative = Relative(name, Relationship.LEGAL, male, rng.randint(30, 58))
        visitor = _visitor(
            rng, issuer, Household(rng.choice(HAN.regions), "zh-hans"), relative, today
        )
        links.visitors.append(visitor)
        for prisoner in rng.sample(on_remand, 2) + rng.sample(sentenced, rng.randint(1, 2)):
            links.contacts.append(
                _contact(rng, visitor, prisoner, Relationship.LEGAL, officer, pending=False)
            )
    return links


def _contact(
    rng: random.Random,
    visitor: Visitor,
    prisoner: Prisoner,
    relationship: str,
    officer: User,
    pending: bool,
) -> Contact:
    if pending:
        return Contact(visitor=visitor, prisoner=prisoner, relationship=relationship)
    return Contact(
        visitor=visitor,
        prisoner=prisoner,
        relationship=relationship,
        status=Contact.Status.APPROVED,
        decided_by=officer,
        decided_at=timezone.now()
        - dt.timedelta(days=rng.randint(1, 60), minutes=rng.randint(0, 600)),
    )


def _save_links(links: Links, today: dt.date) -> None:
    """Adults get an account to sign in with, named by their phone; children do not."""
    adults = [v for v in links.visitors if v.age_on(today) >= ADULT_AGE]
    users = [User(username=v.phone, full_name=v.full_name) for v in adults]
    for user in users:
        user.set_unusable_password()  # they sign in by phone code, not password
    User.objects.bulk_create(users, batch_size=500)
    for visitor, user in zip(adults, users, strict=True):
        visitor.user = user
    # A child is registered by the household's first adult, whose phone it shares.
    by_phone = {v.phone: v for v in reversed(adults)}
    Visitor.objects.bulk_create(links.visitors, batch_size=500)
    children = [v for v in links.visitors if v.user is None and v.phone in by_phone]
    for child in children:
        child.registered_by = by_phone[child.phone]
    Visitor.objects.bulk_update(children, ["registered_by"], batch_size=500)
    # bulk_create copies each saved visitor's new key into the contacts pointing at it.
    Contact.objects.bulk_create(links.contacts, batch_size=500)


def _create_people(
    facility: Facility, levels: dict[str, Level], officer: User, rng: random.Random
) -> None:
    today = facility.local_today()
    inmates = _create_prisoners(facility, levels, rng, today)
    issuer = Issuer(rng)
    families = _families(rng, issuer, inmates, officer, today)
    lawyers = _lawyers(rng, issuer, inmates, officer, today)
    _save_links(
        Links(families.visitors + lawyers.visitors, families.contacts + lawyers.contacts), today
    )


# --- bookings ------------------------------------------------------------------------


def _create_bookings(facility: Facility, officer: User, rng: random.Random) -> int:
    """Book through the real service, so every rule holds; a refused request is skipped."""
    slots = _upcoming_slots(facility)
    parties = _family_parties(facility)
    candidates = sorted(parties)
    rng.shuffle(candidates)
    booked = 0
    for n, prisoner_id in enumerate(candidates, start=1):
        if booked == BOOKINGS_WANTED:
            break
        kind = VisitKind.VIDEO if rng.random() < 0.4 else VisitKind.IN_PERSON
        # Most families come together; the facility's limits still apply.
        party = parties[prisoner_id] if rng.random() < 0.7 else parties[prisoner_id][:1]
        try:
            booking_create(
                actor=officer,
                slot_id=rng.choice(slots[kind]),
                prisoner_id=prisoner_id,
                visitor_ids=party,
                kind=kind,
                idempotency_key=f"demo-{n}",
            )
        except ValidationError:
            continue
        booked += 1
    return booked


def _upcoming_slots(facility: Facility) -> dict[str, list[int]]:
    """Slot ids a few days ahead, by kind: a room hosts in-person visits, a terminal video."""
    today = facility.local_today()
    window = Slot.objects.filter(
        facility=facility, date__range=(today + dt.timedelta(days=2), today + dt.timedelta(days=9))
    ).order_by("starts_at", "id")
    return {
        VisitKind.IN_PERSON: list(window.filter(room__isnull=False).values_list("id", flat=True)),
        VisitKind.VIDEO: list(window.filter(terminal__isnull=False).values_list("id", flat=True)),
    }


def _family_parties(facility: Facility) -> dict[int, list[int]]:
    """Each prisoner's approved family visitors, adults first so no child comes alone."""
    contacts = (
        Contact.objects.filter(
            prisoner__facility=facility,
            prisoner__status=Prisoner.Status.IN_CUSTODY,
            status=Contact.Status.APPROVED,
        )
        .exclude(relationship=Relationship.LEGAL)
        .order_by("prisoner_id", "visitor__date_of_birth", "visitor_id")
    )
    parties: dict[int, list[int]] = defaultdict(list)
    for contact in contacts:
        parties[contact.prisoner_id].append(contact.visitor_id)
    return dict(parties)


# --- the whole load -------------------------------------------------------------------


@dataclass(frozen=True)
class DemoSummary:
    facility: Facility
    created: bool
    new_slots: int
    counts: dict[str, int]


def load_demo() -> DemoSummary:
    """Load the demo prison once; a later run only tops up the slots and the staff logins."""
    with transaction.atomic():
        facility = Facility.objects.filter(code=FACILITY_CODE).first()
        return _top_up(facility) if facility is not None else _build()


def _build() -> DemoSummary:
    facility = _create_facility()
    levels = _create_policy(facility)
    _create_places(facility, levels["lenient"], facility.local_today())
    officer = _ensure_staff(facility)["officer"]
    new_slots = slots_generate(facility=facility)
    # One seeded generator drawn in a fixed order: the same demo every time.
    rng = random.Random(SEED)
    _create_people(facility, levels, officer, rng)
    _create_bookings(facility, officer, rng)
    demo_call_booking(facility, officer)  # a video visit a few minutes from now
    return DemoSummary(facility, True, new_slots, demo_counts(facility))


def _top_up(facility: Facility) -> DemoSummary:
    # Slots roll forward day by day; a deleted demo login comes back.
    staff = _ensure_staff(facility)
    new_slots = slots_generate(facility=facility)
    demo_call_booking(facility, staff["officer"])  # a new one once the last is over
    return DemoSummary(facility, False, new_slots, demo_counts(facility))


def demo_counts(facility: Facility) -> dict[str, int]:
    today = facility.local_today()
    prisoners = Prisoner.objects.filter(facility=facility)
    in_custody = list(prisoners.filter(status=Prisoner.Status.IN_CUSTODY))
    rules = stage_rules(facility.pk)
    stages = Counter(stage_on(p, today, rules) for p in in_custody)
    contacts = Contact.objects.filter(prisoner__facility=facility)
    visitors = Visitor.objects.filter(contacts__prisoner__facility=facility).distinct()
    adult_born_by = today - relativedelta(years=facility.adult_age)
    return {
        "prisoners": prisoners.count(),
        "in custody": len(in_custody),
        **{f"stage {stage.value}": stages[stage] for stage in Stage},
        "visitors": visitors.count(),
        "children": visitors.filter(date_of_birth__gt=adult_born_by).count(),
        "approved contacts": contacts.filter(status=Contact.Status.APPROVED).count(),
        "pending contacts": contacts.filter(status=Contact.Status.PENDING).count(),
        "legal representatives": contacts.filter(relationship=Relationship.LEGAL)
        .values("visitor")
        .distinct()
        .count(),
        "rooms": Room.objects.filter(facility=facility).count(),
        "terminals": Terminal.objects.filter(facility=facility).count(),
        "session templates": SessionTemplate.objects.filter(facility=facility).count(),
        "slots from today": Slot.objects.filter(facility=facility, date__gte=today).count(),
        "bookings": Booking.objects.filter(facility=facility).count(),
    }
