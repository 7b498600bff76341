"""Code-switch post-processing: Telugu in Telugu script, English in English, terms spelled right.

The stage (:mod:`.stage`) runs over the recogniser's segments; decode planning and re-decodes
live in :mod:`.planner`, word-level repair in :mod:`.repair`, and each has its own module
below them: language per word (:mod:`.langid`), romanized-to-Telugu restoration
(:mod:`.restore`) over the word list (:mod:`.lexicon`), English words (:mod:`.english`),
the glossary (:mod:`.glossary`) and the hallucination guard (:mod:`.hallucination`).
"""

from nishabdham.pipeline.codeswitch.options import PIVOT_PROMPT, CodeSwitchOptions
from nishabdham.pipeline.codeswitch.repair import second_line
from nishabdham.pipeline.codeswitch.stage import CodeSwitcher

__all__ = ["PIVOT_PROMPT", "CodeSwitchOptions", "CodeSwitcher", "second_line"]
