// The second line the pipeline writes (nishabdham.pipeline.codeswitch.second_line), in the browser, so
// that "line 2 follows line 1" shows at once; Python applies the edit and its line 2 is the one kept.
// tests/test_review_second_line_js.py checks both give the same line for every corpus sentence.
import Sanscript from "@indic-transliteration/sanscript";

const WORD = "\\p{L}\\p{M}\\p{N}\\p{Pc}\\u200c\\u200d"; // Python regex's \w
const EDGE = new RegExp(`^([^${WORD}]*)(.*?)([^${WORD}]*)$`, "su");
const TELUGU_LETTER = /(?=\p{L})\p{Script=Telugu}/u;
const JOINER = "\u2060";
const NEEDS_SEPARATOR = /(?<=[కగచజటడతదపబ]్)(?=హ)|(?<=[\u0C15-\u0C39అ])(?=[ఇఉ])/gu;

export function toIso(text) {
  return Sanscript.t(text.replace(NEEDS_SEPARATOR, JOINER), "telugu", "iso").split(JOINER).join(":");
}

export function secondLine(text) {
  if (!TELUGU_LETTER.test(text)) return "";
  return text
    .split(/\s+/u)
    .filter(Boolean)
    .map((word) => {
      const [, lead, core, trail] = EDGE.exec(word);
      return lead + (TELUGU_LETTER.test(core) ? toIso(core) : core) + trail;
    })
    .join(" ");
}
