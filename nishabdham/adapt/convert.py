"""CTranslate2 Whisper <-> ``transformers`` Whisper.

:func:`to_transformers` reads a CTranslate2 Whisper directory (``model.bin``, ``config.json``,
``tokenizer.json``) into a ``WhisperForConditionalGeneration``: the fused query/key/value of
self-attention are split again (CTranslate2's key bias is the zeros the converter put in), the
cross-attention's fused key/value too, int8 weights are dequantised with their per-row scales.
:func:`to_ctranslate2` writes a model back with CTranslate2's own ``TransformersConverter``,
carrying the base directory's ``alignment_heads``, ``suppress_ids``, ``lang_ids`` and tokenizer
(word timestamps depend on the heads). torch and transformers come from the ``adapt`` extra.
"""

from __future__ import annotations

import json
import logging
import shutil
import tempfile
from pathlib import Path
from typing import Any

import numpy as np

from nishabdham.adapt.ct2_reader import Ct2Model, read_model_bin
from nishabdham.errors import DependencyError, ModelError

log = logging.getLogger(__name__)

#: Files of a CTranslate2 Whisper directory besides ``model.bin``, carried from the base model.
SIDE_FILES = ("config.json", "tokenizer.json", "vocabulary.txt", "preprocessor_config.json")
#: Whisper's special tokens (multilingual vocabulary).
SOT, EOT = "<|startoftranscript|>", "<|endoftext|>"
NO_TIMESTAMPS = "<|notimestamps|>"


def require_adapt() -> tuple[Any, Any]:
    """(torch, transformers), or a DependencyError that names the extra to install."""
    try:
        import torch
        import transformers
    except ImportError as exc:
        raise DependencyError(
            "adapting or converting Whisper needs the `adapt` extra (torch, transformers): "
            "run `make diarization-venv` and use .venv-diar, or `pip install 'nishabdham[adapt]'`"
        ) from exc
    return torch, transformers


# --------------------------------------------------------------------------- CTranslate2 -> transformers


def to_transformers(ct2_dir: str | Path):
    """A float32 ``WhisperForConditionalGeneration`` with the weights of the CTranslate2 model in ``ct2_dir``."""
    torch, transformers = require_adapt()
    ct2_dir = Path(ct2_dir)
    ct2 = read_model_bin(ct2_dir / "model.bin")
    if ct2.spec != "WhisperSpec":
        raise ModelError(f"holds a {ct2.spec}, not a Whisper model", path=ct2_dir)
    side = _side_config(ct2_dir)
    config = whisper_config(ct2, transformers, side)
    model = transformers.WhisperForConditionalGeneration(config)
    state = state_dict(ct2)
    tensors = {k: torch.from_numpy(np.ascontiguousarray(v)) for k, v in state.items()}
    missing, unexpected = model.load_state_dict(tensors, strict=False)
    missing = [k for k in missing if k != "proj_out.weight"]  # tied to the decoder's embeddings
    if missing or unexpected:
        raise ModelError(
            f"does not map onto Whisper (missing {missing[:3]}, unexpected {unexpected[:3]})", path=ct2_dir
        )
    model.tie_weights()
    set_generation_config(model, side, ct2_dir)
    return model.float().eval()


def _side_config(ct2_dir: Path) -> dict:
    path = ct2_dir / "config.json"
    return json.loads(path.read_text(encoding="utf-8")) if path.is_file() else {}


def _count_layers(ct2: Ct2Model, stack: str) -> int:
    prefix = f"{stack}/layer_"
    numbers = {
        int(n[len(prefix) :].split("/")[0]) for n in ct2.variables if n.startswith(prefix) and n[len(prefix)].isdigit()
    }
    return max(numbers) + 1 if numbers else 0


def whisper_config(ct2: Ct2Model, transformers, side: dict):
    """A ``WhisperConfig`` with the shapes of ``ct2`` and Whisper's multilingual special tokens."""
    vocab, d_model = ct2.get("decoder/embeddings/weight").shape
    ffn = ct2.get("encoder/layer_0/ffn/linear_0/weight").shape[0]
    n_mels = ct2.get("encoder/conv1/weight").shape[1]
    multilingual = vocab >= 51865
    sot = 50258 if multilingual else 50257
    eot = 50257 if multilingual else 50256
    return transformers.WhisperConfig(
        vocab_size=int(vocab),
        num_mel_bins=int(n_mels),
        d_model=int(d_model),
        encoder_layers=_count_layers(ct2, "encoder"),
        decoder_layers=_count_layers(ct2, "decoder"),
        encoder_attention_heads=int(ct2.get("encoder/num_heads")),
        decoder_attention_heads=int(ct2.get("decoder/num_heads")),
        encoder_ffn_dim=int(ffn),
        decoder_ffn_dim=int(ffn),
        max_source_positions=int(ct2.get("encoder/position_encodings/encodings").shape[0]),
        max_target_positions=int(ct2.get("decoder/position_encodings/encodings").shape[0]),
        decoder_start_token_id=sot,
        bos_token_id=eot,
        eos_token_id=eot,
        pad_token_id=eot,
        suppress_tokens=list(side.get("suppress_ids", [])),
        begin_suppress_tokens=list(side.get("suppress_ids_begin", [220, eot])),
        scale_embedding=False,
        activation_function="gelu",
    )


def state_dict(ct2: Ct2Model) -> dict[str, np.ndarray]:
    """The ``transformers`` state dict (float32 arrays) of a CTranslate2 Whisper model."""
    out: dict[str, np.ndarray] = {}
    w = ct2.weight
    for stack in ("encoder", "decoder"):
        hf = f"model.{stack}"
        out[f"{hf}.embed_positions.weight"] = w(f"{stack}/position_encodings/encodings")
        out[f"{hf}.layer_norm.weight"] = w(f"{stack}/layer_norm/gamma")
        out[f"{hf}.layer_norm.bias"] = w(f"{stack}/layer_norm/beta")
        for i in range(_count_layers(ct2, stack)):
            out.update(_layer(ct2, f"{stack}/layer_{i}", f"{hf}.layers.{i}", cross=stack == "decoder"))
    for conv in ("conv1", "conv2"):
        out[f"model.encoder.{conv}.weight"] = w(f"encoder/{conv}/weight")
        out[f"model.encoder.{conv}.bias"] = w(f"encoder/{conv}/bias")
    out["model.decoder.embed_tokens.weight"] = w("decoder/embeddings/weight")
    return out


def _layer(ct2: Ct2Model, src: str, dst: str, *, cross: bool) -> dict[str, np.ndarray]:
    w = ct2.weight
    out = _attention(ct2, f"{src}/self_attention", f"{dst}.self_attn", fused=3)
    out[f"{dst}.self_attn_layer_norm.weight"] = w(f"{src}/self_attention/layer_norm/gamma")
    out[f"{dst}.self_attn_layer_norm.bias"] = w(f"{src}/self_attention/layer_norm/beta")
    if cross:
        out.update(_attention(ct2, f"{src}/attention", f"{dst}.encoder_attn", fused=1))
        out[f"{dst}.encoder_attn_layer_norm.weight"] = w(f"{src}/attention/layer_norm/gamma")
        out[f"{dst}.encoder_attn_layer_norm.bias"] = w(f"{src}/attention/layer_norm/beta")
    for ct2_name, hf_name in (("linear_0", "fc1"), ("linear_1", "fc2")):
        out[f"{dst}.{hf_name}.weight"] = w(f"{src}/ffn/{ct2_name}/weight")
        out[f"{dst}.{hf_name}.bias"] = w(f"{src}/ffn/{ct2_name}/bias")
    out[f"{dst}.final_layer_norm.weight"] = w(f"{src}/ffn/layer_norm/gamma")
    out[f"{dst}.final_layer_norm.bias"] = w(f"{src}/ffn/layer_norm/beta")
    return out


def _attention(ct2: Ct2Model, src: str, dst: str, *, fused: int) -> dict[str, np.ndarray]:
    """Self-attention (``fused=3``: linear_0 = q|k|v, linear_1 = out) or cross-attention
    (``fused=1``: linear_0 = q, linear_1 = k|v, linear_2 = out)."""
    w = ct2.weight
    if fused == 3:
        q, k, v = np.split(w(f"{src}/linear_0/weight"), 3)
        qb, _, vb = np.split(w(f"{src}/linear_0/bias"), 3)
        out_name = "linear_1"
    else:
        q, qb = w(f"{src}/linear_0/weight"), w(f"{src}/linear_0/bias")
        k, v = np.split(w(f"{src}/linear_1/weight"), 2)
        _, vb = np.split(w(f"{src}/linear_1/bias"), 2)
        out_name = "linear_2"
    return {
        f"{dst}.q_proj.weight": q,
        f"{dst}.q_proj.bias": qb,
        f"{dst}.k_proj.weight": k,  # Whisper's key projection has no bias
        f"{dst}.v_proj.weight": v,
        f"{dst}.v_proj.bias": vb,
        f"{dst}.out_proj.weight": w(f"{src}/{out_name}/weight"),
        f"{dst}.out_proj.bias": w(f"{src}/{out_name}/bias"),
    }


def set_generation_config(model, side: dict, ct2_dir: Path) -> None:
    """Carry the CTranslate2 config (alignment heads, suppressed tokens, languages) into the model."""
    gen = model.generation_config
    gen.decoder_start_token_id = model.config.decoder_start_token_id
    gen.eos_token_id = model.config.eos_token_id
    gen.pad_token_id = model.config.pad_token_id
    gen.suppress_tokens = list(side.get("suppress_ids", []))
    gen.begin_suppress_tokens = list(side.get("suppress_ids_begin", []))
    if side.get("alignment_heads"):
        gen.alignment_heads = [list(pair) for pair in side["alignment_heads"]]
    tokenizer = ct2_dir / "tokenizer.json"
    if side.get("lang_ids") and tokenizer.is_file():
        from tokenizers import Tokenizer

        tok = Tokenizer.from_file(str(tokenizer))
        gen.lang_to_id = {tok.id_to_token(i): int(i) for i in side["lang_ids"] if tok.id_to_token(i)}


# --------------------------------------------------------------------------- transformers -> CTranslate2


def hf_tokenizer(tokenizer_json: str | Path):
    """A fast ``transformers`` tokenizer over a ``tokenizer.json`` (no hub, no other files)."""
    _, transformers = require_adapt()
    return transformers.PreTrainedTokenizerFast(tokenizer_file=str(tokenizer_json))


def to_ctranslate2(model, out_dir: str | Path, base_dir: str | Path, *, quantization: str = "int8") -> Path:
    """Write ``model`` as a CTranslate2 directory with the base directory's config and tokenizer.

    The directory appears whole or not at all (written beside it, then renamed).
    """
    from ctranslate2.converters import TransformersConverter

    base_dir, out_dir = Path(base_dir), Path(out_dir)
    tokenizer = hf_tokenizer(base_dir / "tokenizer.json")

    class _InMemory(TransformersConverter):
        def load_model(self, model_class, model_name_or_path, **kwargs):
            return model

        def load_tokenizer(self, tokenizer_class, model_name_or_path, **kwargs):
            return tokenizer

        def _load(self):
            return keep_convolutions_float(super()._load())

    out_dir.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix=".convert-", dir=out_dir.parent) as work:
        hf_dir = Path(work) / "hf"
        model.config.save_pretrained(hf_dir)  # AutoConfig is read from here; the weights come from memory
        staged = Path(work) / "ct2"
        _InMemory(str(hf_dir)).convert(str(staged), quantization=quantization, force=True)
        carry_side_files(base_dir, staged)
        if out_dir.exists():
            shutil.rmtree(out_dir)
        staged.rename(out_dir)
    log.info("wrote CTranslate2 model (%s) to %s", quantization, out_dir)
    return out_dir


def keep_convolutions_float(spec):
    """Leave the encoder's convolutions unquantized, as CTranslate2 does when it quantizes a float
    model at load time. The Python converter quantizes them to int8 too, and that alone changes the
    bundled model's text on some clips (measured on the dev set); linear layers and embeddings are
    quantized the same way by both, so the untrained round trip decodes exactly as the bundled model."""
    for conv in (spec.encoder.conv1, spec.encoder.conv2):
        if hasattr(conv, "weight_scale"):
            delattr(conv, "weight_scale")
    return spec


def carry_side_files(base_dir: Path, ct2_dir: Path) -> None:
    """Replace the converter's side files with the base model's (the same vocabulary, checked)."""
    written = _vocabulary(ct2_dir)
    base = _vocabulary(base_dir)
    if base is not None and written is not None and base != written:
        raise ModelError("the converted vocabulary differs from the base model's", path=base_dir)
    for name in SIDE_FILES:
        if (base_dir / name).is_file():
            shutil.copyfile(base_dir / name, ct2_dir / name)
    if (base_dir / "vocabulary.txt").is_file() and not (base_dir / "vocabulary.json").is_file():
        (ct2_dir / "vocabulary.json").unlink(missing_ok=True)  # the base's layout: one vocabulary file


def _vocabulary(directory: Path) -> list[str] | None:
    """The tokens of a CTranslate2 directory (``vocabulary.json`` or ``vocabulary.txt``), or None."""
    if (directory / "vocabulary.json").is_file():
        return list(json.loads((directory / "vocabulary.json").read_text(encoding="utf-8")))
    if (directory / "vocabulary.txt").is_file():
        return (directory / "vocabulary.txt").read_text(encoding="utf-8").rstrip("\n").split("\n")
    return None
