"""Knowledge system: the seed taxonomy loader, the knowledge graph and the coverage sampler."""

from knowledge.graph import Edge, KnowledgeGraph, Node
from knowledge.loader import DEFAULT_TAXONOMY_DIR, TaxonomyError, load_taxonomy
from knowledge.sampler import Pick, sample_picks

__all__ = [
    "DEFAULT_TAXONOMY_DIR",
    "Edge",
    "KnowledgeGraph",
    "Node",
    "Pick",
    "TaxonomyError",
    "load_taxonomy",
    "sample_picks",
]
