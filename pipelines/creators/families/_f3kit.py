"""Small helpers shared by the everyday-maths families (probability, tables, sequences, logic,
Venn diagrams, clocks/calendars/money): draft construction, fixed-canvas figure prologues and
pixel-space interaction snippets that mark labelled elements.

Every figure here is drawn on one axes filling a fixed rectangle with fixed limits, so the
data->pixel map is known when the labels are placed by hand on a layout grid.
"""

from __future__ import annotations

from collections.abc import Sequence



def canvas(w_in: float, h_in: float, xlim: tuple[float, float], ylim: tuple[float, float],
           equal: bool = True) -> list[str]:
    """Prologue of a render program: a fixed figure, one full-bleed axes with fixed limits."""
    lines = [
        f"fig = plt.figure(figsize=({w_in}, {h_in}), dpi=100)",
        "ax = fig.add_axes([0, 0, 1, 1])",
        f"ax.set_xlim({xlim[0]}, {xlim[1]})",
        f"ax.set_ylim({ylim[0]}, {ylim[1]})",
    ]
    if equal:
        lines.append("ax.set_aspect('equal')")
    lines.append("ax.axis('off')")
    return lines


def text(x: float, y: float, s: str, size: float = 12, color: str = "black", weight: str = "normal",
         ha: str = "center", va: str = "center", z: int = 6) -> str:
    """One text artist in data coordinates."""
    return (f"ax.text({x!r}, {y!r}, {s!r}, fontsize={size}, color='{color}', fontweight='{weight}', "
            f"ha='{ha}', va='{va}', zorder={z})")


def dot(x: float, y: float, color: str = "black", ms: float = 6, z: int = 5) -> str:
    return f"ax.plot([{x!r}], [{y!r}], 'o', color='{color}', ms={ms}, zorder={z})"


def ix_rings(names: Sequence[str], color: str = "red", r: float = 15, lw: float = 2.6) -> str:
    """Circle each named element (pixel radius ``r``), marking the items a step uses."""
    return "".join(f"ax.add_patch(plt.Circle((P[{n!r}][0], P[{n!r}][1]), {r}, fill=False, color='{color}', lw={lw}, zorder=20))\n"
                   for n in names)


def ix_boxes(names: Sequence[str], hw: float, hh: float, color: str = "#e6550d", alpha: float = 0.35) -> str:
    """Shade a box of half-size (hw, hh) px centred on each named element (a table cell, a brick)."""
    return "".join(f"ax.add_patch(plt.Rectangle((P[{n!r}][0] - {hw}, P[{n!r}][1] - {hh}), {2 * hw}, {2 * hh}, "
                   f"color='{color}', alpha={alpha}, lw=0, zorder=20))\n" for n in names)


def ix_path(names: Sequence[str], color: str = "red", lw: float = 2.4, ls: str = "--") -> str:
    """A polyline through the named elements in order (links the cells or points a step combines)."""
    xs = ", ".join(f"P[{n!r}][0]" for n in names)
    ys = ", ".join(f"P[{n!r}][1]" for n in names)
    return f"ax.plot([{xs}], [{ys}], color='{color}', lw={lw}, ls='{ls}', zorder=19)\n"


def listing(items: Sequence[str]) -> str:
    """'a', 'a and b', 'a, b and c'."""
    items = list(items)
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


class CellGrid:
    """A ruled grid of cells in pixel-sized data units (y up, row 0 at the top), with a margin
    and an optional title above; every cell may carry a fill and a text."""

    def __init__(self, col_widths: Sequence[float], row_h: float, n_rows: int, margin: float = 14,
                 title_h: float = 0) -> None:
        # integer pixel sizes keep the figure exactly W x H pixels at 100 dpi
        self.cw = [int(w) for w in col_widths]
        row_h, margin, title_h = int(row_h), int(margin), int(title_h)
        self.rh = row_h
        self.n_rows = n_rows
        self.margin = margin
        self.title_h = title_h
        self.W = sum(self.cw) + 2 * margin
        self.H = n_rows * row_h + 2 * margin + title_h
        self.x_edges = [margin]
        for w in self.cw:
            self.x_edges.append(self.x_edges[-1] + w)
        top = self.H - margin - title_h
        self.y_edges = [top - r * row_h for r in range(n_rows + 1)]

    def centre(self, r: int, c: int) -> tuple[float, float]:
        return ((self.x_edges[c] + self.x_edges[c + 1]) / 2, (self.y_edges[r] + self.y_edges[r + 1]) / 2)

    def locate(self, x: float, y: float) -> tuple[int, int]:
        """The (row, column) of the cell containing data point (x, y)."""
        c = max(i for i in range(len(self.cw)) if self.x_edges[i] <= x + 1e-9)
        r = max(i for i in range(self.n_rows) if self.y_edges[i] >= y - 1e-9)
        return r, c

    def prologue(self, title: str = "", title_size: float = 12) -> list[str]:
        lines = canvas(self.W / 100, self.H / 100, (0, self.W), (0, self.H))
        if title:
            lines.append(text(self.W / 2, self.H - self.margin / 2 - self.title_h / 2, title, size=title_size,
                              weight="bold"))
        return lines

    def fill(self, r: int, c: int, color: str) -> str:
        x0, x1 = self.x_edges[c], self.x_edges[c + 1]
        y1, y0 = self.y_edges[r], self.y_edges[r + 1]
        return f"ax.add_patch(plt.Rectangle(({x0!r}, {y0!r}), {x1 - x0!r}, {y1 - y0!r}, color='{color}', lw=0, zorder=1))"

    def rules(self, color: str = "#333333", lw: float = 1.2) -> list[str]:
        x0, x1 = self.x_edges[0], self.x_edges[-1]
        y0, y1 = self.y_edges[-1], self.y_edges[0]
        out = [f"ax.plot([{x0!r}, {x1!r}], [{y!r}, {y!r}], color='{color}', lw={lw}, zorder=2)" for y in self.y_edges]
        out += [f"ax.plot([{x!r}, {x!r}], [{y0!r}, {y1!r}], color='{color}', lw={lw}, zorder=2)" for x in self.x_edges]
        return out


def solve_linear(equations: Sequence[tuple[dict, Fraction]]) -> dict:
    """The variables fixed by a linear system: each equation is ({var: coeff}, constant) meaning
    sum(coeff * var) = constant. Gauss-Jordan over fractions; a variable is determined when its
    pivot row has no other nonzero coefficient. Raises ValueError on an inconsistent system."""
    from fractions import Fraction as F

    names = sorted({v for eq, _ in equations for v in eq}, key=str)
    col = {v: i for i, v in enumerate(names)}
    rows = []
    for eq, c in equations:
        row = [F(0)] * (len(names) + 1)
        for v, k in eq.items():
            row[col[v]] += F(k)
        row[-1] = F(c)
        rows.append(row)
    pivots = []
    r = 0
    for j in range(len(names)):
        p = next((i for i in range(r, len(rows)) if rows[i][j] != 0), None)
        if p is None:
            continue
        rows[r], rows[p] = rows[p], rows[r]
        piv = rows[r][j]
        rows[r] = [x / piv for x in rows[r]]
        for i in range(len(rows)):
            if i != r and rows[i][j] != 0:
                f = rows[i][j]
                rows[i] = [a - f * b for a, b in zip(rows[i], rows[r], strict=True)]
        pivots.append((r, j))
        r += 1
    for row in rows[r:]:
        if row[-1] != 0:
            raise ValueError("inconsistent linear system")
    out = {}
    for i, j in pivots:
        if all(rows[i][k] == 0 for k in range(len(names)) if k != j):
            out[names[j]] = rows[i][-1]
    return out
