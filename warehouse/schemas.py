"""Table contracts: one pyarrow schema per table, the single source of truth for stages, storage,
checks and docs. Every table carries ``round`` and ``domain``: they are also its partition."""

from __future__ import annotations

import pyarrow as pa

_str = pa.string()
_strs = pa.list_(pa.string())


def _f(name: str, type_: pa.DataType, nullable: bool = False, doc: str = "") -> pa.Field:
    return pa.field(name, type_, nullable=nullable, metadata={"doc": doc} if doc else None)


_PARTITION = [
    _f("round", pa.int32(), doc="flywheel round"),
    _f("domain", _str, doc="knowledge domain id"),
]

INTERACTION = pa.struct(
    [
        _f("kind", _str),
        _f("instruction", _str),
        _f("code", _str),
        _f("elements", _strs),
    ]
)
ELEMENT = pa.struct(
    [
        _f("name", _str),
        _f("kind", _str),
        _f("x", pa.float64()),
        _f("y", pa.float64()),
        _f("role", _str, doc="structural description without the label (perception tasks); '' when none"),
    ]
)
POINT_PX = pa.struct([_f("name", _str), _f("x", pa.float64()), _f("y", pa.float64())])
TEXT_BOX = pa.struct(
    [
        _f("text", _str),
        _f("x0", pa.float64()),
        _f("y0", pa.float64()),
        _f("x1", pa.float64()),
        _f("y1", pa.float64()),
    ]
)
PROVENANCE = pa.struct(
    [
        _f("model", _str, True, "model that wrote it; null for procedural creators"),
        _f("prompt_hash", _str, True),
        _f("tokens", pa.int64(), True),
        _f("seconds", pa.float64(), True),
        _f("action", _str, True, "what produced this attempt: create | repair:<action> | expand:<kind>"),
    ]
)
SAMPLE_INTERACTION = pa.struct(
    [
        _f("kind", _str),
        _f("instruction", _str),
        _f("code", _str),
        _f("elements", _strs),
        _f("image_id", _str, doc="the image after this interaction (cumulative)"),
    ]
)

SCHEMAS: dict[str, pa.Schema] = {
    "knowledge_nodes": pa.schema(
        [
            _f("node_id", _str),
            _f("name", _str),
            _f("description", _str),
            _f("level", pa.int8(), doc="0 domain, 1 topic, 2 knowledge point"),
            _f("parent_id", _str, True),
            _f("source", _str, doc="seed | evolved"),
            _f("components", _strs, doc="evolved composite: the seed knowledge points it combines; [] for seed"),
            _f("family", _str, True, "evolved composition: the family whose expansion created it"),
            _f("variant", _str, True, "evolved composition: the harder construction (expansion variant)"),
            _f("condition", _str, True, "evolved sub-point: JSON {param: value} its family's drafts must match "
                                        "(knowledge.subpoints); null otherwise"),
            _f("evidence", _strs, doc="evolved: accepted sample ids it was derived from; [] for seed"),
            _f("weight", pa.float64(), True, "evolved: number of evidence samples; null for seed"),
            *_PARTITION,
        ]
    ),
    "knowledge_edges": pa.schema(
        [
            _f("src", _str),
            _f("dst", _str),
            _f("kind", _str, doc="prerequisite | cooccurs | composes"),
            _f("weight", pa.float64(), doc="prerequisite: 1; evolved: evidence samples this round"),
            _f("evidence", _strs, doc="evolved: accepted sample ids behind the edge; [] for seed"),
            *_PARTITION,
        ]
    ),
    "plans": pa.schema(
        [
            _f("plan_id", _str),
            _f("node_ids", _strs),
            _f("creator", _str, doc="procedural:<family> or model:<name>"),
            _f("seed", pa.int64()),
            _f("target_difficulty", pa.int8()),
            _f("evolved_node_id", _str, True, "the evolved knowledge node this plan realises; null for seed points"),
            *_PARTITION,
        ]
    ),
    "drafts": pa.schema(
        [
            _f("sample_id", _str),
            _f("attempt", pa.int16(), doc="0 = as created; each repair adds one"),
            _f("plan_id", _str),
            _f("parent_id", _str, True, "sample this one was expanded from"),
            _f("expansion", _str, doc="none | parallel | sequential"),
            _f("creator", _str),
            _f("family", _str),
            _f("variant", _str),
            _f("render_code", _str),
            _f("question", _str),
            _f("answer", _str),
            _f("answer_type", _str, doc="number | choice | text"),
            _f("choices", _strs),
            _f("solution", _str),
            _f("interactions", pa.list_(INTERACTION)),
            _f("elements", pa.list_(ELEMENT)),
            _f("node_ids", _strs),
            _f("difficulty", pa.int8()),
            _f("seed", pa.int64()),
            _f("params", _str, doc="JSON construction parameters"),
            _f("style", _str, doc="figure style the seed chose (pipelines.creators.style), key=value pairs; '' if none"),
            _f("template_id", _str, doc="question wording picks (pipelines.creators.wording); '' if none"),
            _f("renderer", _str, doc="engine of render_code: matplotlib | svg (cairosvg in the sandbox)"),
            _f("tokens", pa.int64(), True, "model tokens (prompt + completion) spent on this attempt; null if procedural"),
            _f("needs_figure", pa.bool_(), True, "some given is only in the figure (family's givens vs the question); "
                                                 "null for model drafts (their judge's text-only solve decides)"),
            _f("provenance", PROVENANCE),
            *_PARTITION,
        ]
    ),
    "renders": pa.schema(
        [
            _f("sample_id", _str),
            _f("attempt", pa.int16()),
            _f("status", _str, doc="ok | error | timeout | memory | crash | output_limit | no_figure | refused (svg)"),
            _f("error", _str),
            _f("image_id", _str, True),
            _f("width", pa.int32()),
            _f("height", pa.int32()),
            _f("ms", pa.float64()),
            _f("points_px", pa.list_(POINT_PX), doc="element label -> pixel, origin top-left"),
            _f("texts", pa.list_(TEXT_BOX)),
            _f("interaction_image_ids", pa.list_(pa.field("item", _str, nullable=True))),
            _f("interaction_status", _strs),
            _f("interaction_errors", _strs),
            *_PARTITION,
        ]
    ),
    "images": pa.schema(
        [
            _f("image_id", _str, doc="sha256 of the PNG bytes"),
            _f("png", pa.binary()),
            _f("width", pa.int32()),
            _f("height", pa.int32()),
            _f("phash", _str, doc="64-bit DCT perceptual hash, hex"),
            *_PARTITION,
        ]
    ),
    "verdicts": pa.schema(
        [
            _f("sample_id", _str),
            _f("attempt", pa.int16()),
            _f("checker", _str, doc="rules | model:<name>"),
            _f("dimension", _str, doc="text | visual | action | answer"),
            _f("passed", pa.bool_()),
            _f("score", pa.float64()),
            _f("reason", _str),
            *_PARTITION,
        ]
    ),
    "draft_rejections": pa.schema(
        [
            _f("plan_id", _str),
            _f("sample_id", _str),
            _f("creator", _str, doc="model:<name>"),
            _f("stage", _str, doc="create | repair"),
            _f("reason", _str, doc="why no draft came out: failed request or the malformed field"),
            _f("reply_excerpt", _str, doc="first 500 characters of the model's reply"),
            _f("prompt_hash", _str),
            _f("tokens", pa.int64(), True),
            *_PARTITION,
        ]
    ),
    "repairs": pa.schema(
        [
            _f("sample_id", _str),
            _f("attempt", pa.int16(), doc="the attempt this repair produced"),
            _f("action", _str, doc="relayout | recompute | drop_interaction | give_up"),
            _f("failed", _strs, doc="dimensions that failed on the previous attempt"),
            _f("reason", _str),
            *_PARTITION,
        ]
    ),
    "samples": pa.schema(
        [
            _f("sample_id", _str),
            _f("attempt", pa.int16()),
            _f("plan_id", _str),
            _f("parent_id", _str, True),
            _f("expansion", _str),
            _f("creator", _str),
            _f("family", _str),
            _f("variant", _str),
            _f("node_ids", _strs),
            _f("difficulty", pa.int8()),
            _f("question", _str),
            _f("answer", _str),
            _f("answer_type", _str),
            _f("choices", _strs),
            _f("solution", _str),
            _f("image_id", _str),
            _f("width", pa.int32()),
            _f("height", pa.int32()),
            _f("interactions", pa.list_(SAMPLE_INTERACTION)),
            _f("points_px", pa.list_(POINT_PX)),
            _f("render_code", _str),
            _f("renderer", _str, doc="engine of render_code: matplotlib | svg"),
            _f("needs_figure", pa.bool_(), True, "the question alone does not determine the answer: procedural: a "
                                                 "given only in the figure; model: the text-only solve missed; null: "
                                                 "not decided (no model configured)"),
            *_PARTITION,
        ]
    ),
    "duplicates": pa.schema(
        [
            _f("sample_id", _str, doc="the duplicate removed before acceptance"),
            _f("cluster_id", _str, doc="smallest sample id of its duplicate cluster (may be an earlier round's)"),
            _f("kind", _str, doc="exact (same text and image) | near_text (text near, image near or same) | "
                                 "near_image (same text, image near)"),
            _f("kept_id", _str, doc="the sample kept for the cluster (accepted this or an earlier round)"),
            _f("similarity", pa.float64(), doc="text Jaccard to the kept sample (1 - hamming/64 for near_image)"),
            _f("text_jaccard", pa.float64(), doc="word-3-gram shingle Jaccard to the kept sample"),
            _f("hamming", pa.int32(), doc="phash Hamming distance to the kept sample's image"),
            *_PARTITION,
        ]
    ),
    # the de-duplication index (pipelines.dedup.index): written beside each partition's samples
    "dedup_keys": pa.schema(
        [
            _f("key", pa.int64(), doc="64-bit key: samples sharing (kind, key) are compared, no others"),
            _f("kind", _str, doc="band (answer-mixed MinHash LSH band of the normalised question + answer) | "
                                 "phash (one of the k+1 pigeonhole pieces of the figure's phash) | "
                                 "image (hash of the figure's or an interaction image's id) | "
                                 "combination (hash of the knowledge-point combination key)"),
            _f("sample_id", _str, doc="the accepted sample the key belongs to"),
            _f("phash", pa.int64(), doc="the sample's figure phash (as signed 64 bits): a join can require "
                                        "image nearness without reading images"),
            *_PARTITION,
        ]
    ),
    # public datasets (warehouse/sources): round = 0, domain = the source name (vtbench, wemath, ...)
    "source_vtbench": pa.schema(
        [
            _f("item_id", _str, doc="VTBench `id`"),
            _f("task_type", _str, doc="perception | instruction | reasoning (one row per image and task)"),
            _f("question", _str),
            _f("answer", _str, True, "answer_reasoning / answer_instruction; null for perception"),
            _f("image_id", _str, doc="the input figure (`image`)"),
            _f("reference_image_id", _str, True, "ground-truth annotation image; null for reasoning"),
            _f("source_file", _str, doc="file the row came from, relative to the download root"),
            _f("source_row", pa.int64(), doc="0-based row (record) index in that file"),
            *_PARTITION,
        ]
    ),
    "source_vperception": pa.schema(
        [
            _f("item_id", _str),
            _f("split", _str),
            _f("image_id", _str),
            _f("question", _str),
            _f("answer", _str, doc="pixel coordinates as published, e.g. {'P1': (100, 260)}"),
            _f("python_code", _str, True),
            _f("element_attributes", _strs, doc="the release's `element_arrtibute` (sic)"),
            _f("source_file", _str),
            _f("source_row", pa.int64()),
            *_PARTITION,
        ]
    ),
    "source_vinteraction": pa.schema(
        [
            _f("item_id", _str),
            _f("split", _str, doc="train_part1 .. train_part25"),
            _f("question", _str),
            _f("image_id", _str, doc="I0"),
            _f("original_img_code", _str, True, "code that renders I0"),
            _f("edited_image_id", _str, True, "I1"),
            _f("tool_code", _str, True, "code that turns I0 into I1"),
            _f("cot_with_code", _str, True, "the release's `CoT_with_code`"),
            _f("answer", _str),
            _f("source_file", _str),
            _f("source_row", pa.int64()),
            *_PARTITION,
        ]
    ),
    "source_benchmarks": pa.schema(
        [
            _f("benchmark", _str, doc="mathvision | wemath | visulogic | mathvista (= domain)"),
            _f("split", _str),
            _f("item_id", _str, doc="benchmark id; We-Math: `ID|key`"),
            _f("question", _str),
            _f("options", _strs, doc="option texts in letter order; empty for free-form"),
            _f("answer", _str, doc="gold answer as published (a letter for choice items, except MathVista)"),
            _f("answer_type", _str, doc="choice | number | text | list"),
            _f("image_id", _str, True),
            _f("metadata", _str, doc="JSON: the benchmark's other fields (We-Math problem_id/key, level, tag...)"),
            _f("source_file", _str),
            _f("source_row", pa.int64()),
            *_PARTITION,
        ]
    ),
    "source_rl_prompts": pa.schema(
        [
            _f("dataset", _str, doc="wemath2_pro | wemath2_standard | mmk12 | thinklite (= domain)"),
            _f("split", _str),
            _f("item_id", _str),
            _f("question", _str),
            _f("options", _strs, doc="option texts in letter order; empty for free-form"),
            _f("answer", _str, doc="reference answer as published (a letter for choice items)"),
            _f("answer_type", _str, doc="choice | number | text"),
            _f("image_id", _str),
            _f("metadata", _str, doc="JSON: the dataset's other fields (subject, difficulty, knowledge points...)"),
            _f("source_file", _str),
            _f("source_row", pa.int64()),
            *_PARTITION,
        ]
    ),
    "source_errors": pa.schema(
        [
            _f("dataset", _str),
            _f("file", _str),
            _f("row", pa.int64(), True, "null: the whole file"),
            _f("column", _str),
            _f("kind", _str, doc="missing_column | unreadable_file | corrupt_image | bad_value"),
            _f("message", _str),
            *_PARTITION,
        ]
    ),
    "perception_tasks": pa.schema(
        [
            _f("task_id", _str),
            _f("image_id", _str),
            _f("source", _str, doc="sample | perception_figure"),
            _f("source_id", _str, doc="sample_id or figure_id"),
            _f("level", _str, doc="surface | semantic | integrated"),
            _f("kind", _str, doc="named_points | by_role | midpoint | centroid | intersection | ..."),
            _f("question", _str),
            _f("subject", _str, doc="what is to be located, as the question names it"),
            _f("answer", _str, doc='JSON {label: [x, y]} in pixels'),
            _f("width", pa.int32()),
            _f("height", pa.int32()),
            _f("convention", _str, doc="coordinate convention of the answer"),
            _f("computed_in", _str, doc="integrated tasks: pixels (affine-invariant) or data coordinates mapped"),
            *_PARTITION,
        ]
    ),
    "element_annotations": pa.schema(
        [
            _f("image_id", _str),
            _f("source", _str, doc="sample | perception_figure"),
            _f("source_id", _str),
            _f("label", _str),
            _f("type", _str, doc="point | line | angle | circle | curve | text | symbol"),
            _f("x", pa.float64(), doc="anchor pixel: a point, a segment's midpoint, a circle's centre"),
            _f("y", pa.float64()),
            _f("geometry", _str, doc="JSON pixel geometry by type (x1..y2, cx/cy/r, vertex/dir1/dir2, bbox)"),
            _f("role", _str, doc="structural description without the label; '' when none"),
            *_PARTITION,
        ]
    ),
    "perception_figures": pa.schema(
        [
            _f("figure_id", _str),
            _f("image_id", _str, True),
            _f("render_code", _str),
            _f("element_count", pa.int32(), doc="points + segments + circles"),
            _f("n_points", pa.int32()),
            _f("n_segments", pa.int32()),
            _f("n_circles", pa.int32()),
            _f("seed", pa.int64()),
            _f("status", _str),
            _f("error", _str),
            _f("width", pa.int32()),
            _f("height", pa.int32()),
            *_PARTITION,
        ]
    ),
    "benchmark": pa.schema(
        [
            _f("item_id", _str),
            _f("task_type", _str, doc="perception | instruction_guided | interactive_reasoning"),
            _f("sample_id", _str),
            _f("image_id", _str, doc="the input image"),
            _f("question", _str),
            _f("reference", _str, doc="JSON: {label: [x, y]} | {image_id, code} | {answer}"),
            _f("answer_type", _str, doc="points | edit | number | choice | text"),
            _f("choices", _strs),
            _f("reference_image_id", _str, True, "instruction_guided: the reference edit's output image"),
            _f("points_px", _str, doc="JSON label -> pixel of the input image's elements (bound to P)"),
            _f("width", pa.int32()),
            _f("height", pa.int32()),
            _f("combination", _str, doc="knowledge-point combination key (pipelines.split)"),
            _f("split_seed", pa.int64()),
            _f("heldout_fraction", pa.float64()),
            *_PARTITION,
        ]
    ),
    "training_runs": pa.schema(
        [
            _f("run_id", _str, doc="Dagster run id"),
            _f("job", _str, doc="perception_sft | sft | rl"),
            _f("stage", _str, doc="perception_sft | sft | grpo"),
            _f("config", _str, doc="JSON: the run config file's path and contents"),
            _f("model_path", _str, doc="model the run started from ('tiny' = random-weight CPU model)"),
            _f("data_path", _str, doc="exported Parquet set trained on"),
            _f("started_at", pa.timestamp("us", tz="UTC")),
            _f("ended_at", pa.timestamp("us", tz="UTC")),
            _f("steps", pa.int64()),
            _f("final_loss", pa.float64(), True, "null when the run failed or was skipped"),
            _f("checkpoint_path", _str, True, "null when the run failed or was skipped"),
            _f("status", _str, doc="success | failed | skipped"),
            _f("error", _str, doc="why it failed or was skipped; '' on success"),
            *_PARTITION,  # round 0 / domain 'all': a run trains on every round and domain
        ]
    ),
    # evaluation (train/eval): round 0, domain = the benchmark name; one file per run and benchmark
    "eval_results": pa.schema(
        [
            _f("run_id", _str, doc="Dagster run id (or the caller's run name)"),
            _f("checkpoint", _str, doc="model dir, hub id or endpoint#model evaluated"),
            _f("backend", _str, doc="transformers | openai | vllm"),
            _f("benchmark", _str, doc="vtbench | project | mathvision | wemath | visulogic | mathvista"),
            _f("task", _str, doc="VTBench/project task type; the split for the math benchmarks"),
            _f("item_id", _str),
            _f("category", _str, doc="the benchmark's own grouping (subject, tag, knowledge domain); '' if none"),
            _f("turns", pa.int32(), doc="generations of the model"),
            _f("tool_calls", pa.int32(), doc="code blocks executed"),
            _f("code_errors", pa.int32(), doc="code blocks that did not produce an image"),
            _f("stop_reason", _str, doc="answer | no_code | max_turns | length | backend_error"),
            _f("answer", _str, doc="the extracted answer ('' when none); image tasks: what was measured"),
            _f("score", pa.float64(), doc="judge-free score in [0, 1]"),
            _f("correct", pa.bool_(), doc="the judge-free score passes"),
            _f("score_details", _str, doc="JSON: what decided the judge-free score"),
            _f("judge_score", pa.float64(), True, "0/1 from the judge; null when none ran or it failed"),
            _f("judge_reason", _str, True),
            _f("judge_prompt", _str, True, "prompt id and hash, e.g. answer_judge.v1@ab12..."),
            _f("reference", _str, doc="the gold answer (JSON for pixel truth)"),
            _f("response", _str, doc="every assistant turn, sandbox outputs as <sandbox_output> markers"),
            _f("image_id", _str, doc="the input image"),
            _f("final_image_id", _str, True, "the image the last successful code turn produced"),
            _f("seconds", pa.float64()),
            *_PARTITION,
        ]
    ),
    "eval_turns": pa.schema(
        [
            _f("run_id", _str),
            _f("benchmark", _str),
            _f("task", _str),
            _f("item_id", _str),
            _f("turn", pa.int32(), doc="0-based"),
            _f("text", _str, doc="what the model generated (cut after the first stop string)"),
            _f("finish_reason", _str, doc="stop | length | error"),
            _f("status", _str, doc="answer | no_code | length | backend_error | the sandbox status of the code"),
            _f("code", _str, True, "the executed code block; null when the turn had none"),
            _f("error", _str, doc="sandbox error or backend error fed back; '' when none"),
            _f("stdout", _str),
            _f("input_image_id", _str, doc="the current image when the turn was generated"),
            _f("output_image_id", _str, True, "the image the code produced"),
            _f("replayed_blocks", pa.int32(), doc="earlier successful blocks re-run first for their state"),
            _f("seconds", pa.float64()),
            *_PARTITION,
        ]
    ),
    # diversity per (round, domain, family) (warehouse.diversity): family '*' = every family of the domain
    "diversity": pa.schema(
        [
            _f("family", _str, doc="procedural family or creator; '*' for the whole domain"),
            _f("scope", _str, doc="round (this round's accepted samples) | cumulative (rounds 1..round)"),
            _f("samples", pa.int64(), doc="accepted samples"),
            _f("templates", pa.int64(), doc="distinct questions with digits runs -> '#' and lone capitals -> 'L'"),
            _f("question_texts", pa.int64(), doc="distinct question texts"),
            _f("answers", pa.int64(), doc="distinct answers"),
            _f("ngram_entropy", pa.float64(), doc="Shannon entropy (bits) of the questions' word bigrams"),
            _f("image_clusters", pa.int64(), doc="distinct figure perceptual hashes (near copies are removed "
                                                 "by de-duplication, so each is a cluster)"),
            _f("nodes_with_samples", pa.int64(), doc="knowledge points named by at least one sample"),
            _f("styles", pa.int64(), doc="distinct figure styles (drafts.style)"),
            _f("new_templates", pa.int64(), doc="templates of this scope not seen in earlier rounds of the domain"),
            _f("template_yield", pa.float64(), doc="new templates per 100 samples"),
            *_PARTITION,
        ]
    ),
    "eval_summary": pa.schema(
        [
            _f("run_id", _str),
            _f("checkpoint", _str),
            _f("backend", _str),
            _f("benchmark", _str),
            _f("task", _str, doc="'all' = every task of the benchmark"),
            _f("subset", _str, doc="'all' | category=<name> (the benchmark's subject, tag or domain)"),
            _f("metric", _str, doc="accuracy (judge-free) | judge_accuracy | vtbench_avg | wemath_*"),
            _f("value", pa.float64()),
            _f("n", pa.int64(), doc="items (We-Math: problems) behind the value"),
            _f("created_at", pa.timestamp("us", tz="UTC")),
            *_PARTITION,
        ]
    ),
}

TABLES: tuple[str, ...] = tuple(SCHEMAS)


def schema(table: str) -> pa.Schema:
    try:
        return SCHEMAS[table]
    except KeyError:
        raise KeyError(f"unknown table {table!r}; known tables: {', '.join(TABLES)}") from None
