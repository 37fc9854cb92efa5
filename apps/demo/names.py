"""The demo's names: how the naming traditions of families in Xinjiang (Han, Uyghur, Kazakh,
Hui) form a person's and a family's names. A tradition only shapes the names; it is never
stored (design principle 4: no profiling fields)."""

import random
from dataclasses import dataclass

from apps.people.models import Relationship


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


def new_name(rng: random.Random, tradition: Tradition, male: bool = True) -> Name:
    given = _given(rng, tradition, male)
    return Name(tradition, given, _fresh_lineage(rng, tradition, given))


def relative_name(rng: random.Random, prisoner: Name, relationship: str, male: bool) -> Name:
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
