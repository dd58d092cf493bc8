"""The blend of learned and cold-start picks: scores, exclusions, the cold floor and share."""

from __future__ import annotations

from recommend.blend import COLD_WEIGHT, MAX_AFFINITY, Neighbour, Pick, blend, cold, learned
from recommend.serve import MAX_BECAUSE, Scored


def test_learned_scores_are_relative_to_the_best() -> None:
    picks = learned([Scored("a", 4.0, ["x"]), Scored("b", 2.0, ["y"]), Scored("c", -1.0)])
    assert [(p.key, p.score, p.because) for p in picks] == [("a", 1.0, ["x"]), ("b", 0.5, ["y"]), ("c", 0.0, [])]
    assert not any(p.cold for p in picks)


def test_cold_picks_skip_inputs_and_what_the_model_knows_and_name_their_seeds() -> None:
    neighbours = {
        "s1": [Neighbour("s2", 3), Neighbour("new1", 1), Neighbour("known", 3)],
        "s2": [Neighbour("new1", 3), Neighbour("new2", 2)],
        "s3": [], "s4": [Neighbour("new1", 1)], "s5": [Neighbour("new1", 2)],
    }
    picks = cold(neighbours, ["s1", "s2", "s3", "s4", "s5"], known={"s1", "known"}, limit=10)
    assert [p.key for p in picks] == ["new1", "new2"]
    assert picks[0].score == COLD_WEIGHT * 3 / MAX_AFFINITY
    assert picks[0].because == ["s1", "s2", "s4"][:MAX_BECAUSE]
    assert all(p.cold for p in picks)


def test_when_no_input_is_known_known_neighbours_are_candidates_too() -> None:
    picks = cold({"n": [Neighbour("known", 3)]}, ["n"], known={"known"}, limit=10)
    assert [p.key for p in picks] == ["known"]


def test_the_best_cold_pick_holds_a_slot_and_cold_picks_take_at_most_their_share() -> None:
    strong = [Pick(f"l{n}", 1.0 - n / 100) for n in range(10)]
    weak = [Pick(f"c{n}", 0.1, cold=True) for n in range(10)]
    chosen = blend(strong, weak, 10)
    assert [p.key for p in chosen if p.cold] == ["c0"]
    assert len(chosen) == 10
    middling = [Pick(f"c{n}", 0.95, cold=True) for n in range(10)]
    assert sum(p.cold for p in blend(strong, middling, 10)) == 3
    assert [p.score for p in chosen] == sorted((p.score for p in chosen), reverse=True)
    assert len(blend(strong[:2], middling, 10)) == 10  # cold picks fill what learned ones cannot
