"""The published visiting rules: public, generated from the live policy, never drifting from it."""

import datetime as dt
import re

import pytest
from dateutil.relativedelta import relativedelta
from django.urls import reverse
from django.utils import timezone

from apps.bookings import rules
from apps.bookings.selectors import booking_facts
from apps.facilities.models import SessionTemplate
from apps.policy.kinds import Stage, VisitKind
from apps.policy.models import StageRule
from apps.policy.selectors import allowance_on, allowance_table, stage_on
from tests import factories


def rules_page(client, facility):
    response = client.get(reverse("public:rules", args=[facility.code]))
    assert response.status_code == 200
    return response.text


def cell(html: str, level, stage: str, kind: str) -> int:
    """The number the page publishes for a level, stage and kind of visit."""
    row = re.search(rf'<tr data-level="{level.code}">(.*?)</tr>', html, re.S)
    assert row, f"no row for {level.code}"
    found = re.search(rf'data-stage="{stage}" data-kind="{kind}">(\d+)<', row.group(1))
    assert found, f"no {stage}/{kind} cell for {level.code}"
    return int(found.group(1))


def weekly(facility, weekday=2, start=dt.time(9, 0), end=dt.time(9, 45), **fields):
    if "terminal" not in fields:
        fields.setdefault("room", factories.room(facility))
    fields.setdefault("valid_from", dt.date(2020, 1, 1))
    return SessionTemplate.objects.create(
        facility=facility, weekday=weekday, start_time=start, end_time=end, capacity=4, **fields
    )


@pytest.fixture
def staged(world):
    StageRule.objects.create(
        facility=world.facility, stage=Stage.ENTRY, months=3, extra_in_person=0, extra_video=1
    )
    StageRule.objects.create(
        facility=world.facility, stage=Stage.PRE_RELEASE, months=6, extra_in_person=1, extra_video=2
    )
    return world


def test_anyone_can_read_the_rules_without_signing_in(client, world):
    response = client.get(reverse("public:rules", args=[world.facility.code]))
    assert response.status_code == 200  # not a redirect to sign in
    assert "Visiting rules of Tianshan Prison" in response.text


def test_an_unknown_facility_is_not_found(client, db):
    assert client.get(reverse("public:rules", args=["nowhere"])).status_code == 404


def test_hours_are_shown_in_the_facility_local_time_and_labelled(client, world):
    # A zone other than the server's: the published hours must not be converted.
    world.facility.time_zone = "Asia/Urumqi"
    world.facility.save(update_fields=["time_zone"])
    weekly(world.facility, weekday=2, start=dt.time(9, 0), end=dt.time(9, 45))
    html = rules_page(client, world.facility)
    assert "Wednesday" in html
    assert "<time>09:00</time>–<time>09:45</time>" in html
    assert "11:00" not in html and "03:00" not in html
    assert "Asia/Urumqi" in html


def test_hours_show_place_levels_and_leave_out_expired_times(client, world):
    today = world.facility.local_today()
    senior = factories.level(world.facility, name="Lenient")
    restricted = weekly(
        world.facility, weekday=0, room=factories.room(world.facility, name="Hall B")
    )
    restricted.levels.add(senior)
    weekly(world.facility, weekday=4, terminal=factories.terminal(world.facility, name="T-7"))
    weekly(
        world.facility,
        weekday=5,
        start=dt.time(16, 0),
        end=dt.time(16, 30),
        valid_to=today - dt.timedelta(days=1),
    )
    html = rules_page(client, world.facility)
    assert "In-person visit in Hall B" in html
    assert "Only for these levels:" in html and "<li>Lenient</li>" in html
    assert "Video visit" in html and "Open to every level." in html
    assert "T-7" not in html  # terminals are inside the prison; the family needs no name
    assert "16:00" not in html and "Saturday" not in html


def test_the_booking_window_is_published(client, world):
    world.facility.min_notice_days = 2
    world.facility.max_notice_days = 14
    world.facility.save(update_fields=["min_notice_days", "max_notice_days"])
    html = rules_page(client, world.facility)
    assert "Book at least 2 days before the visit." in html
    assert "You can book up to 14 days ahead." in html


def test_changing_a_level_changes_the_page(client, world):
    level = world.prisoner.level
    assert cell(rules_page(client, world.facility), level, "middle", "in_person") == 2
    level.in_person_per_month = 5
    level.save(update_fields=["in_person_per_month"])
    assert cell(rules_page(client, world.facility), level, "middle", "in_person") == 5


def test_a_stage_rule_extra_shows_in_its_stage_column(client, staged):
    level = staged.prisoner.level  # 2 in person and 2 video a month
    html = rules_page(client, staged.facility)
    assert cell(html, level, "entry", "video") == 3
    assert cell(html, level, "entry", "in_person") == 2
    assert cell(html, level, "middle", "video") == 2
    assert cell(html, level, "pre_release", "in_person") == 3
    assert cell(html, level, "pre_release", "video") == 4
    assert "The first 3 months of the sentence." in html
    assert "The last 6 months before the release date." in html


def test_without_stage_rules_there_is_one_column_for_the_whole_sentence(client, world):
    html = rules_page(client, world.facility)
    assert "Whole sentence" in html
    assert 'data-stage="entry"' not in html and 'data-stage="pre_release"' not in html


def test_the_table_equals_what_the_booking_engine_allows(client, staged):
    """For every level and stage, the published number is the limit ``allowance_on`` enforces."""
    facility = staged.facility
    facility.minimum_visits_per_month = 2
    facility.save(update_fields=["minimum_visits_per_month"])
    levels = [
        staged.prisoner.level,
        # Saved without clean(): the published minimum must still lift it to 2.
        factories.level(facility, rank=1, in_person_per_month=0, video_per_month=1),
        factories.level(facility, rank=2, in_person_per_month=4, video_per_month=6),
    ]
    today = facility.local_today()
    sentences = {
        Stage.ENTRY: (today - relativedelta(months=1), today + relativedelta(years=5)),
        Stage.MIDDLE: (today - relativedelta(years=3), today + relativedelta(years=3)),
        Stage.PRE_RELEASE: (today - relativedelta(years=3), today + relativedelta(months=2)),
    }
    html = rules_page(client, facility)
    for level in levels:
        for stage, (start, end) in sentences.items():
            prisoner = factories.prisoner(
                facility, level=level, sentence_start=start, sentence_end=end
            )
            assert stage_on(prisoner, today) == stage
            for kind in (VisitKind.IN_PERSON, VisitKind.VIDEO):
                engine = allowance_on(prisoner, kind, today)
                assert cell(html, level, stage, kind) == engine.limit, (level, stage, kind)
    assert cell(html, levels[1], "middle", "in_person") == 2


def test_remand_weekly_limits_are_shown_and_match_the_engine(client, world):
    world.facility.remand_in_person_per_week = 2
    world.facility.remand_video_per_week = 3
    world.facility.save(update_fields=["remand_in_person_per_week", "remand_video_per_week"])
    html = rules_page(client, world.facility)
    assert "A person on remand may have 2 in-person family visits a week." in html
    assert "A person on remand may have 3 video visits a week." in html
    remanded = factories.prisoner(
        world.facility, legal_status="remand", sentence_start=None, sentence_end=None
    )
    today = world.facility.local_today()
    assert allowance_on(remanded, VisitKind.IN_PERSON, today).limit == 2
    assert allowance_on(remanded, VisitKind.VIDEO, today).limit == 3


def test_legal_visits_are_outside_the_allowance_and_never_recorded(client, world):
    html = rules_page(client, world.facility)
    assert "never count against the family allowance" in html
    assert "Legal visits are never recorded or monitored." in html


def test_the_published_minimum_is_stated(client, world):
    world.facility.minimum_visits_per_month = 2
    world.facility.save(update_fields=["minimum_visits_per_month"])
    html = rules_page(client, world.facility)
    assert "Every prisoner may have at least 2 in-person family visits a month." in html
    assert "No level and no restriction can take a prisoner below this minimum." in html


def test_visitor_limits_and_what_to_bring(client, world):
    facility = world.facility
    facility.max_visitors, facility.max_adults, facility.max_children = 4, 2, 1
    facility.adult_age = 16
    facility.what_to_bring = "Lockers take 1 yuan coins."
    facility.save()
    html = rules_page(client, facility)
    assert "At most 4 people may come to one visit." in html
    assert "At most 2 adults may come to one visit." in html
    assert "At most 1 child may come to one visit." in html
    assert "Visitors aged 16 or over count as adults." in html
    assert "Children must come with an adult." in html
    assert "original identity document of every adult visitor" in html
    assert "household register or a birth certificate" in html
    assert "a phone with a camera, and a quiet place" in html
    assert "Lockers take 1 yuan coins." in html


def test_a_level_with_a_tighter_party_publishes_the_limit_the_booking_enforces(client, world):
    tight = factories.level(world.facility, max_visitors=1)
    prisoner = factories.prisoner(world.facility, level=tight)
    html = rules_page(client, world.facility)
    row = re.search(rf'<tr data-level="{tight.code}">(.*?)</tr>', html, re.S).group(1)
    assert re.search(r"data-visitors>1<", row)
    assert "Some levels allow fewer" in html
    slot = factories.slot(world.facility)

    def party_refusal(*visitors):
        proposal = rules.Proposal(prisoner, slot, "in_person", visitors)
        return rules.refusal(
            proposal, booking_facts(proposal), timezone.now(), only=[rules.check_party]
        )

    assert party_refusal(world.family) is None
    assert party_refusal(world.family, world.other_family).code == "party_too_large"


@pytest.mark.parametrize(
    ("recorded", "days", "shown", "hidden"),
    [
        (
            True,
            30,
            "Video visits are recorded. Recordings are deleted after 30 days.",
            "not recorded",
        ),
        (True, 1, "Recordings are deleted after 1 day.", "not recorded"),
        (False, 30, "Video visits are not recorded.", "Recordings are deleted"),
    ],
)
def test_recording_disclosure_follows_the_facility_policy(
    client, world, recorded, days, shown, hidden
):
    world.facility.video_visits_recorded = recorded
    world.facility.recording_retention_days = days
    world.facility.save(update_fields=["video_visits_recorded", "recording_retention_days"])
    html = rules_page(client, world.facility)
    assert shown in html
    assert hidden not in html


@pytest.mark.parametrize(
    ("supervised", "sentence"),
    [
        (True, "Family visits are supervised by an officer."),
        (False, "Family visits are not supervised by an officer."),
    ],
)
def test_supervision_is_disclosed(client, world, supervised, sentence):
    world.facility.visits_supervised = supervised
    world.facility.save(update_fields=["visits_supervised"])
    assert sentence in rules_page(client, world.facility)


def test_the_page_in_uyghur_reads_right_to_left(client, world):
    weekly(world.facility)
    client.post(reverse("set_language"), {"language": "ug", "next": "/"})
    response = client.get(reverse("public:rules", args=[world.facility.code]))
    assert response.status_code == 200
    assert '<html lang="ug" dir="rtl">' in response.text
    assert "كۆرۈشۈش ۋاقىتلىرى" in response.text  # "Visiting hours"
    assert "Visiting hours" not in response.text
    # Clock times keep their left-to-right order inside the right-to-left page.
    assert '<span class="time-range" dir="ltr">' in response.text


def test_the_page_keeps_to_the_content_security_policy(client, world):
    weekly(world.facility)
    html = rules_page(client, world.facility)
    assert " style=" not in html
    assert "<script" not in html
    assert 'class="table-scroll"' in html  # the wide table scrolls on a narrow phone


def test_home_and_facility_pages_link_to_the_rules(client, world):
    url = reverse("public:rules", args=[world.facility.code])
    assert url in client.get(reverse("public:home")).text
    assert url in client.get(reverse("public:facility", args=[world.facility.code])).text


def test_the_number_of_queries_does_not_grow_with_levels_or_times(
    client, staged, django_assert_max_num_queries
):
    for n in range(4):
        level = factories.level(staged.facility, rank=n + 1)
        weekly(staged.facility, weekday=n).levels.add(level, staged.prisoner.level)
        weekly(staged.facility, weekday=n, terminal=factories.terminal(staged.facility))
    with django_assert_max_num_queries(6):
        response = client.get(reverse("public:rules", args=[staged.facility.code]))
    assert response.status_code == 200


def test_the_table_selector_orders_levels_by_rank(world):
    factories.level(world.facility, rank=9, name="Last")
    factories.level(world.facility, rank=0, name="First")
    names = [row.level.name for row in allowance_table(world.facility).levels]
    assert names[0] == "First" and names[-1] == "Last"


@pytest.mark.parametrize(
    ("language", "sentence"),
    [
        ("en", "A visit counts in the month in which it takes place"),
        ("zh-hans", "每次会见计入会见当天所在的月份"),
    ],
)
def test_the_page_says_a_visit_counts_in_its_own_month(client, world, language, sentence):
    response = client.get(
        reverse("public:rules", args=[world.facility.code]), headers={"accept-language": language}
    )
    assert sentence in response.text


def test_the_page_publishes_the_visits_a_day(client, world):
    world.facility.video_per_day = 2
    world.facility.save(update_fields=["video_per_day"])
    page = rules_page(client, world.facility)
    assert "at most 1 in-person family visit a day" in page
    assert "at most 2 video family visits a day" in page


def test_the_page_publishes_the_booking_cut_off(client, world):
    world.facility.min_notice_days = 1
    world.facility.booking_closes_at = dt.time(17, 0)
    world.facility.save(update_fields=["min_notice_days", "booking_closes_at"])
    assert "Book by 17:00, 1 day before the visit." in rules_page(client, world.facility)
