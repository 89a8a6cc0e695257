"""Versioned prompt files: ``prompts/<name>.v<N>.md``, filled with ``$field`` placeholders.

The hash of the exact template text goes into every row a prompt produced, so a changed prompt is
visible in SQL and never silently mixes with older outputs."""

from __future__ import annotations

import hashlib
import re
import string
from dataclasses import dataclass
from pathlib import Path

PROMPT_DIR = Path(__file__).parent / "prompts"
_FILE = re.compile(r"^(?P<name>[a-z_]+)\.v(?P<version>\d+)\.md$")


@dataclass(frozen=True)
class Prompt:
    name: str
    version: int
    text: str

    @property
    def hash(self) -> str:
        return hashlib.sha256(self.text.encode()).hexdigest()[:16]

    @property
    def id(self) -> str:
        return f"{self.name}.v{self.version}"

    def fill(self, **fields: object) -> str:
        """The prompt with every ``$field`` replaced; a missing field is a KeyError naming it."""
        try:
            return string.Template(self.text).substitute({k: str(v) for k, v in fields.items()})
        except KeyError as err:
            raise KeyError(f"prompt {self.id} needs field {err.args[0]!r}") from None


def load_prompt(name: str, version: int | None = None, directory: Path = PROMPT_DIR) -> Prompt:
    """The prompt ``name`` at ``version`` (default: the highest version on disk)."""
    found = {}
    for path in directory.glob(f"{name}.v*.md"):
        m = _FILE.match(path.name)
        if m and m["name"] == name:
            found[int(m["version"])] = path
    if not found:
        raise FileNotFoundError(f"no prompt file {name}.v<N>.md in {directory}")
    v = max(found) if version is None else version
    if v not in found:
        raise FileNotFoundError(f"no prompt file {name}.v{v}.md in {directory} (have versions {sorted(found)})")
    return Prompt(name, v, found[v].read_text())
