"""A Hugging Face ``transformers`` Whisper checkpoint as ``--model``: converted once, decoded by what it writes.

A checkpoint fine-tuned on Telugu (for example vasista22's ``whisper-telugu-*``) writes Telugu
script: the pipeline then decodes it natively (``<|te|>``) instead of through the romanized pivot
that the bundled base model needs. What a checkpoint writes is read from its generation config:
a ``language`` of Telugu, or ``<|te|>`` forced as the decoder's language token. Anything else keeps
the usual choice by model name (``codeswitch.strategy`` overrides both).
"""

from __future__ import annotations

import json
import logging
import tempfile
from pathlib import Path

from nishabdham.adapt.convert import require_adapt
from nishabdham.errors import ModelError

log = logging.getLogger(__name__)

_TELUGU = {"te", "telugu", "<|te|>"}
#: Files carried from the checkpoint into the CTranslate2 folder (faster-whisper reads them).
_CARRIED = ("tokenizer.json", "preprocessor_config.json")


def convert_checkpoint(folder: Path, target: Path, quantization: str = "int8") -> Path:
    """Convert the ``transformers`` Whisper in ``folder`` to CTranslate2 in ``target`` (whole or not at all)."""
    require_adapt()
    from ctranslate2.converters import TransformersConverter

    if not (folder / "tokenizer.json").is_file():
        raise ModelError(
            "has no tokenizer.json: save the checkpoint's tokenizer with it (tokenizer.save_pretrained)", path=folder
        )
    carried = [name for name in _CARRIED if (folder / name).is_file()]
    target.parent.mkdir(parents=True, exist_ok=True)
    log.info("converting the Whisper checkpoint %s to CTranslate2 (%s), once", folder, quantization)
    with tempfile.TemporaryDirectory(prefix=".convert-", dir=target.parent) as work:
        staged = Path(work) / "ct2"
        try:
            TransformersConverter(str(folder), copy_files=carried).convert(
                str(staged), quantization=quantization, force=True
            )
        except (ValueError, OSError, RuntimeError, KeyError) as exc:
            raise ModelError(f"cannot be converted to CTranslate2 ({exc})", path=folder) from exc
        strategy, why = strategy_of(folder)
        from nishabdham.adapt.registry import write_decoding

        write_decoding(staged, strategy, why)
        staged.rename(target)
    log.info("converted model in %s (decoding: %s, %s)", target, strategy, why)
    return target


def strategy_of(folder: Path) -> tuple[str, str]:
    """(``native`` or ``auto``, why), from what the checkpoint's configs say it writes."""
    config = _json(folder / "generation_config.json") or _json(folder / "config.json") or {}
    language = str(config.get("language") or "").lower()
    if language in _TELUGU:
        return "native", f"its generation config sets language {language!r}"
    te_id = _token_id(folder / "tokenizer.json", "<|te|>")
    forced = config.get("forced_decoder_ids") or []
    if te_id is not None and any(isinstance(p, list | tuple) and len(p) == 2 and p[1] == te_id for p in forced):
        return "native", "it forces <|te|> as the language token"
    return "auto", "its config names no Telugu: chosen by model name as for any model"


def _json(path: Path) -> dict | None:
    try:
        value = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return value if isinstance(value, dict) else None


def _token_id(tokenizer_json: Path, token: str) -> int | None:
    if not tokenizer_json.is_file():
        return None
    from tokenizers import Tokenizer

    return Tokenizer.from_file(str(tokenizer_json)).token_to_id(token)
