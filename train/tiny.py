"""A tiny random-weight Qwen2.5-VL with a locally trained tokenizer: the CPU stand-in for the 7B model.

Nothing is downloaded: the byte-level BPE tokenizer is trained on the protocol's own text, the image
processor is the PIL one, and the model is built from a config. Used by the tests and the cpu_*
configs; the same training code then loads a real checkpoint from a local directory.
"""

from __future__ import annotations

import os
from pathlib import Path

from train.protocol import SYSTEM_PROMPT, apply_protocol, chat_template

SPECIAL = ["<|endoftext|>", "<|im_start|>", "<|im_end|>", "<|vision_start|>", "<|vision_end|>",
           "<|image_pad|>", "<|video_pad|>", "<tool_call>", "</tool_call>"]
# protocol markers as whole tokens, so the model sees (and the tests can find) them as single ids
EXTRA = ["<think>", "</think>", "<answer>", "</answer>", "<code>", "</code>", "<sandbox_output>",
         "</sandbox_output>", "```python", "```"]


def _corpus() -> list[str]:
    """Text like what the model will see: the protocol, and the creators' interaction snippets (so code
    tokenizes compactly and CPU sequences stay short)."""
    import pipelines.creators.common as snippets

    return [SYSTEM_PROMPT, Path(snippets.__file__).read_text(),
            "What is the length of segment AB? The slope is -2, so the lines are parallel. 0123456789"]


def _patch_processor_check() -> None:
    """Allow ``video_processor=None``: without torchvision transformers has no video processor class
    (training.md §1), and Qwen2.5-VL processors then refuse to build. Idempotent."""
    from transformers.processing_utils import ProcessorMixin

    if getattr(ProcessorMixin.check_argument_for_proper_class, "_allows_none", False):
        return
    original = ProcessorMixin.check_argument_for_proper_class

    def check(self, name, arg):
        return None if arg is None else original(self, name, arg)

    check._allows_none = True
    ProcessorMixin.check_argument_for_proper_class = check


def build_tiny(path: str | os.PathLike, *, max_pixels: int = 28 * 28 * 16, seed: int = 0) -> Path:
    """Write a tiny Qwen2.5-VL (random weights), tokenizer, image processor and template to ``path``."""
    import torch
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, processors, trainers
    from transformers import PreTrainedTokenizerFast, Qwen2_5_VLConfig, Qwen2_5_VLForConditionalGeneration
    from transformers.models.qwen2_vl.image_processing_pil_qwen2_vl import Qwen2VLImageProcessorPil

    path = Path(path)
    path.mkdir(parents=True, exist_ok=True)
    bpe = Tokenizer(models.BPE())
    bpe.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    bpe.decoder = decoders.ByteLevel()
    bpe.post_processor = processors.ByteLevel(trim_offsets=False)
    bpe.train_from_iterator(_corpus(), trainers.BpeTrainer(vocab_size=2000, special_tokens=SPECIAL,
                                                         initial_alphabet=pre_tokenizers.ByteLevel.alphabet()))
    tok = PreTrainedTokenizerFast(
        tokenizer_object=bpe, eos_token="<|im_end|>", pad_token="<|endoftext|>",
        extra_special_tokens={"image_token": "<|image_pad|>", "video_token": "<|video_pad|>",
                              "vision_bos_token": "<|vision_start|>", "vision_eos_token": "<|vision_end|>"})
    tok.add_tokens(EXTRA)
    tok.chat_template = chat_template()
    ids = tok.convert_tokens_to_ids
    image_processor = Qwen2VLImageProcessorPil(min_pixels=28 * 28 * 4, max_pixels=max_pixels, patch_size=14,
                                               merge_size=2, temporal_patch_size=2)
    cfg = Qwen2_5_VLConfig(
        text_config=dict(vocab_size=len(tok), hidden_size=64, intermediate_size=128, num_hidden_layers=2,
                         num_attention_heads=4, num_key_value_heads=2, max_position_embeddings=8192,
                         bos_token_id=None, eos_token_id=ids("<|im_end|>"), pad_token_id=ids("<|endoftext|>"),
                         rope_parameters={"rope_type": "default", "rope_theta": 1e6, "mrope_section": [2, 3, 3]}),
        vision_config=dict(depth=2, hidden_size=32, intermediate_size=64, num_heads=2, out_hidden_size=64,
                           patch_size=14, spatial_merge_size=2, temporal_patch_size=2, window_size=112,
                           fullatt_block_indexes=[1]),
        image_token_id=ids("<|image_pad|>"), video_token_id=ids("<|video_pad|>"),
        vision_start_token_id=ids("<|vision_start|>"), vision_end_token_id=ids("<|vision_end|>"))
    torch.manual_seed(seed)
    model = Qwen2_5_VLForConditionalGeneration(cfg)
    model.generation_config.eos_token_id = ids("<|im_end|>")
    model.generation_config.pad_token_id = ids("<|endoftext|>")
    model.save_pretrained(path)
    tok.save_pretrained(path)
    image_processor.save_pretrained(path)
    (path / "chat_template.jinja").write_text(chat_template())
    return path


def load_processor(path: str | os.PathLike, padding_side: str = "right"):
    """The Qwen2.5-VL processor of a local model dir (tiny or real), rebuilt without AutoProcessor
    (which needs torchvision here), with this project's protocol templates."""
    from transformers import AutoTokenizer, Qwen2_5_VLProcessor
    from transformers.models.qwen2_vl.image_processing_pil_qwen2_vl import Qwen2VLImageProcessorPil

    _patch_processor_check()
    tok = AutoTokenizer.from_pretrained(path)
    tok.padding_side = padding_side
    processor = Qwen2_5_VLProcessor(image_processor=Qwen2VLImageProcessorPil.from_pretrained(path), tokenizer=tok,
                                    chat_template=chat_template())
    apply_protocol(processor)
    return processor
