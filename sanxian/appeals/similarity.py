"""Similar Chinese texts without a word segmenter: cosine similarity of character
unigrams and bigrams, after a light normalisation of the words residents use.

"3楼楼道堆满杂物" and "三楼走廊堆放杂物很多" score high (same floor, same stairwell, same
clutter), "路灯坏了" scores zero against both. ``SIMILARITY_THRESHOLD`` is checked against
examples in ``tests/appeals/test_similarity.py``.
"""

from __future__ import annotations

import math
import re
from collections import Counter

SIMILARITY_THRESHOLD = 0.45

_DIGITS = str.maketrans("0123456789", "〇一二三四五六七八九")
# Words that mean the same thing in an appeal, mapped to one spelling (longest first).
_SYNONYMS = {
    "走廊": "楼道",
    "过道": "楼道",
    "楼梯间": "楼道",
    "楼梯口": "楼道",
    "楼梯": "楼道",
    "通道": "楼道",
    "堆放": "堆",
    "堆满": "堆",
    "堆积": "堆",
    "乱堆": "堆",
    "占用": "堆",
    "东西": "杂物",
    "垃圾": "杂物",
    "不亮": "坏",
    "坏了": "坏",
    "坏掉": "坏",
    "损坏": "坏",
    "故障": "坏",
    "漏水": "渗水",
    "渗漏": "渗水",
    "吵闹": "噪音",
    "噪声": "噪音",
    "太吵": "噪音",
    "吵": "噪音",
    "汽车": "车",
    "电瓶车": "电动车",
    "电单车": "电动车",
    "停放": "停",
}
# Filler that says nothing about the problem.
_STOP_WORDS = (
    "希望",
    "请",
    "帮忙",
    "帮助",
    "麻烦",
    "解决",
    "处理",
    "一下",
    "问题",
    "反映",
    "我们",
    "我家",
    "已经",
    "非常",
    "特别",
    "小区",
    "居民",
    "很多",
    "好多",
    "严重",
    "经常",
    "总是",
    "现在",
)
_STOP_CHARS = set("的了很吗呢啊吧呀着也都还又在是有我你他她它这那个把被给和与及")
_SYNONYM_RE = re.compile("|".join(sorted(map(re.escape, _SYNONYMS), key=len, reverse=True)))
_STOP_RE = re.compile("|".join(sorted(map(re.escape, _STOP_WORDS), key=len, reverse=True)))
_KEEP = re.compile(r"[\u4e00-\u9fff\u3007a-z]+")


def normalise(text: str) -> str:
    text = text.lower().translate(_DIGITS)
    text = _STOP_RE.sub("", text)
    text = _SYNONYM_RE.sub(lambda m: _SYNONYMS[m.group(0)], text)
    runs = _KEEP.findall(text)
    return " ".join("".join(ch for ch in run if ch not in _STOP_CHARS) for run in runs)


def features(text: str) -> Counter[str]:
    """Character unigrams and bigrams of the normalised text (bigrams inside runs only)."""
    grams: Counter[str] = Counter()
    for run in normalise(text).split():
        grams.update(run)
        grams.update(run[i : i + 2] for i in range(len(run) - 1))
    return grams


def _cosine(a: Counter[str], b: Counter[str]) -> float:
    if not a or not b:
        return 0.0
    dot = sum(count * b[gram] for gram, count in a.items() if gram in b)
    if not dot:
        return 0.0
    norm = math.sqrt(sum(c * c for c in a.values())) * math.sqrt(sum(c * c for c in b.values()))
    return dot / norm


def similarity(a: str | Counter[str], b: str | Counter[str]) -> float:
    """A score in [0, 1]: 1 for the same words, 0 for no character in common."""
    fa = a if isinstance(a, Counter) else features(a)
    fb = b if isinstance(b, Counter) else features(b)
    return round(_cosine(fa, fb), 4)


def is_similar(a: str, b: str, threshold: float = SIMILARITY_THRESHOLD) -> bool:
    return similarity(a, b) >= threshold
