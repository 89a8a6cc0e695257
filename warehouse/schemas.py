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
ELEMENT = pa.struct([_f("name", _str), _f("kind", _str), _f("x", pa.float64()), _f("y", pa.float64())])
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
            *_PARTITION,
        ]
    ),
    "knowledge_edges": pa.schema(
        [
            _f("src", _str),
            _f("dst", _str),
            _f("kind", _str, doc="prerequisite | cooccurs | composes"),
            _f("weight", pa.float64()),
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
            _f("provenance", PROVENANCE),
            *_PARTITION,
        ]
    ),
    "renders": pa.schema(
        [
            _f("sample_id", _str),
            _f("attempt", pa.int16()),
            _f("status", _str, doc="ok | error | timeout | memory | crash | output_limit | no_figure"),
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
