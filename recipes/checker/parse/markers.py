"""The one vocabulary of output markers, English and Chinese: "Output:", "输出：", "运行结果", ``# =>``.

Every reader imports these; a new marker is added here once.
"""

from __future__ import annotations

import re

_MARKER_LINE = re.compile(
    r"(?:运行结果|输出结果|执行结果|打印结果|结果如下|结果为|结果|输出如下|输出为|输出|"
    r"\boutputs?|\bprints|\bresults?|\bout(?:\[\d+\])?)\s*(?:如下|为|是)?\s*(?:\.txt)?\s*[:：]\s*$",
    re.IGNORECASE,
)
_SHORT_MARKER = re.compile(
    r"^\s*(?:运行结果|输出结果|执行结果|结果|输出|output|result)s?\s*(?:\.txt)?\s*[:：]?\s*$",
    re.IGNORECASE,
)


def is_marker(text: str) -> bool:
    """Whether a prose line announces that output follows ("Output:", "输出：", "运行结果")."""
    stripped = text.strip()
    if not stripped or len(stripped) > 80:
        return False
    return bool(_SHORT_MARKER.match(stripped) or _MARKER_LINE.search(stripped))



SHELL_LINE = re.compile(
    r"^\s*(?:[!%]\s*(?:pip|conda|apt|apt-get|wget|curl|git|nvidia-smi)\b|!|%%?(?:pip|conda)\b"
    r"|\$ |pip3? install\b|conda install\b|python3? -[mc]\b|python3? \S+\.py\b)"
)
