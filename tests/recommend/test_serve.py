"""Online recommendations: baskets, similar items, similar groups, filters, explanations."""

from __future__ import annotations

from recommend.matrix import Interactions
from recommend.model import Model
from recommend.serve import (
    Scored,
    group_space,
    recommend_for_items,
    similar_groups,
    similar_items,
)

BASKET = ["a1", "a2", "a3", "a4"]


def _ids(results: list[Scored]) -> list[str]:
    return [r.item_id for r in results]


def test_basket_gets_items_of_its_own_cluster(model: Model) -> None:
    results = recommend_for_items(model, BASKET, 10)
    assert len(results) == 10
    assert all(item.startswith("a") for item in _ids(results))
    assert [r.score for r in results] == sorted((r.score for r in results), reverse=True)


def test_basket_items_and_exclusions_never_come_back(model: Model) -> None:
    everything = _ids(recommend_for_items(model, BASKET, 100))
    assert len(everything) == model.n_items - len(BASKET)
    assert not set(BASKET) & set(everything)
    top = _ids(recommend_for_items(model, BASKET, 5))
    again = _ids(recommend_for_items(model, BASKET, 5, exclude=set(top[:2])))
    assert not set(top[:2]) & set(again)
    assert again[:3] == top[2:]


def test_allowed_filter_still_returns_k_when_k_pass(model: Model) -> None:
    # only "b" items are allowed: they rank below every "a" item for this basket
    results = recommend_for_items(model, BASKET, 7, allowed=lambda item: item.startswith("b"))
    assert len(results) == 7
    assert all(item.startswith("b") for item in _ids(results))
    few = recommend_for_items(model, BASKET, 7, allowed=lambda item: item in {"b1", "b2"})
    assert sorted(_ids(few)) == ["b1", "b2"]


def test_because_lists_only_input_items_strongest_first(model: Model) -> None:
    for result in recommend_for_items(model, BASKET, 10):
        assert result.because
        assert set(result.because) <= set(BASKET)
        assert len(result.because) == len(set(result.because))


def test_a_new_purchase_changes_the_recommendations_at_once(model: Model) -> None:
    before = recommend_for_items(model, ["a1"], 10)
    after = recommend_for_items(model, ["a1", "b5", "b6", "b7"], 10)
    assert _ids(before) != _ids(after)
    assert any(item.startswith("b") for item in _ids(after))
    assert any(set(r.because) & {"b5", "b6", "b7"} for r in after)


def test_unknown_items_are_ignored_and_nothing_known_means_popular(model: Model) -> None:
    assert _ids(recommend_for_items(model, [*BASKET, "nope"], 5)) == _ids(
        recommend_for_items(model, BASKET, 5))
    popular = recommend_for_items(model, ["nope"], 3)
    counts = {i: model.popularity[model.item_index[i]] for i in model.item_ids}
    assert [r.score for r in popular] == sorted(counts.values(), reverse=True)[:3]
    assert all(r.because == [] for r in popular)


def test_similar_items_stay_in_cluster_and_explain_with_the_seed(model: Model) -> None:
    results = similar_items(model, "b3", 10)
    assert len(results) == 10
    assert all(r.item_id.startswith("b") and r.item_id != "b3" for r in results)
    assert all(r.because == ["b3"] for r in results)
    assert all(-1.0001 <= r.score <= 1.0001 for r in results)
    assert similar_items(model, "missing", 5) == []


def test_similar_items_honours_allowed(model: Model) -> None:
    results = similar_items(model, "b3", 4, allowed=lambda item: item.startswith("a"))
    assert len(results) == 4
    assert all(r.item_id.startswith("a") for r in results)


def _artists(data: Interactions) -> dict[str, list[str]]:
    # four "artists" of five items each: two per cluster
    groups: dict[str, list[str]] = {}
    for item in data.item_ids:
        groups.setdefault(f"{item[0]}-artist{int(item[1:]) % 2}", []).append(item)
    return groups


def test_similar_groups_finds_the_artist_of_the_same_cluster(
    planted: Interactions, model: Model
) -> None:
    groups = _artists(planted)
    results = similar_groups(model, groups, "a-artist0", 3)
    assert _ids(results)[0] == "a-artist1"
    assert "a-artist0" not in _ids(results)
    assert set(results[0].because) <= set(groups["a-artist0"])
    prebuilt = similar_groups(model, group_space(model, groups), "a-artist0", 3)
    assert _ids(prebuilt) == _ids(results)
    assert similar_groups(model, groups, "nobody", 3) == []


def test_similar_groups_honours_allowed(planted: Interactions, model: Model) -> None:
    groups = _artists(planted)
    results = similar_groups(model, groups, "a-artist0", 3, allowed=lambda g: g.startswith("b"))
    assert sorted(_ids(results)) == ["b-artist0", "b-artist1"]
