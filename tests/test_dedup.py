"""De-duplication: exact / near clusters, pigeonhole phash search, MinHash LSH (pipelines.dedup)."""

from __future__ import annotations

import random

import numpy as np
import pytest

from pipelines.dedup import (
    choose_bands,
    find_duplicates,
    hamming_pairs,
    lsh_pairs,
    minhash_signatures,
    normalise_text,
    shingle_hashes,
)
from pipelines.dedup.core import _TOKEN
from pipelines.curate import PRIOR_COLUMNS, dedup_against_history, duplicate_rows
from pipelines.dedup.index import index_history
from tests.counting_lake import CountingLake

Q = ("Segment AB joins A(3, 2) and B(2, 5); segment CD joins C(0, -4) and D(-4, -4). What is the "
     "area of the triangle whose vertices are A, C and the intersection point of lines AB and CD? "
     "Give an exact value; write a non-integer as a fraction a/b in lowest terms.")
PH = "c3a5f00f12345678"


def flip(ph: str, bits: list[int]) -> str:
    x = int(ph, 16)
    for b in bits:
        x ^= 1 << b
    return f"{x:016x}"


def row(sid, q=Q, a="15", image="img1", ph=PH):
    return {"sample_id": sid, "question": q, "answer": a, "image_id": image, "phash": ph}


def by_id(rows):
    return {r["sample_id"]: r for r in find_duplicates(rows)}


def test_normalise_text_unifies_unicode_and_space():
    a = normalise_text("Angle  ABC  is \u221230\u00b0\n(\u00d7 2)?", " 15 ")
    b = normalise_text("angle abc is -30 degrees (* 2)?", "15")
    assert a == b
    assert normalise_text("x\u2013y \u2264 3\u00ba", "A") == normalise_text("x-y <= 3\u00b0", "a")


def test_exact_duplicates_cluster():
    out = by_id([row("s3"), row("s1", q=Q.upper().replace(". ", ".   ")), row("s2"), row("s9", a="16")])
    assert {out[s]["cluster_id"] for s in ("s1", "s2", "s3")} == {"s1"}
    assert [out[s]["keep"] for s in ("s1", "s2", "s3")] == [True, False, False]
    assert {out[s]["kind"] for s in ("s1", "s2", "s3")} == {"exact"}
    assert out["s1"]["cluster_size"] == 3 and out["s1"]["text_jaccard"] == 1.0 and out["s1"]["hamming"] == 0
    assert out["s9"] == {"sample_id": "s9", "cluster_id": "s9", "kind": "unique", "keep": True,
                         "cluster_size": 1, "text_jaccard": None, "hamming": None}


def test_one_word_rewording_same_figure_is_near():
    reworded = Q.replace("What is the area", "Find the area")
    out = by_id([row("a"), row("b", q=reworded), row("c", q=reworded, image="img2", ph=flip(PH, [1, 7, 40]))])
    assert {r["cluster_id"] for r in out.values()} == {"a"}
    assert {r["kind"] for r in out.values()} == {"near"}
    assert out["c"]["hamming"] == 3 and 0.8 <= out["a"]["text_jaccard"] < 1.0


def test_expansion_on_same_figure_not_clustered():
    """A different question/answer on the same figure (a V-Thinker expansion) is kept apart."""
    q2 = ("Segment AB joins A(3, 2) and B(2, 5); segment CD joins C(0, -4) and D(-4, -4). "
          "When both segments are extended to full lines, how are line AB and line CD related?")
    out = by_id([row("a"), row("b", q=q2, a="A"), row("c", q=q2, a="15"),
                 # near-identical text but a different answer: not a duplicate either
                 row("d", a="16")])
    assert all(r["kind"] == "unique" for r in out.values())


def test_same_text_far_figure_not_clustered():
    far = flip(PH, list(range(0, 64, 3)))  # 22 bits away
    out = by_id([row("a"), row("b", image="img9", ph=far), row("c", image="img8", ph=flip(PH, range(7)))])
    assert all(r["kind"] == "unique" for r in out.values())  # 22 and 7 bits > k = 6


def test_near_links_need_both_text_and_image():
    reworded = Q.replace("What is the area", "Find the area")
    out = by_id([row("a"), row("b", q=reworded, image="x", ph=flip(PH, list(range(0, 64, 4))))])
    assert all(r["kind"] == "unique" for r in out.values())


def test_pigeonhole_matches_brute_force():
    rng = np.random.default_rng(7)
    n, k = 2000, 6
    h = rng.integers(0, 2**63, size=n, dtype=np.uint64) * np.uint64(2) + rng.integers(0, 2, size=n, dtype=np.uint64)
    # plant near pairs at distances 0..k+2 (k+1, k+2 must not be found)
    for t in range(300):
        src, dst = rng.choice(n, size=2, replace=False)
        bits = rng.choice(64, size=t % (k + 3), replace=False)
        x = int(h[src])
        for b in bits:
            x ^= 1 << int(b)
        h[dst] = np.uint64(x)
    # a cluster of identical hashes too
    h[:5] = h[5]
    i, j, d = hamming_pairs(h, k)
    x = h[:, None] ^ h[None, :]
    dist = np.bitwise_count(x).astype(int)
    bi, bj = np.nonzero(np.triu(dist <= k, 1))
    assert len(bi) > 200
    assert set(zip(i.tolist(), j.tolist())) == set(zip(bi.tolist(), bj.tolist()))
    assert (d == dist[i, j]).all()
    # hex strings give the same answer
    i2, j2, _ = hamming_pairs([f"{int(v):016x}" for v in h[:300]], k)
    i3, j3, _ = hamming_pairs(h[:300], k)
    assert (i2 == i3).all() and (j2 == j3).all()


def test_bucketing_keeps_small_distinct_keys_apart():
    from pipelines.dedup.core import _pairs_from_keys

    keys = np.arange(5000, dtype=np.uint64) % np.uint64(1000)  # small keys, 5 entries each
    codes = _pairs_from_keys(keys, np.arange(5000))
    assert codes.size == 1000 * 10


def _shingles(text: str, n: int = 3) -> set[tuple[str, ...]]:
    toks = _TOKEN.findall(text)
    return {tuple(toks[p:p + n]) for p in range(len(toks) - n + 1)}


def test_minhash_lsh_recall_and_precision():
    rnd = random.Random(3)
    vocab = [f"w{i}" for i in range(3000)]
    base = [" ".join(rnd.choice(vocab) for _ in range(60)) for _ in range(800)]
    texts = list(base)
    planted = []
    for b in range(300):  # one or two word substitutions of a base text
        toks = base[b].split()
        for p in rnd.sample(range(60), 1 + b % 2):
            toks[p] = rnd.choice(vocab)
        planted.append((b, len(texts)))
        texts.append(" ".join(toks))
    hashes, starts = shingle_hashes(texts)
    sig = minhash_signatures(hashes, starts)
    i, j, jac = lsh_pairs(sig, 0.8)
    found = set(zip(i.tolist(), j.tolist()))
    sh = [_shingles(t) for t in texts]
    true = {p: len(sh[p[0]] & sh[p[1]]) / len(sh[p[0]] | sh[p[1]]) for p in planted}
    strong = [p for p, v in true.items() if v >= 0.85]
    assert len(strong) > 100
    assert sum(p in found for p in strong) / len(strong) >= 0.95
    # no pair with a low true Jaccard is reported
    for a, b in found:
        assert len(sh[a] & sh[b]) / len(sh[a] | sh[b]) >= 0.6
    # the estimates track the truth
    for (a, b), e in zip(zip(i.tolist(), j.tolist()), jac):
        t = len(sh[a] & sh[b]) / len(sh[a] | sh[b])
        assert abs(e - t) < 0.2


def test_choose_bands_default():
    b, r = choose_bands(0.8, 128)
    assert (b, r) == (18, 7) and 1 - (1 - 0.8**r) ** b >= 0.97


def test_signatures_stable_and_seeded():
    h1, s1 = shingle_hashes(["the cat sat on the mat", "x"])
    h2, s2 = shingle_hashes(["the cat sat on the mat", "x"])
    assert (h1 == h2).all() and (s1 == s2).all() and s1.tolist() == [0, 4]
    sig = minhash_signatures(h1, s1)
    assert sig.shape == (2, 128) and (sig == minhash_signatures(h2, s2)).all()
    # pinned: blake2b-based, independent of PYTHONHASHSEED and process
    assert int(h1[0]) == int(shingle_hashes(["the cat sat"])[0][0])


def _synthetic(n: int, seed: int) -> list[dict]:
    rnd = random.Random(seed)
    rows = []
    for s in range(n):
        q = (f"Points A({rnd.randint(-9, 9)}, {rnd.randint(-9, 9)}), B({rnd.randint(-9, 9)}, "
             f"{rnd.randint(-9, 9)}) and C({rnd.randint(-9, 9)}, {rnd.randint(-9, 9)}) are plotted. "
             "What is the distance from C to the midpoint of AB? Round to two decimal places.")
        rows.append(row(f"s{s:05d}", q=q, a=rnd.choice("ABCD"), image=f"i{s}",
                        ph=f"{rnd.getrandbits(64):016x}"))
    for s in range(0, n, 10):  # planted: exact copy, and a reworded copy with a near figure
        src = rows[s]
        rows.append(dict(src, sample_id=src["sample_id"] + "x"))
        rows.append(dict(src, sample_id=src["sample_id"] + "y", image_id=src["image_id"] + "y",
                         question=src["question"].replace("What is", "Find"), phash=flip(src["phash"], [3, 9])))
    return rows


def test_templated_corpus_and_determinism():
    rows = _synthetic(3000, 1)
    out = find_duplicates(rows)
    shuffled = list(rows)
    random.Random(5).shuffle(shuffled)
    assert find_duplicates(shuffled) == out
    assert [r["sample_id"] for r in out] == sorted(r["sample_id"] for r in rows)
    by = {r["sample_id"]: r for r in out}
    for s in range(0, 3000, 10):
        sid = f"s{s:05d}"
        assert by[sid + "x"]["cluster_id"] == sid and by[sid + "y"]["cluster_id"] == sid
        assert by[sid]["kind"] == "near" and by[sid]["keep"]
    clustered = [r for r in out if r["cluster_size"] > 1]
    assert len(clustered) == 900  # nothing else: templated questions with other coordinates stay apart
    assert sum(r["keep"] for r in out) == len(rows) - 600


def test_empty_and_bad_input():
    assert find_duplicates([]) == []
    with pytest.raises(ValueError):
        find_duplicates([row("a"), row("a")])


# ------------------------------------------------------------------ wired into curation (pipelines.curate)

from pipelines.check import DIMENSIONS  # noqa: E402
from pipelines.curate import curate  # noqa: E402


def _passing(sid: str, question: str, image: str, answer: str = "15", rnd: int = 2, expansion: str = "none"):
    """A passing attempt of one sample: its draft, render and one passed verdict per dimension."""
    draft = {"sample_id": sid, "attempt": 0, "plan_id": sid, "parent_id": None, "expansion": expansion,
             "creator": "procedural:f", "family": "f", "variant": "base", "node_ids": ["d.t.p"], "difficulty": 1,
             "question": question, "answer": answer, "answer_type": "number", "choices": [], "solution": "s",
             "interactions": [], "render_code": "", "round": rnd, "domain": "d"}
    render = {"sample_id": sid, "attempt": 0, "image_id": image, "width": 10, "height": 10,
              "interaction_image_ids": [], "points_px": []}
    verdicts = [{"sample_id": sid, "attempt": 0, "dimension": d, "passed": True, "reason": ""} for d in DIMENSIONS]
    return draft, render, verdicts


def _curate(specs, phash, prior=()):
    parts = [_passing(*s) for s in specs]
    return curate([p[0] for p in parts], [p[1] for p in parts], [v for p in parts for v in p[2]], phash, prior)


def test_curate_drops_planted_exact_and_near_duplicates():
    reworded = Q.replace("What is the area", "Find the area")
    phash = {"img1": PH, "img2": flip(PH, [1, 7, 40]), "img3": flip(PH, list(range(0, 64, 3)))}
    out = _curate([("r2.d.0001", Q, "img1"), ("r2.d.0002", Q, "img1"),            # exact copy
                   ("r2.d.0003", reworded, "img1"),                                  # one word changed
                   ("r2.d.0004", Q, "img2"),                                          # same text, near image
                   ("r2.d.0005", Q, "img3"),                                          # same text, far image
                   ("r2.d.0006", Q + " Then double it.", "img1", "30")], phash)       # expansion-like
    assert [s["sample_id"] for s in out.samples] == ["r2.d.0001", "r2.d.0005", "r2.d.0006"]
    dups = {d["sample_id"]: d for d in out.duplicates}
    assert {s: (d["kind"], d["kept_id"], d["cluster_id"]) for s, d in dups.items()} == {
        "r2.d.0002": ("exact", "r2.d.0001", "r2.d.0001"),
        "r2.d.0003": ("near_text", "r2.d.0001", "r2.d.0001"),
        "r2.d.0004": ("near_image", "r2.d.0001", "r2.d.0001")}
    assert dups["r2.d.0002"]["similarity"] == 1.0 and dups["r2.d.0002"]["hamming"] == 0
    assert 0.8 <= dups["r2.d.0003"]["similarity"] == dups["r2.d.0003"]["text_jaccard"] < 1.0
    assert dups["r2.d.0004"]["hamming"] == 3 and dups["r2.d.0004"]["similarity"] == 1 - 3 / 64
    assert out.duplicate_counts() == {"exact": 1, "near_text": 1, "near_image": 1}
    assert all(d["round"] == 2 and d["domain"] == "d" for d in out.duplicates)


def test_curate_keeps_the_earlier_rounds_sample():
    prior = [{"sample_id": "r1.d.0009", "question": Q, "answer": "15", "image_id": "img0", "round": 1,
              "domain": "d"}]
    out = _curate([("r2.d.0001", Q.replace("What is", "Find"), "img1")], {"img0": PH, "img1": PH}, prior)
    assert out.samples == []
    assert [(d["sample_id"], d["kind"], d["kept_id"]) for d in out.duplicates] == [
        ("r2.d.0001", "near_text", "r1.d.0009")]
    # a round-10 sample id sorts before round 9's, but the earlier round still wins
    prior9 = [{**prior[0], "sample_id": "r9.d.0001", "round": 9}]
    out = _curate([("r10.d.0001", Q, "img0", "15", 10)], {"img0": PH}, prior9)
    assert [(d["sample_id"], d["kept_id"]) for d in out.duplicates] == [("r10.d.0001", "r9.d.0001")]


def test_curate_without_phash_matches_identical_images_only():
    out = _curate([("a", Q, "img1"), ("b", Q, "img2"), ("c", Q.replace("What is", "Find"), "img1")], None)
    assert [s["sample_id"] for s in out.samples] == ["a", "b"]
    assert [(d["sample_id"], d["kind"]) for d in out.duplicates] == [("c", "near_text")]


def test_curate_names_the_sample_whose_image_has_no_phash():
    with pytest.raises(ValueError, match=r"'b'.*'img9'"):
        _curate([("a", Q, "img1"), ("b", Q, "img9")], {"img1": PH})


# ------------------------------------------------------------------ against history, through the lake's index



def _lake_sample(r: dict) -> dict:
    return {"sample_id": r["sample_id"], "attempt": 0, "plan_id": r["sample_id"], "parent_id": None,
            "expansion": "none", "creator": "procedural:f", "family": "f", "variant": "base", "node_ids": ["d.t.p"],
            "difficulty": 1, "question": r["question"], "answer": r["answer"], "answer_type": "choice",
            "choices": [], "solution": "", "image_id": r["image_id"], "width": 8, "height": 8, "interactions": [],
            "points_px": [], "render_code": "", "renderer": "matplotlib", "needs_figure": True, "round": r["round"], "domain": "d"}


def _brute_force(current: list[dict], prior: list[dict], phash: dict) -> set[tuple[str, str, str]]:
    """(duplicate, kept, kind) by the rule checked on every pair: same normalised answer, exact
    word-3-gram Jaccard >= 0.8 and phash within 6 bits; clusters by union-find."""
    rows = [*current, *prior]
    texts = [normalise_text(r["question"], r["answer"]) for r in rows]
    shingles = [_shingles(t) for t in texts]
    answers = [normalise_text("", r["answer"]) for r in rows]
    parent = list(range(len(rows)))

    def root(i):
        while parent[i] != i:
            i = parent[i]
        return i

    for i in range(len(rows)):
        for j in range(i + 1, len(rows)):
            jac = len(shingles[i] & shingles[j]) / len(shingles[i] | shingles[j])
            ham = bin(int(phash[rows[i]["image_id"]], 16) ^ int(phash[rows[j]["image_id"]], 16)).count("1")
            if answers[i] == answers[j] and jac >= 0.8 and ham <= 6:
                parent[root(i)] = root(j)
    clusters: dict[int, list[int]] = {}
    for i in range(len(rows)):
        clusters.setdefault(root(i), []).append(i)
    out = set()
    for members in clusters.values():
        if len(members) < 2 or all(m >= len(current) for m in members):
            continue
        earlier = sorted((rows[m]["round"], rows[m]["sample_id"]) for m in members if m >= len(current))
        kept = earlier[0][1] if earlier else min(rows[m]["sample_id"] for m in members)
        k = next(m for m in members if rows[m]["sample_id"] == kept)
        for m in members:
            if m < len(current) and m != k:
                same_text, same_image = texts[m] == texts[k], rows[m]["image_id"] == rows[k]["image_id"]
                kind = "exact" if same_text and same_image else "near_image" if same_text else "near_text"
                out.add((rows[m]["sample_id"], kept, kind))
    return out


def _history_world(seed: int = 11) -> tuple[list[dict], list[dict], dict, set[str]]:
    """(current rows of round 4, prior rows of rounds 1-3, image_id -> phash, prior ids planted
    copies lead to): templated questions, random figures, planted exact / near-text / near-image
    copies of earlier rounds, and a chain: a round-2 near copy of a round-1 sample (both accepted,
    as by an older rule) and a round-4 near copy of the round-2 one that is far from the round-1
    one, so the round-1 sample is reached only through the round-2 one."""
    rows = [dict(r, round=1 + i % 3) for i, r in enumerate(_synthetic(300, seed)[:300])]
    rnd = random.Random(seed)
    phash = {r["image_id"]: r["phash"] for r in rows}
    chain_q = Q.replace("What is the area", "Find the area").replace("lowest terms", "simplest terms")
    # figures 4 bits apart along the chain: the round-4 end is 8 bits from c1, no candidate of it
    phash |= {"chain1": PH, "chain2": flip(PH, [0, 1, 2, 3]), "chain3": flip(PH, [0, 1, 2, 3, 20, 21, 22, 23])}
    rows += [row("c1", q=Q, a="15", image="chain1", ph=PH) | {"round": 1},
             row("c2", q=chain_q, a="15", image="chain2", ph=phash["chain2"]) | {"round": 2}]
    prior = [{k: r[k] for k in PRIOR_COLUMNS if k != "domain"} | {"domain": "d"} for r in rows]
    current, leads = [], set()
    for n in range(30):
        q = f"A circle has radius {n} and centre ({rnd.randint(-9, 9)}, {rnd.randint(-9, 9)}). What is its area?"
        current.append({"sample_id": f"r4.new.{n:02d}", "question": q, "answer": rnd.choice("ABCD"),
                        "image_id": f"new{n}", "round": 4, "domain": "d"})
        phash[f"new{n}"] = f"{rnd.getrandbits(64):016x}"
    for n, src in enumerate(rnd.sample(prior[:300], 9)):
        sid = f"r4.copy.{n}"
        if n % 3 == 0:  # exact copy: same text, same figure
            current.append(src | {"sample_id": sid, "round": 4})
        elif n % 3 == 1:  # reworded, a near figure
            current.append(src | {"sample_id": sid, "round": 4, "question": src["question"].replace("What is", "Find"),
                                  "image_id": f"near{n}"})
            phash[f"near{n}"] = flip(phash[src["image_id"]], [5, 33])
        else:  # same text, a near figure
            current.append(src | {"sample_id": sid, "round": 4, "image_id": f"near{n}"})
            phash[f"near{n}"] = flip(phash[src["image_id"]], [1, 2, 63])  # the sign bit too
        leads.add(src["sample_id"])
    chain_c = chain_q.replace("Segment AB joins", "Segment AB links").replace("exact value", "precise value")
    current.append({"sample_id": "r4.chain", "question": chain_c, "answer": "15", "image_id": "chain3", "round": 4,
                    "domain": "d"})
    leads |= {"c1", "c2"}
    return current, prior, phash, leads


def _write_history(root, prior: list[dict], current: list[dict], phash: dict) -> CountingLake:
    lake = CountingLake(root)
    for rnd in (1, 2, 3, 4):
        rows = prior if rnd < 4 else current
        images = {r["image_id"] for r in rows if r["round"] == rnd}
        if rnd == 4:  # an exact copy reuses an earlier figure: its image row is in that round only
            images -= {r["image_id"] for r in prior}
        lake.write("images", [{"image_id": i, "png": b"", "width": 8, "height": 8, "phash": phash[i], "round": rnd,
                               "domain": "d"} for i in sorted(images)], round=rnd, domain="d", producer="render")
        if rnd < 4:
            lake.write("samples", [_lake_sample(r) for r in prior if r["round"] == rnd], round=rnd, domain="d",
                       producer="curate")
    return lake


def test_dedup_against_history_matches_all_pairs_and_reads_only_the_matches(tmp_path):
    current, prior, phash, leads = _history_world()
    lake = _write_history(tmp_path, prior, current, phash)
    c1, c2 = ({r["sample_id"]: r for r in prior}[s] for s in ("c1", "c2"))
    jac = lambda a, b: len(a & b) / len(a | b)  # noqa: E731
    chain, c1, c2 = (_shingles(normalise_text(r["question"], "15")) for r in (current[-1], c1, c2))
    assert jac(chain, c2) >= 0.8 and jac(c2, c1) >= 0.8 > jac(chain, c1)  # c1 is reached through c2 only
    # a lake from before the index gets its keys written partition by partition
    assert index_history(lake) == [(1, "d"), (2, "d"), (3, "d")]
    assert index_history(lake) == []
    lake.samples_read.clear()

    got = dedup_against_history(lake, current, 4, "d")

    expected = _brute_force(current, prior, phash)
    assert {(d["sample_id"], d["kept_id"], d["kind"]) for d in got} == expected
    assert {kind for _, _, kind in expected} == {"exact", "near_text", "near_image"}
    assert ("r4.chain", "c1", "near_text") in expected  # kept: the round-1 end of the chain
    assert got == duplicate_rows(current, prior, phash)  # the all-history code, row for row
    # only the samples the planted copies lead to (and the chain's far end) were read
    assert set(lake.samples_read) == leads and len(lake.samples_read) == len(leads) < len(prior) / 20


def test_dedup_against_history_without_history_or_index(tmp_path):
    current, prior, phash, _ = _history_world()
    lake = _write_history(tmp_path, prior, current, phash)
    # no keys yet (nothing indexed): only the partition's own duplicates are found
    assert dedup_against_history(lake, current, 4, "d") == duplicate_rows(current, [], phash)
    with pytest.raises(ValueError, match=r"'r4.ghost'.*'nowhere'"):
        dedup_against_history(lake, [dict(current[0], sample_id="r4.ghost", image_id="nowhere")], 4, "d")


def test_near_text_pairs_is_lsh_across_two_sides():
    """The leak check's cross-side near-text pairs are lsh_pairs' (answer-grouped) pairs between
    the sides, without the work within a side."""
    from pipelines.dedup import near_text_pairs
    from pipelines.dedup.core import _blake64, normalise

    rows = _synthetic(600, 4)
    left, right = rows[::7], [r for n, r in enumerate(rows) if n % 7]
    i, j = near_text_pairs(left, right)
    both = [*left, *right]
    sig = minhash_signatures(*shingle_hashes([normalise_text(r["question"], r["answer"]) for r in both]))
    group = np.array([_blake64(normalise(r["answer"])) for r in both], dtype=np.uint64)
    a, b, _ = lsh_pairs(sig, 0.8, group=group)
    cross = {(x, y - len(left)) for x, y in zip(a.tolist(), b.tolist()) if x < len(left) <= y}
    assert len(cross) > 10 and set(zip(i.tolist(), j.tolist())) == cross
