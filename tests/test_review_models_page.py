"""The review UI's Models page: installed adapted models with their cards, and the adapt form."""

from __future__ import annotations

import json

from nishabdham.adapt.card import markdown
from nishabdham.settings import load_settings
from tests.test_review_app import app, open_page, sign_in, texts  # noqa: F401  (app is a fixture)

CARD = {
    "name": "reader1",
    "created": "2026-12-03T18:00:00+00:00",
    "base_model": "whisper-base-ct2",
    "rows": {"train": 12, "held_out": 3, "in_manifest_train_split": 12},
    "minutes": {"train": 1.5, "held_out": 0.4},
    "speakers": ["Sita"],
    "recipe": {"text": "full fine-tune", "options": {"learning_rate": 2e-5, "batch_size": 8}},
    "training": {
        "steps": 10,
        "epochs_done": 5.0,
        "seconds": 300.0,
        "first_loss": 2.1,
        "last_loss": 1.2,
        "stopped_by": "epochs",
    },
    "checks": [
        {
            "name": "held-out",
            "before": {"rows": 3, "cer": 0.41, "wer": 0.9, "telugu_script_share": 0.95},
            "after": {"rows": 3, "cer": 0.33, "wer": 0.8, "telugu_script_share": 1.0},
            "passed": True,
            "rule": "held-out CER must not exceed 0.41",
        }
    ],
}


def test_the_models_page_shows_each_models_card_and_offers_adapting(app):  # noqa: F811
    data_dir = load_settings().data_dir
    folder = data_dir / "models" / "reader1"
    folder.mkdir(parents=True)
    (folder / "model.bin").write_bytes(b"x")
    (folder / "card.json").write_text(json.dumps(CARD), encoding="utf-8")
    (folder / "README.md").write_text(markdown(CARD), encoding="utf-8")
    sign_in(app)
    open_page(app, "models")
    shown = texts(app)
    assert "Adapted models" in shown
    assert app.expander[0].label.startswith("**reader1** — 12 rows, held-out CER 0.41 → 0.33")
    assert "| held-out | 3 | 0.410 | 0.330 |" in shown
    assert "Approve a reviewed recording first" in shown  # no approvals yet: nothing to adapt on

    reviewed = data_dir / "evalsets" / "reviewed"
    reviewed.mkdir(parents=True)
    (reviewed / "manifest.jsonl").write_text("", encoding="utf-8")
    open_page(app, "models")
    assert [b.label for b in app.button if b.label == "Adapt"] == ["Adapt"]
    app.text_input[0].input("bundled")
    next(b for b in app.button if b.label == "Adapt").click().run()
    assert any("reserved" in e.value for e in app.error)  # a bad name is refused before anything is sent
