"""The chat-completions client (the openai SDK's transport under our cache, budget and concurrency)
against a real local HTTP server (no mocks of the client): the scripted protocol server of
tests/chat_server.py. Throughput figures: bench/llm_throughput.py."""

from __future__ import annotations

import base64
import json
import threading
import time
from typing import Any

import pytest

from pipelines.llm import ChatClient, Completion, EndpointError, image_message, png_data_url, request_hash, resolve_model
from tests.chat_server import MODEL, FakeServer, Reply, ok_body

FAST = {"retry-after-ms": "10"}  # the SDK's backoff starts at 0.5 s; a server may ask for less


@pytest.fixture
def server():
    srv = FakeServer()
    yield srv
    srv.close()


def client_for(srv: FakeServer, **kw: Any) -> ChatClient:
    kw.setdefault("timeout_s", 2.0)
    return ChatClient(srv.url, MODEL, **kw)


USER = [{"role": "user", "content": "What is 2+2?"}]


# ------------------------------------------------------------------------------------ construction


@pytest.mark.parametrize("base_url,model", [("", MODEL), (None, MODEL), ("http://x/v1", ""),
                                            ("http://x/v1", None), ("ftp://x/v1", MODEL), ("x/v1", MODEL)])
def test_missing_or_bad_base_url_or_model_is_a_value_error(base_url, model):
    with pytest.raises(ValueError):
        ChatClient(base_url, model)


def test_budget_without_a_price_is_a_value_error():
    with pytest.raises(ValueError, match="price"):
        ChatClient("http://127.0.0.1:1/v1", MODEL, budget_usd=1.0)


def test_bad_requests_raise_before_sending(server):
    c = client_for(server)
    with pytest.raises(ValueError):
        c.complete([])
    with pytest.raises(ValueError):
        c.complete(USER, model="other")
    with pytest.raises(ValueError):
        c.complete(USER, stream=True)
    with pytest.raises(ValueError):
        c.complete_many([USER, {"temperature": 0}])  # second has no messages: nothing sent at all
    assert server.count == 0


# ------------------------------------------------------------------------------------ happy path


@pytest.mark.parametrize("protocol", ["HTTP/1.1", "HTTP/1.0"])
def test_happy_path_text_tokens_cost_and_wire_format(protocol, monkeypatch):
    monkeypatch.setenv("FLYWHEEL_LLM_API_KEY", "sk-env")
    srv = FakeServer(protocol)
    try:
        srv.script(Reply(body=ok_body("four", prompt_tokens=1000, completion_tokens=500)))
        c = ChatClient(srv.url + "/", MODEL, prices={MODEL: (2.0, 8.0)})
        done = c.complete(USER, temperature=0, max_tokens=16)
        assert isinstance(done, Completion) and done.ok and done.error is None
        assert (done.text, done.finish_reason) == ("four", "stop")
        assert (done.prompt_tokens, done.completion_tokens) == (1000, 500)
        assert done.cost_usd == pytest.approx(1000 * 2.0 / 1e6 + 500 * 8.0 / 1e6)
        assert not done.cached and done.attempts == 1 and done.seconds > 0
        assert done.request_hash == request_hash({"model": MODEL, "messages": USER,
                                                  "temperature": 0, "max_tokens": 16})
        assert srv.paths == ["/v1/chat/completions"]
        assert srv.bodies == [{"model": MODEL, "messages": USER, "temperature": 0, "max_tokens": 16}]
        assert srv.headers[0]["Authorization"] == "Bearer sk-env"
        assert srv.headers[0]["Content-Type"] == "application/json"
        u = c.usage()
        assert (u.calls, u.http_requests, u.prompt_tokens, u.completion_tokens) == (1, 1, 1000, 500)
        assert u.cost_usd == pytest.approx(done.cost_usd)
        # a second request reuses (HTTP/1.1) or reopens (HTTP/1.0) the connection transparently
        assert c.complete(USER).ok and srv.count == 2
    finally:
        srv.close()


def test_explicit_api_key_wins_and_no_key_sends_no_header(server, monkeypatch):
    monkeypatch.delenv("FLYWHEEL_LLM_API_KEY", raising=False)
    client_for(server).complete(USER)
    client_for(server, api_key="sk-arg").complete(USER)
    assert "Authorization" not in server.headers[0]
    assert server.headers[1]["Authorization"] == "Bearer sk-arg"


def test_no_price_means_cost_none(server):
    done = client_for(server).complete(USER)
    assert done.ok and done.cost_usd is None


def test_image_message_is_sent_as_a_data_url(server, tiny_png):
    msg = image_message("Find BC.", tiny_png)
    done = client_for(server).complete([msg])
    assert done.ok
    parts = server.bodies[0]["messages"][0]["content"]
    assert server.bodies[0]["messages"][0]["role"] == "user"
    assert parts[0] == {"type": "text", "text": "Find BC."}
    assert parts[1]["type"] == "image_url"
    url = parts[1]["image_url"]["url"]
    assert url == png_data_url(tiny_png) and url.startswith("data:image/png;base64,")
    assert base64.b64decode(url.split(",", 1)[1]) == tiny_png
    with pytest.raises(ValueError):
        image_message("no image")


def test_content_parts_in_the_response_are_joined(server):
    body = ok_body()
    body["choices"][0]["message"]["content"] = [{"type": "text", "text": "a"}, {"type": "text", "text": "b"}]
    server.script(Reply(body=body))
    assert client_for(server).complete(USER).text == "ab"


# ------------------------------------------------------------------------------------ retries


def test_429_with_retry_after_then_success(server):
    server.script(Reply(429, {"error": "slow down"}, {"Retry-After": "0"}))
    c = client_for(server)
    t0 = time.perf_counter()
    done = c.complete(USER)
    assert done.ok and done.text == "hello" and done.attempts == 2
    assert server.count == 2 and time.perf_counter() - t0 < 2.0
    assert c.usage().retries == 1


def test_500_every_time_gives_an_error_completion_after_max_retries_plus_one(server):
    server.default = lambda body: Reply(500, "upstream exploded: " + "x" * 1000, FAST)
    c = client_for(server, max_retries=3)
    done = c.complete(USER)
    assert server.count == 4 and done.attempts == 4
    assert not done.ok and done.text == ""
    assert done.error.startswith("HTTP 500: upstream exploded")
    assert len(done.error) < 400  # a body excerpt, not the whole body
    u = c.usage()
    assert (u.calls, u.http_requests, u.retries, u.errors) == (1, 4, 3, 1)


def test_400_is_not_retried(server):
    server.script(Reply(400, {"error": {"message": "bad image"}}))
    done = client_for(server, max_retries=4).complete(USER)
    assert server.count == 1 and done.attempts == 1
    assert done.error.startswith("HTTP 400") and "bad image" in done.error


def test_slow_response_times_out_is_retried_then_errors(server):
    server.default = lambda body: Reply(delay=1.0)
    c = client_for(server, timeout_s=0.3, max_retries=1)
    t0 = time.perf_counter()
    done = c.complete(USER)
    took = time.perf_counter() - t0
    assert not done.ok and "timeout" in done.error and done.attempts == 2
    assert server.count == 2 and 0.55 < took < 1.5


def test_slow_then_fast_recovers(server):
    server.script(Reply(delay=0.8))
    done = client_for(server, timeout_s=0.3, max_retries=2).complete(USER)
    assert done.ok and done.attempts == 2


def test_connection_refused_is_retried_then_errors():
    srv = FakeServer()
    url = srv.url
    srv.close()  # nothing listens on that port any more
    c = ChatClient(url, MODEL, max_retries=2, timeout_s=0.5)
    done = c.complete(USER)
    assert not done.ok and "connection error" in done.error and done.attempts == 3


@pytest.mark.parametrize("payload", ["{not json", json.dumps({"choices": []}), json.dumps([1, 2])])
def test_malformed_body_is_an_error_completion_not_retried(server, payload):
    server.script(Reply(200, payload))
    done = client_for(server).complete(USER)
    assert not done.ok and done.error.startswith("malformed response") and server.count == 1


# ------------------------------------------------------------------------------------ cache


def test_cache_replays_across_clients_with_zero_requests(server, tmp_path):
    reqs = [USER, {"messages": USER, "temperature": 0.7}, [{"role": "user", "content": "other"}]]
    first = client_for(server, cache_dir=tmp_path, prices={MODEL: (1.0, 1.0)}).complete_many(reqs)
    assert all(c.ok and not c.cached for c in first) and server.count == 3
    files = sorted(p for p in tmp_path.rglob("*") if p.is_file())
    assert len(files) == 3 and all(p.suffix == ".json" for p in files)  # no temp files left behind
    entry = json.loads(files[0].read_bytes())
    assert entry["request_hash"] == files[0].stem and "response" in entry

    c2 = client_for(server, cache_dir=tmp_path, prices={MODEL: (1.0, 1.0)})
    again = c2.complete_many(reqs)
    assert server.count == 3  # zero HTTP requests
    assert all(c.cached and c.ok and c.cost_usd == 0.0 for c in again)
    assert [c.text for c in again] == [c.text for c in first]
    assert [c.request_hash for c in again] == [c.request_hash for c in first]
    assert [c.prompt_tokens for c in again] == [c.prompt_tokens for c in first]
    u = c2.usage()
    assert (u.calls, u.cache_hits, u.http_requests, u.cost_usd) == (3, 3, 0, 0.0)


def test_cache_key_depends_on_params_and_model_not_key_or_base_url(server, tmp_path):
    c = client_for(server, cache_dir=tmp_path)
    a = c.complete(USER, temperature=0)
    b = c.complete(USER, temperature=0.5)
    assert a.request_hash != b.request_hash and server.count == 2
    assert c.complete(USER, temperature=0).cached and server.count == 2
    other_model = ChatClient(server.url, "another-model", cache_dir=tmp_path).complete(USER, temperature=0)
    assert not other_model.cached and server.count == 3
    # same body via another URL spelling and another API key: replayed from the cache
    same = ChatClient(server.url.replace("127.0.0.1", "localhost"), MODEL, api_key="k2",
                      cache_dir=tmp_path).complete(USER, temperature=0)
    assert same.cached and server.count == 3
    # key order in params does not matter (canonical JSON)
    assert c.complete(USER, max_tokens=5, top_p=1).request_hash == c.complete(USER, top_p=1, max_tokens=5).request_hash


def test_failures_are_not_cached_and_corrupt_entries_are_misses(server, tmp_path):
    server.script(Reply(400, "nope"))
    c = client_for(server, cache_dir=tmp_path)
    assert not c.complete(USER).ok
    assert not any(p.is_file() for p in tmp_path.rglob("*"))
    good = c.complete(USER)
    assert good.ok and server.count == 2
    (path,) = [p for p in tmp_path.rglob("*.json")]
    path.write_text("{truncated")
    again = c.complete(USER)
    assert again.ok and not again.cached and server.count == 3
    assert c.complete(USER).cached  # rewritten


# ------------------------------------------------------------------------------------ concurrency


def test_concurrency_is_bounded_and_parallel(server):
    server.default = lambda body: Reply(body=ok_body(body["messages"][0]["content"]), delay=0.2)
    c = client_for(server, concurrency=4)
    reqs = [[{"role": "user", "content": f"q{i}"}] for i in range(8)]
    t0 = time.perf_counter()
    out = c.complete_many(reqs)
    took = time.perf_counter() - t0
    assert took < 1.2, took
    assert server.max_in_flight <= 4 and server.count == 8
    assert [o.text for o in out] == [f"q{i}" for i in range(8)]  # order preserved


def test_concurrency_bound_holds_across_threads_calling_complete(server):
    server.default = lambda body: Reply(delay=0.1)
    c = client_for(server, concurrency=2)
    threads = [threading.Thread(target=c.complete, args=(USER,), kwargs={"seed": i}) for i in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert server.count == 6 and server.max_in_flight <= 2


def test_complete_many_mixed_failures_keep_order_and_progress(server, capsys):
    def by_content(body):
        return Reply(400, "bad") if body["messages"][0]["content"] == "bad" else Reply()

    server.default = by_content
    out = client_for(server).complete_many([USER, [{"role": "user", "content": "bad"}], USER], progress=True)
    assert [o.ok for o in out] == [True, False, True]
    assert client_for(server).complete_many([]) == []


# ------------------------------------------------------------------------------------ budget


def test_budget_exhaustion_stops_requests(server):
    # each response costs 1000 * 1e-6 * 400 = $0.40; budget $1.00 -> the third call exhausts it
    server.default = lambda body: Reply(body=ok_body(prompt_tokens=1000, completion_tokens=0))
    c = client_for(server, concurrency=1, prices={MODEL: {"input": 400.0, "output": 0.0}}, budget_usd=1.0)
    out = c.complete_many([[{"role": "user", "content": f"q{i}"}] for i in range(6)])
    assert [o.ok for o in out] == [True, True, True, False, False, False]
    assert server.count == 3
    assert all(o.error == "budget exhausted" and o.attempts == 0 for o in out[3:])
    u = c.usage()
    assert u.cost_usd == pytest.approx(1.2) and u.budget_refusals == 3 and u.errors == 3


def test_cache_hits_are_free_under_an_exhausted_budget(server, tmp_path):
    server.default = lambda body: Reply(body=ok_body(prompt_tokens=1000, completion_tokens=0))
    prices = {MODEL: (1000.0, 0.0)}  # $1 per response
    c = client_for(server, cache_dir=tmp_path, prices=prices, budget_usd=1.0)
    assert c.complete(USER).ok
    assert c.complete([{"role": "user", "content": "new"}]).error == "budget exhausted"
    assert c.complete(USER).cached and server.count == 1


def test_usage_is_thread_safe_totals(server):
    c = client_for(server, concurrency=8, prices={MODEL: (1.0, 2.0)})
    out = c.complete_many([[{"role": "user", "content": str(i)}] for i in range(40)])
    u = c.usage()
    assert (u.calls, u.http_requests, u.prompt_tokens, u.completion_tokens) == (40, 40, 440, 280)
    assert u.cost_usd == pytest.approx(sum(o.cost_usd for o in out))


# ------------------------------------------------------------------------------------ throughput


def test_retry_after_beyond_the_sdk_limit_is_not_retried(server):
    server.script(Reply(429, {"error": "come back tomorrow"}, {"Retry-After": "86400"}))
    done = client_for(server).complete(USER)
    assert not done.ok and done.error.startswith("HTTP 429") and server.count == 1


# ------------------------------------------------------------------------------------ the served model


def test_the_served_model_is_discovered_and_a_configured_one_checked(server):
    assert resolve_model(server.url) == MODEL
    assert resolve_model(server.url, MODEL) == MODEL
    with pytest.raises(EndpointError, match=f"does not serve model 'other'; it serves: {MODEL}"):
        resolve_model(server.url, "other")
    server.models = ["a", "b"]
    with pytest.raises(EndpointError, match="serves 2 models .a, b.: name one with FLYWHEEL_LLM_MODEL"):
        resolve_model(server.url, api_key="another key")  # a new question, not the answer kept above


def test_an_unreachable_or_refusing_endpoint_is_one_line():
    srv = FakeServer()
    url = srv.url
    srv.models_status = 401
    with pytest.raises(EndpointError, match="answered HTTP 401.*FLYWHEEL_LLM_API_KEY") as err:
        resolve_model(url, api_key="wrong")
    assert "\n" not in str(err.value)
    srv.close()
    with pytest.raises(EndpointError, match="is unreachable") as err:
        resolve_model(url, timeout_s=1)
    assert "\n" not in str(err.value) and url in str(err.value)
