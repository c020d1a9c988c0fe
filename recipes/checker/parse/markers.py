"""The one vocabulary of output markers, English and Chinese: "Output:", "输出：", "运行结果", ``# =>``.

Every reader imports these; a new marker is added here once.
"""

from __future__ import annotations

import re

# A marker may hedge ("输出结果类似：", "结果大概是：", "The output looks like this:") and carry
# a remark in brackets ("输出（你的结果会不同）：", "Output (yours will differ):").
_REMARK = r"(?:\s*(?:\([^()]{1,40}\)|（[^（）]{1,40}）))?"
_HEDGE = (
    r"(?:如下(?:图|所示)?|为|是|类似(?:于|如下)?|大概(?:是|为|如下)|大致(?:是|为|如下)|大约是"
    r"|应该(?:是|为|如下)|可能(?:是|为|如下)|会是"
    r"|(?:(?:is|was|will be|should be|looks?|will look|should look|would look)"
    r"(?:\s+(?:something\s+)?like)?(?:\s+(?:this|so))?)\b)"
)
_MARKER_LINE = re.compile(
    r"(?:运行结果|输出结果|执行结果|打印结果|结果如下|结果为|结果|输出如下|输出为|输出|得到|报错信息|报错|"
    r"错误信息|异常信息|\berror message|\btraceback|\braises|"
    r"\boutputs?|\bprints|\bresults?|\bout(?:\[\d+\])?|\bgives|\bwe get"
    r"|\b(?:you|we)(?:\s+(?:should|will|would|might|may)|'ll)?\s+see(?:\s+something\s+like"
    r"|\s+output\s+like)?(?:\s+this)?)"
    rf"{_REMARK}\s*{_HEDGE}?{_REMARK}\s*(?:\.txt)?\s*[:：]\s*$",
    re.IGNORECASE,
)
_SHORT_MARKER = re.compile(
    r"^\s*(?:运行结果|输出结果|执行结果|打印结果|结果|输出|报错|output|result|expected output)s?"
    r"\s*(?:如下)?\s*(?:\.txt)?\s*[:：]?\s*$",
    re.IGNORECASE,
)
# Markdown and reST dress a label up (``**Output:**``, ``### 输出``, ``*Out*:``); the words count.
_DRESS = re.compile(r"^[#>\s*_`]+|[*_`\s]+$")
_INNER_DRESS = re.compile(r"[*_`]+(?=[:：])")


def is_marker(text: str) -> bool:
    """Whether a prose line announces that output follows ("Output:", "输出：", "运行结果")."""
    stripped = _INNER_DRESS.sub("", _DRESS.sub("", text.strip()))
    if not stripped or len(stripped) > 80:
        return False
    return bool(_SHORT_MARKER.match(stripped) or _MARKER_LINE.search(stripped))


_INLINE = re.compile(
    r"^(?:运行结果|输出结果|执行结果|打印结果|结果|输出|output|out|result|prints?)(?:\[\d*\])?"
    r"\s*(?:为|是|is)?\s*[:：]\s*(?P<value>\S.*)$",
    re.IGNORECASE,
)


# "... which prints `tensor([2., 2.])`.": output quoted as inline code in a sentence.
_IN_SENTENCE = re.compile(
    r"(?:\bprints?|\boutputs?|\bdisplays?|输出|打印出?|显示)\s*(?:为|是|is)?\s*[:：]?\s*"
    r"`(?P<value>[^`]+)`",
    re.IGNORECASE,
)


def inline_output(text: str, *, in_sentence: bool = False) -> str | None:
    """The output shown on a marker's own line ("Output: `tensor([1, 2])`", "输出：3"), if any;
    with ``in_sentence``, also output quoted in a sentence ("which prints `tensor([2.])`.").

    The caller still decides whether the value reads as output; this only splits the line.
    """
    shown = _INLINE.match(_INNER_DRESS.sub("", _DRESS.sub("", text.strip())))
    if shown is None and in_sentence:
        shown = _IN_SENTENCE.search(text)
    if shown is None:
        return None
    value = shown.group("value").strip(" *_`")
    return value or None


SHELL_LINE = re.compile(
    r"^\s*(?:[!%]\s*(?:pip|conda|apt|apt-get|wget|curl|git|nvidia-smi)\b|!|%%?(?:pip|conda)\b"
    r"|\$ |pip3? install\b|conda install\b|python3? -[mc]\b|python3? \S+\.py\b)"
)
# Cell magics whose body another program runs (a shell, a script interpreter): never run.
SHELL_CELL = re.compile(r"^\s*%%(?:bash|sh|script|system|!|cmd|powershell|perl|ruby)\b")


# Output markers above announce output; these announce an exception shown as the
# code's output: "报错如下：", "会报错：", "错误信息：", "It raises:", "Error:".
_ERROR_MARKER = re.compile(
    r"(?:报错|错误|异常)(?:信息|如下|为|是)?\s*(?:如下)?\s*[:：]\s*$"
    r"|\b(?:raises?|throws?|errors?|traceback|exception)\s*[:：]\s*$",
    re.IGNORECASE,
)


def is_error_marker(text: str) -> bool:
    """Whether a prose line announces that an exception is shown next ("报错如下：")."""
    stripped = text.strip()
    return 0 < len(stripped) <= 80 and _ERROR_MARKER.search(stripped) is not None


# What a printed value looks like, alone on a line: numbers and constants, or a device name.
_VALUE = r"(?:[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?|True|False|None|nan|inf|-inf)"
VALUES_LINE = re.compile(rf"^{_VALUE}(?:[\s,]+{_VALUE})*$")
DEVICE_NAME = re.compile(r"^(?:cuda|cpu|mps)(?::\d+)?$")


# In a comment: a label before the claimed value ("# 输出：tensor(16.)", "# => 3").
CLAIM_MARKER = re.compile(
    r"^(?:运行结果|输出结果|执行结果|打印结果|结果|输出|打印|返回|得到|显示|例如|比如|expected output"
    r"|expected|output|out|result|prints?|returns?|gives|e\.g\.)s?(?:\[\d*\])?"
    r"\s*(?:如下|为|是)?\s*(?:[:：]|=+>|-+>|→|⇒|➜)\s*|^(?:=+>|-+>|→|⇒|➜)\s*",
    re.IGNORECASE,
)
# A verb that introduces the value without a colon ("# returns tensor([1])", "# 输出 6"); what
# follows must still read as output.
LEAD_WORD = re.compile(
    r"^(?:returns?|gives|prints?|outputs?|shows?|yields?|evaluates to|输出为|输出是|输出|结果为"
    r"|结果是|打印出|打印|得到|返回|等于)\s*(?=[-+\d\[(<'\"]|tensor\(|torch\.|array\(|True|False)",
    re.IGNORECASE,
)
