"""Cost that means one thing: what producing an answer cost, what a run paid for it, and batch prices."""

from __future__ import annotations

import json

import pytest

from harness.cli.summary import cost_text
from harness.fake_server import FakeServer, Script
from harness.models import prices
from harness.runner import run_eval
from harness.store import Store
from harness.types import RunConfig
from tests.conftest import TASK_DIR

KEY = "sk-fake-cost-0123456789"


@pytest.fixture(autouse=True)
def fake_key(monkeypatch):
    monkeypatch.setenv("OPENAI_API_KEY", KEY)


def test_batch_price_is_half_the_list_price_or_the_tables_own():
    assert prices.price_for("gpt-4o") == (2.5, 10.0)
    assert prices.price_for("gpt-4o-2024-08-06", batch=True) == (1.25, 5.0)  # a snapshot takes its family's
    assert prices.price_for("gpt-4o", price_in=2.0, batch=True) == (1.0, 5.0)  # overrides are list prices
    assert prices.price_for("no-such-model", batch=True) is None


def test_a_table_entry_may_give_its_own_batch_price(tmp_path, monkeypatch):
    table = {"models": {"m": {"input": 3.0, "output": 15.0, "batch_input": 2.0, "batch_output": 9.0}}}
    (tmp_path / "prices.json").write_text(json.dumps(table))
    monkeypatch.setattr(prices, "PRICES_FILE", tmp_path / "prices.json")
    prices.price_table.cache_clear()
    try:
        assert prices.price_for("m", batch=True) == (2.0, 9.0) and prices.price_for("m") == (3.0, 15.0)
    finally:
        prices.price_table.cache_clear()


def test_the_summary_shows_what_was_paid_and_the_producing_cost_when_they_differ():
    assert cost_text(0.0123, 0.0123) == ", $0.0123 paid"
    assert cost_text(0.0, 0.0123).startswith(", $0.0000 paid ($0.0123 to produce")
    assert cost_text(None, 0.5) == ", $0.5000"  # a run stored before paid costs were kept
    assert cost_text(None, None) == ""


def test_a_cached_rerun_pays_nothing_and_still_reports_the_producing_cost(db):
    with FakeServer(Script.oracle("echo", task_dir=str(TASK_DIR))) as server:
        config = RunConfig(
            task="echo", task_dir=str(TASK_DIR), db=db, model="openai:gpt-4o", limit=3,
            model_args={"base_url": server.openai_url},
        )  # fmt: skip
        first = run_eval(config)
        sent = server.stats["requests"]
        second = run_eval(config.model_copy(update={"fresh": True}))
        assert server.stats["requests"] == sent
    rows = list(Store(db).iter_samples(first.run_id))
    by_hand = sum((r["tokens_in"] * 2.5 + r["tokens_out"] * 10.0) / 1e6 for r in rows)
    assert first.cost_usd == pytest.approx(by_hand) and first.cost_paid_usd == pytest.approx(by_hand)
    assert second.cost_usd == pytest.approx(by_hand) and second.cost_paid_usd == 0
    assert {r["cost_paid_usd"] for r in Store(db).iter_samples(second.run_id)} == {0.0}
    document = second.to_dict()
    assert (document["cost_usd"], document["cost_paid_usd"]) == (pytest.approx(by_hand), 0)
    assert (document["tokens_in"], document["tokens_out"]) == (first.tokens_in, first.tokens_out)
    [latest, _] = Store(db, read_only=True).list_runs()
    assert latest.run_id == second.run_id and latest.cost_paid_usd == 0
