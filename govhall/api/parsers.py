"""The API's JSON parser: DRF's, with bounds on what a body may be.

A body nested thousands of levels deep makes the standard decoder raise
RecursionError (a 500 in DRF, which only expects ValueError), and any code
that walks such data afterwards — serializers, the catalog checks, the event
hash — can do the same. No body of this API nests more than a few levels
(an item spec: item → materials → material), so a depth bound well above
that refuses such bodies as a 400 naming the body. Strings with NUL
characters are refused too: PostgreSQL cannot store them in text or JSON
columns, and SQLite would store what PostgreSQL refuses.
"""

import codecs

from django.conf import settings
from rest_framework import parsers
from rest_framework.exceptions import ParseError
from rest_framework.utils import json

# Deepest nesting of objects and arrays a body may have (the top level is 1).
MAX_DEPTH = 32


class BodyInvalid(ParseError):
    """A body refused before any view sees it; ``field`` is the path of the
    part at fault ("body" for the whole)."""

    def __init__(self, detail: str, *, field: str = "body"):
        super().__init__(detail)
        self.field = field


def _path(parent: str, key) -> str:
    if isinstance(key, int):
        return f"{parent}[{key}]"
    return f"{parent}.{key}" if parent else str(key)


def check_parsed(data) -> None:
    """Refuse nesting deeper than MAX_DEPTH and NUL characters anywhere.
    Iterative, so that checking cannot itself run out of stack."""
    stack = [(data, 1, "")]
    while stack:
        value, depth, path = stack.pop()
        if isinstance(value, str):
            if "\x00" in value:
                raise BodyInvalid("不能含有空字符（\\u0000）。", field=path or "body")
            continue
        if not isinstance(value, (dict, list)):
            continue
        if depth > MAX_DEPTH:
            raise BodyInvalid(f"JSON 嵌套过深（最多 {MAX_DEPTH} 层）。")
        if isinstance(value, dict):
            for key, child in value.items():
                if "\x00" in key:
                    raise BodyInvalid("字段名不能含有空字符（\\u0000）。", field=path or "body")
                stack.append((child, depth + 1, _path(path, key)))
        else:
            stack.extend((child, depth + 1, _path(path, i)) for i, child in enumerate(value))


class JSONParser(parsers.JSONParser):
    """JSON bodies up to DATA_UPLOAD_MAX_MEMORY_SIZE bytes (Django applies
    that limit to form bodies only), nested at most MAX_DEPTH levels."""

    def parse(self, stream, media_type=None, parser_context=None):
        parser_context = parser_context or {}
        encoding = parsers.get_encoding(parser_context)
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        raw = stream.read(limit + 1 if limit is not None else -1) if stream is not None else b""
        if limit is not None and len(raw) > limit:
            raise BodyInvalid(f"请求体过大（最多 {limit} 字节）。")
        try:
            text = codecs.decode(raw, encoding)
            data = json.loads(text, parse_constant=json.strict_constant if self.strict else None)
        except RecursionError:
            raise BodyInvalid(f"JSON 嵌套过深（最多 {MAX_DEPTH} 层）。") from None
        except ValueError as exc:  # UnicodeDecodeError is a ValueError too
            raise BodyInvalid(f"JSON 格式有误：{exc}") from None
        check_parsed(data)
        return data
