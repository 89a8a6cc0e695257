"""Interaction code in V-Thinker's sandbox convention, with no oracle: what every export writes.

The flywheel's interactions read the generator's truth ``P`` (label -> pixel), bound by the
project's sandbox. A model never gets ``P``: on a real image it must locate the points itself.
So exported code carries the coordinates as literals, ``pts = {'A': (123.4, 56.7), ...}`` in
place of ``P`` (only the labels the block uses when it names them; every label when it looks
them up by a variable), in the 0.1 px the flywheel records, and follows V-Thinker's sandbox
convention (../shared/notes/vthinker.md, sections 2.6 and 6.6): ``image_path`` assigned the
input image's path (relative to the export folder, ``images/<image_id>.png``; V-Thinker's sandbox
rewrites the literal to its own input), the processed image saved under ``./temp_images/`` (the
prefix V-Thinker's sandbox maps to its output folder) and its path printed. The figure stays
open, so the project's sandbox (which returns the current figure) gets the same image.

Reproduction tolerance: with 0.1 px literals instead of the true floats, an exported block run in
a plain process redraws its stored image up to sub-pixel anti-aliasing: the mean absolute
difference is at most ``MEAN_TOL`` grey levels (of 255) and at most ``FAR_SHARE`` of the pixels
differ by more than half the range (measured on a default round: 882 blocks, worst 0.80 and 0.38 %).
"""

from __future__ import annotations

import ast
from collections.abc import Mapping

MEAN_TOL = 1.0
FAR_SHARE = 0.005
ORACLE = "P"  # the name the flywheel's sandbox binds to the true points
OUTPUT_DIR = "./temp_images/"  # V-Thinker's sandbox replaces this prefix by its temp output folder
IMPORTS = "import os\nimport math\nimport numpy as np\nimport matplotlib.pyplot as plt\n"


FENCE = "'''"  # V-Thinker's released extractor reads '''python ... ''' (../shared/notes/vthinker.md)


class OracleError(ValueError):
    """Code that cannot be exported: a use of ``P`` with no literal, or a ``'''`` inside a block."""


def code_block(code: str) -> str:
    """The one rendering of a code block, in exports and the chat template: ``<code>`` + ``'''python``."""
    if FENCE in code:
        raise OracleError("a code block cannot contain ''' (it closes V-Thinker's fence): use \"\"\" strings")
    return f"<code>\n{FENCE}python\n{code.rstrip()}\n{FENCE}\n</code>"


def _names(tree: ast.AST, name: str) -> list[ast.Name]:
    return [n for n in ast.walk(tree) if isinstance(n, ast.Name) and n.id == name]


def _fresh(tree: ast.AST, base: str = "pts") -> str:
    taken = {n.id for n in ast.walk(tree) if isinstance(n, ast.Name)}
    name, k = base, 1
    while name in taken:
        name, k = f"{base}{k}", k + 1
    return name


def _xy(v) -> str:
    return f"({round(float(v[0]), 1)}, {round(float(v[1]), 1)})"


def literal_points(code: str, points: Mapping[str, tuple[float, float]]) -> str:
    """``code`` with every use of ``P`` replaced by a literal dict of pixel coordinates defined on
    its first line (unchanged when it does not use ``P``)."""
    try:
        tree = ast.parse(code)
    except SyntaxError as err:
        raise OracleError(f"code does not parse: {err}") from None
    uses = _names(tree, ORACLE)
    if not uses:
        return code
    keys, dynamic = [], False
    parents = {id(c): n for n in ast.walk(tree) for c in ast.iter_child_nodes(n)}
    for u in uses:
        parent = parents.get(id(u))
        if isinstance(parent, ast.Subscript) and parent.value is u and isinstance(parent.slice, ast.Constant) \
                and isinstance(parent.slice.value, str):
            if parent.slice.value not in keys:
                keys.append(parent.slice.value)
        else:
            dynamic = True
    wanted = list(points) if dynamic else keys
    missing = [k for k in wanted if k not in points]
    if missing:
        raise OracleError(f"code reads P[{missing[0]!r}], which is not a labelled point ({sorted(points)})")
    name = _fresh(tree)
    lines = code.splitlines(keepends=True)
    for u in sorted(uses, key=lambda n: (n.lineno, n.col_offset), reverse=True):
        line = lines[u.lineno - 1]
        if u.end_lineno != u.lineno or line[u.col_offset:u.end_col_offset] != ORACLE:
            raise OracleError(f"line {u.lineno}: cannot place the use of P (inside an f-string?)")
        lines[u.lineno - 1] = line[:u.col_offset] + name + line[u.end_col_offset:]
    literal = ", ".join(f"{k!r}: {_xy(points[k])}" for k in wanted)
    out = f"{name} = {{{literal}}}  # pixel (x, y) of the points used, read off the image\n" + "".join(lines)
    if _names(ast.parse(out), ORACLE):
        raise OracleError("P is still referenced after the rewrite")
    return out


PREVIOUS = None  # image_path of a step that reads the previous step's output in the same program


def vthinker_code(code: str, points: Mapping[str, tuple[float, float]], image_path: str | None, step: int,
                  imports: bool = True) -> str:
    """One interaction as a self-contained V-Thinker sandbox program (see the module docstring);
    ``image_path`` None reads the previous step's ``processed_path`` (steps chained in one program)."""
    body = literal_points(code.strip("\n"), points)
    out = f"{OUTPUT_DIR}processed_{step}.png"
    source = "processed_path  # the previous step's output" if image_path is PREVIOUS else repr(image_path)
    return (f"{IMPORTS if imports else ''}image_path = {source}\n{body}\n"
            f"processed_path = {out!r}\nos.makedirs(os.path.dirname(processed_path), exist_ok=True)\n"
            f"plt.savefig(processed_path)\nprint(processed_path)\n")


def points_of(sample: Mapping) -> dict[str, tuple[float, float]]:
    """A sample's labelled points (``points_px`` rows ``{name, x, y}``) as label -> (x, y) pixels."""
    return {p["name"]: (float(p["x"]), float(p["y"])) for p in sample.get("points_px") or []}


def image_file(image_id: str) -> str:
    """Where an export keeps an image, relative to its folder."""
    return f"images/{image_id}.png"


def step_programs(sample: Mapping) -> list[str]:
    """Each interaction of ``sample`` as its own sandbox call: reads the image before it (the figure,
    then the previous step's stored image) from the export folder."""
    steps = sample["interactions"] or []
    return [_step_code(sample, k, image_file(sample["image_id"] if k == 0 else steps[k - 1]["image_id"]))
            for k in range(len(steps))]


def chained_program(sample: Mapping) -> str:
    """Every interaction of ``sample`` as one program from the figure to the last processed image
    (V-Interaction's ``tool_code``), each step commented with its instruction."""
    return "\n".join(
        f"# step {k + 1}: {st['instruction'].strip()}\n"
        + _step_code(sample, k, image_file(sample["image_id"]) if k == 0 else PREVIOUS, imports=k == 0)
        for k, st in enumerate(sample["interactions"] or []))


def _step_code(sample: Mapping, k: int, image_path: str | None, imports: bool = True) -> str:
    """:func:`vthinker_code` of ``sample``'s interaction ``k``; an error names the sample and step."""
    try:
        return vthinker_code(sample["interactions"][k]["code"], points_of(sample), image_path, k + 1, imports)
    except OracleError as err:
        raise OracleError(f"sample {sample['sample_id']} interactions[{k}].code: {err}") from None


def model_program(code: str) -> str:
    """A model's code as the project's sandbox runs it in training and evaluation: each
    ``image_path = '<literal>'`` keeps the path the sandbox bound (as V-Thinker's sandbox rewrites
    that literal to its input image). Run without points, the sandbox binds no ``P``: code that
    reads true positions fails with a NameError."""
    try:
        tree = ast.parse(code)
    except SyntaxError:
        return code  # the sandbox reports the syntax error
    lines = code.splitlines(keepends=True)
    targets = [n.value for n in ast.walk(tree) if isinstance(n, ast.Assign) and len(n.targets) == 1
               and isinstance(n.targets[0], ast.Name) and n.targets[0].id == "image_path"
               and isinstance(n.value, ast.Constant) and isinstance(n.value.value, str)]
    for v in sorted(targets, key=lambda n: (n.lineno, n.col_offset), reverse=True):
        if v.lineno != v.end_lineno:
            continue
        line = lines[v.lineno - 1]
        lines[v.lineno - 1] = line[:v.col_offset] + "image_path" + line[v.end_col_offset:]
    return "".join(lines)


def reproduces(png: bytes, stored: bytes) -> bool:
    """Whether ``png`` redraws ``stored`` within the reproduction tolerance (module docstring)."""
    import io

    import numpy as np
    from PIL import Image

    a, b = (np.asarray(Image.open(io.BytesIO(x)).convert("RGB")).astype(np.int16) for x in (png, stored))
    if a.shape != b.shape:
        return False
    diff = np.abs(a - b).max(axis=2)
    return float(diff.mean()) <= MEAN_TOL and float((diff > 128).mean()) <= FAR_SHARE
