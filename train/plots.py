"""Training curves as a PNG (loss, reward components, tool-call rate per step) for the Dagster UI."""

from __future__ import annotations

import io
from collections.abc import Sequence

CURVES = ("loss", "reward", "tools/call_frequency")


def curves_png(history: Sequence[dict]) -> bytes:
    """One panel per metric family; empty history gives an empty-but-valid figure."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    rewards = sorted({k for h in history for k in h if k.startswith("rewards/") and k.endswith("/mean")})
    panels = [("loss", ["loss"]), ("reward", ["reward", *rewards]), ("tool calls", ["tools/call_frequency"])]
    panels = [(t, keys) for t, keys in panels if any(k in h for h in history for k in keys)] or [("loss", ["loss"])]
    fig, axes = plt.subplots(1, len(panels), figsize=(4 * len(panels), 3), squeeze=False)
    for ax, (title, keys) in zip(axes[0], panels):
        for key in keys:
            pts = [(h["step"], h[key]) for h in history if key in h]
            if pts:
                ax.plot(*zip(*pts), marker="o", label=key.removeprefix("rewards/").removesuffix("/mean"))
        ax.set_title(title)
        ax.set_xlabel("step")
        if len(keys) > 1:
            ax.legend(fontsize=7)
    fig.tight_layout()
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=80)
    plt.close(fig)
    return buf.getvalue()
