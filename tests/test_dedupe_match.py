"""Name keys and pair/cluster matching, on hand-made cases."""

from __future__ import annotations

import pytest

from crmcli.dedupe import match
from crmcli.dedupe.match import find_duplicates, make_record, score_pair
from crmcli.dedupe.namekeys import clean, name_parts, pinyin_key, simplify
from crmcli.dedupe.places import compatible

BJ = ("北京", "北京")


@pytest.mark.parametrize("name, core, places", [
    ("北京华信科技有限公司", "华信科技", {BJ}),                      # city prefix + legal form
    ("华信科技(北京)有限公司", "华信科技", {BJ}),                    # bracketed city
    ("华信科技（北京）有限公司", "华信科技", {BJ}),                  # full-width brackets
    ("华信科技【北京】有限公司", "华信科技", {BJ}),                  # other bracket style
    ("北京華信科技有限責任公司", "华信科技", {BJ}),                  # Traditional characters
    ("北京市华信科技股份有限公司", "华信科技", {BJ}),                # 市 + 股份有限公司
    ("华信科技北京分公司", "华信科技", {BJ}),                        # place before 分公司
    ("北京市海淀区华信科技有限公司", "华信科技", {BJ}),              # district after the city
    ("广东省深圳市华信科技有限公司", "华信科技", {("广东", ""), ("广东", "深圳")}),
    ("华信科技集团", "华信科技", set()),
    ("华信科技（中国）有限公司", "华信科技", set()),                 # country in brackets
    ("内蒙古自治区华信科技有限公司", "华信科技", {("内蒙古", "")}),
    ("Huaxin Technology Co., Ltd.", "huaxintechnology", set()),      # English legal forms
    ("ＨＵＡＸＩＮ　Ｉｎｃ.", "huaxin", set()),                       # full-width Latin
    ("  华信科技  有限公司 ", "华信科技", set()),
])
def test_name_parts(name, core, places):
    p = name_parts(name)
    assert p.core == core
    assert set(p.places) == places


def test_name_parts_edge_cases():
    assert name_parts("北京有限公司").core == "北京"          # nothing but place and form: keep the whole
    assert name_parts("黄山", person=True).core == "黄山"      # a person keeps a place-like name
    assert name_parts("黄山旅游有限公司").core == "旅游"       # a company does not
    assert name_parts("华信区块链科技有限公司").core == "华信区块链科技"


def test_width_simplify_and_pinyin():
    assert simplify("華信科技有限責任公司") == "华信科技有限责任公司"
    assert simplify("abc") == "abc"
    assert clean("ＡＢＣ（北京）") == "abc(北京)"
    assert pinyin_key("华信科技") == "huaxinkeji"
    assert pinyin_key("华欣科技") == "huaxinkeji"    # a homophone slip
    assert pinyin_key("华强科技") == "huaqiangkeji"


def test_places_compatible():
    assert compatible(frozenset({BJ}), frozenset({BJ}))
    assert not compatible(frozenset({BJ}), frozenset({("上海", "上海")}))
    assert compatible(frozenset({("广东", "")}), frozenset({("广东", "深圳")}))
    assert not compatible(frozenset({("广东", "广州")}), frozenset({("广东", "深圳")}))
    assert compatible(frozenset(), frozenset({BJ}))


@pytest.mark.parametrize("phone, key", [
    ("13812345678", "13812345678"), ("010-62345678", "01062345678"), ("010-62345678-801", "01062345678"),
    ("400-820-8820", "4008208820"), ("+86 138-1234-5678", "13812345678"), ("(010)62345678", "01062345678"),
    ("138****5678", None), (None, None), ("12345", None),
])
def test_fast_phone_key(phone, key):
    assert match.fast_phone_key(phone) == key


def r(cid, name, phone=None, email=None, created="2024-01-01", kind=None):
    return make_record(cid, name, phone, email, created, kind)


# --- positives -----------------------------------------------------------------------------
def test_same_company_three_spellings_three_phone_forms():
    a = r("C1", "北京华信科技有限公司", "13812345678")
    b = r("C2", "华信科技(北京)有限公司", "+86 138-1234-5678")
    c = r("C3", "北京華信科技有限責任公司", "(010)62345678")
    assert score_pair(a, b) == (100.0, "same name + same mobile")
    assert score_pair(a, c) == (92.0, "same name, no conflicting contact")  # a mobile and a landline do not clash


def test_homophone_slip_with_same_mobile():
    a = r("C1", "北京华信科技有限公司", "13812345678")
    b = r("C2", "北京华欣科技有限公司", "13812345678")
    assert score_pair(a, b) == (97.8, "name 95 (sounds alike) + same mobile")


def test_same_email_and_landline_reasons():
    a = r("C1", "华信科技有限公司", "010-62345678", "info@huaxin.cn")
    b = r("C2", "华信科技", "010-62345678", "INFO@huaxin.cn")
    assert score_pair(a, b) == (100.0, "same name + same landline + same email")


def test_abbreviated_name_with_same_mobile():
    a = r("C1", "华信科技有限公司", "13812345678")
    b = r("C2", "华信", "13812345678")
    score, reason = score_pair(a, b)
    assert score == 95.5 and reason == "name 90 + same mobile"


# --- negatives -----------------------------------------------------------------------------
def test_same_core_different_city_different_phones_is_no_match():
    a = r("C1", "北京华信科技有限公司", "010-62345678")
    b = r("C2", "上海华信科技有限公司", "021-55556666")
    assert score_pair(a, b) is None


def test_same_core_different_city_without_phones_is_no_match():
    assert score_pair(r("C1", "北京华信科技"), r("C2", "上海华信科技有限公司")) is None


def test_different_city_but_same_mobile_stays_below_auto():
    score, reason = score_pair(r("C1", "北京华信科技", "13812345678"), r("C2", "上海华信科技", "13812345678"))
    assert score < match.AUTO_THRESHOLD and "different city 北京/上海" in reason


def test_shared_switchboard_with_clearly_different_names_is_no_match():
    a = r("C1", "北京华信科技有限公司", "010-62345678")
    b = r("C2", "北京远大物流有限公司", "010-62345678")
    assert score_pair(a, b) is None


def test_family_phone_different_people_is_no_match():
    a = r("C1", "张伟", "13812345678", kind="individual")
    b = r("C2", "李伟", "13812345678", kind="individual")
    assert score_pair(a, b) is None


def test_identical_name_with_conflicting_phones_is_review_only():
    score, reason = score_pair(r("C1", "华信科技", "13812345678"), r("C2", "华信科技", "13900001111"))
    assert score == 80.0 and reason == "same name, different phone/email"


def test_name_only_similarity_never_auto():
    score, _ = score_pair(r("C1", "华信科技", "13812345678"), r("C2", "华信科"))
    assert score < match.AUTO_THRESHOLD
    score, _ = score_pair(r("C1", "华信科技", "13812345678"), r("C2", "华欣科技"))  # homophone, no contact shared
    assert score < match.AUTO_THRESHOLD


def test_same_person_name_with_own_phones_is_no_match():
    assert score_pair(r("C1", "张伟", "13812345678", kind="individual"), r("C2", "张伟", "13900001111", kind="individual")) is None


def test_namesakes_do_not_chain_through_a_contactless_record():
    # X (email only) could be either 张伟; the two 张伟 with their own phones are two people
    recs = [r("A", "张伟", "13812345678", kind="individual"), r("B", "张伟", "13900001111", kind="individual"),
            r("X", "张伟", email="zw@qq.com", kind="individual")]
    clusters = find_duplicates(recs)
    assert len(clusters) == 1 and len(clusters[0].members) == 2


def test_identical_person_names_are_review_only():
    score, _ = score_pair(r("C1", "张伟", "13812345678", kind="individual"), r("C2", "张伟", kind="individual"))
    assert match.DEFAULT_THRESHOLD <= score < match.AUTO_THRESHOLD


# --- clusters ------------------------------------------------------------------------------
def test_clusters_survivor_reasons_and_no_chaining_across_cities():
    recs = [
        r("C3", "北京華信科技有限責任公司", "010-62345678", created="2024-03-01"),
        r("C1", "北京华信科技有限公司", "13812345678", "info@huaxin.cn", created="2024-01-01"),
        r("C2", "华信科技(北京)有限公司", "13812345678", created="2024-02-01"),
        r("C4", "上海华信科技有限公司", "13812345678", created="2023-01-01"),   # shares the mobile, other city
        r("C5", "北京远大物流有限公司", "010-62345678", created="2024-01-01"),   # shares the switchboard
        r("C6", "深圳长城电子有限公司", "0755-88886666", created="2024-01-01"),
    ]
    stats = match.Stats()
    clusters = find_duplicates(recs, stats=stats)
    assert len(clusters) == 1
    c = clusters[0]
    assert [recs[i].customer_id for i in c.members] == ["C1", "C2", "C3"]
    assert c.score == 92.0
    assert c.reasons[c.members[0]] == "survivor: oldest record"
    assert c.reasons[c.members[1]] == "same name + same mobile"
    assert stats.records == 6
    # mobile block C1 C2 C4: 3 pairs; landline C3 C5: 1; name 华信科技 adds C3-C1, C3-C2, C3-C4: 7 of 15
    assert stats.pairs_scored == 7


def test_cannot_link_stops_transitive_chain():
    # B~A and B~C are strong, but A and C are in different cities: C must not join A's cluster.
    a = r("A", "北京华信科技有限公司", "13812345678", created="2024-01-01")
    b = r("B", "华信科技有限公司", "13812345678", "x@huaxin.cn", created="2024-02-01")
    c = r("C", "上海华信科技有限公司", "021-55556666", "x@huaxin.cn", created="2024-03-01")
    clusters = find_duplicates([a, b, c])
    assert len(clusters) == 1
    assert sorted(clusters[0].members) == [0, 1]


def test_big_blocks_are_skipped():
    recs = [r(f"C{i}", f"公司{i:04d}号", "400-820-8820") for i in range(match.MAX_BLOCK + 1)]
    stats = match.Stats()
    assert find_duplicates(recs, stats=stats) == []
    assert stats.skipped_blocks == 1


def test_weak_hanger_does_not_hold_back_a_sure_group():
    # A, B, C: the same company, same mobile. D: a homophone name with another phone type (review only).
    recs = [r("A", "北京华信科技有限公司", "13812345678", created="2024-01-01"),
            r("B", "华信科技(北京)有限公司", "13812345678", created="2024-02-01"),
            r("C", "北京華信科技有限責任公司", "13812345678", created="2024-03-01"),
            r("D", "北京华欣科技有限公司", "010-62345678", created="2024-04-01")]
    (sure,) = find_duplicates(recs)  # a customer is in at most one cluster (issue 14)
    assert sure.members == [0, 1, 2] and sure.score == 100.0
    # Once the group is one customer, D is listed against it for review.
    (review,) = find_duplicates([recs[0], recs[3]])
    assert review.members == [0, 1] and review.score == 80.8
    assert review.reasons[1] == "name 95 (sounds alike), no shared contact"


def test_no_customer_is_in_two_clusters():
    recs = [r("A", "北京华信科技有限公司", "13812345678", created="2024-01-01"),
            r("B", "华信科技(北京)有限公司", "13812345678", created="2024-02-01"),
            r("D", "北京华欣科技有限公司", "010-62345678", created="2024-04-01"),
            r("E", "北京华欣科技", "010-62345678", created="2024-05-01"),
            r("F", "上海华信科技有限公司", "13912345678", created="2024-06-01")]
    members = [m for c in find_duplicates(recs, threshold=40) for m in c.members]
    assert len(members) == len(set(members))


def test_contact_person_phone_counts_for_its_customer(conn):
    conn.execute("INSERT INTO customers (customer_id, name, phone) VALUES ('C1', '北京华信科技有限公司', '010-62345678')")
    conn.execute("INSERT INTO customers (customer_id, name, phone) VALUES ('C2', '华信科技', '13812345678')")
    conn.execute("INSERT INTO contacts (customer_id, name, phone) VALUES ('C1', '张三', '13812345678')")
    recs = match.load_records(conn)
    assert recs.ids == ["C1", "C2"] and recs.phone_keys(0) == ("01062345678", "13812345678")
    assert recs.score(0, 1) == (100.0, "same name + same mobile")
    assert match.load_records(conn, with_contacts=False).phone_keys(0) == ("01062345678",)


def test_common_person_name_meets_only_by_contact():
    recs = [r(f"C{i}", "张伟", f"1380000{i:04d}", kind="individual") for i in range(match.MAX_PERSON_NAME_BLOCK + 1)]
    recs.append(r("X", "張偉", "13800000007", kind="individual"))   # the same person as C7, in Traditional
    stats = match.Stats()
    clusters = find_duplicates(recs, stats=stats)
    assert [sorted(recs[i].customer_id for i in c.members) for c in clusters] == [["C7", "X"]]
    assert stats.pairs_scored == 1 and stats.skipped_blocks == 2   # the name and its pinyin


def test_place_less_name_used_in_several_cities_is_not_matched_on_name():
    recs = [r("B", "北京华信科技有限公司", "13812345678"), r("S", "上海华信科技有限公司", "13900001111"),
            r("X", "华信科技有限公司", email="x@qq.com")]
    assert find_duplicates(recs) == []
    marked = match.Records.of(recs)
    match.mark_ambiguous(marked)
    assert marked.score(1, 2) == (75.0, "same name, but that name exists in several cities")
    # with a landline the place-less record has a city after all: 021 is 上海
    recs[2] = r("X", "华信科技有限公司", "021-55556666")
    (c,) = find_duplicates(recs)
    assert sorted(recs[i].customer_id for i in c.members) == ["S", "X"] and c.score == 92.0
