# Copyright 2026 crm_sync authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Query strings of the fake e-conomic: filter, sort and paging (economic.md §2).

``filter``: ``<prop>$<op>:<value>`` predicates joined by ``$and:``/``$or:``
(``$and`` binds tighter), grouped with parentheses. Operators ``eq ne gt gte lt
lte like in nin``; escapes ``$$ $( $) $* $, $[ $]``; ``$null:`` as a value.
Strings compare case-insensitively; ``$like`` without ``*`` means "contains".
"""

import re

OPERATORS = ("eq", "ne", "gte", "gt", "lte", "lt", "like", "in", "nin")
_FIELD_RE = re.compile(r"[A-Za-z][A-Za-z0-9.]*")
_ESCAPED = {"$": "$", "(": "(", ")": ")", "*": "*", ",": ",", "[": "[", "]": "]"}
NULL = object()
WILDCARD = object()


class QueryError(ValueError):
    """A bad filter, sort or paging parameter (the server answers 400)."""

    def __init__(self, message, errors=None, **extra):
        super().__init__(message)
        self.message = message
        self.errors = errors or []
        self.extra = extra


class _Parser:
    def __init__(self, text, allowed):
        self.text = text
        self.pos = 0
        self.allowed = allowed

    def fail(self, error):
        raise QueryError("Could not parse query string filter.", [error])

    def parse(self):
        node = self.expr()
        if self.pos != len(self.text):
            self.fail(f"Unexpected text at position {self.pos}.")
        return node

    def expr(self):
        terms = [self.conjunction()]
        while self.text.startswith("$or:", self.pos):
            self.pos += 4
            terms.append(self.conjunction())
        return ("or", terms) if len(terms) > 1 else terms[0]

    def conjunction(self):
        terms = [self.term()]
        while self.text.startswith("$and:", self.pos):
            self.pos += 5
            terms.append(self.term())
        return ("and", terms) if len(terms) > 1 else terms[0]

    def term(self):
        if self.text.startswith("(", self.pos):
            self.pos += 1
            node = self.expr()
            if not self.text.startswith(")", self.pos):
                self.fail("Missing closing parenthesis.")
            self.pos += 1
            return node
        match = _FIELD_RE.match(self.text, self.pos)
        if not match:
            self.fail(f"Expected a property name at position {self.pos}.")
        field = match.group(0)
        self.pos = match.end()
        if field not in self.allowed:
            raise QueryError(
                "Could not parse query string filter.",
                [f"Filtering is not allowed on property '{field}'."],
                allowedFilteringFields=sorted(self.allowed),
            )
        for op in OPERATORS:
            if self.text.startswith(f"${op}:", self.pos):
                self.pos += len(op) + 2
                return ("pred", field, op, self.value(op))
        self.fail(f"Unknown operator after '{field}'.")

    def value(self, op):
        """Value parts: str chunks, WILDCARD and NULL, up to the next $and:,
        $or: or unescaped ')'."""
        parts, text = [], self.text
        while self.pos < len(text):
            char = text[self.pos]
            if char == ")" or text.startswith(("$and:", "$or:"), self.pos):
                break
            if text.startswith("$null:", self.pos):
                parts.append(NULL)
                self.pos += 6
            elif char == "$":
                nxt = text[self.pos + 1 : self.pos + 2]
                if nxt not in _ESCAPED:
                    self.fail(f"Bad escape '${nxt}'.")
                parts.append(_ESCAPED[nxt] if nxt != "," else "\x00,")
                self.pos += 2
            else:
                parts.append(WILDCARD if char == "*" and op == "like" else char)
                self.pos += 1
        return parts


def parse_filter(text, allowed):
    """Parse ``text`` into a tree; raises QueryError."""
    return _Parser(text, set(allowed)).parse() if text else None


def _plain(parts):
    if NULL in parts:
        return NULL
    return "".join(p if isinstance(p, str) else "*" for p in parts).replace("\x00", "")


def _coerce(sample, text):
    """``text`` as the type of the stored ``sample``."""
    if text is NULL:
        return NULL
    if isinstance(sample, bool):
        return text.lower() == "true"
    if isinstance(sample, int | float):
        try:
            return float(text)
        except ValueError:
            return None
    if isinstance(text, str) and re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
        return text + "T00:00:00Z"  # a date against a timestamp
    return text.lower()


def _lookup(record, field):
    value = record
    for key in field.split("."):
        value = value.get(key) if isinstance(value, dict) else None
    return value


def _like(value, parts):
    pattern = "".join(
        ".*" if p is WILDCARD else re.escape(p.replace("\x00", ""))
        for p in parts
        if p is not NULL
    )
    if WILDCARD not in parts:
        pattern = f".*{pattern}.*"
    return re.fullmatch(pattern, str(value), re.IGNORECASE | re.DOTALL) is not None


def _compare(value, op, parts):
    if op == "like":
        return value is not None and _like(value, parts)
    if op in ("in", "nin"):
        text = "".join(p for p in parts if isinstance(p, str))
        items = [i for i in re.split("(?<!\x00),", text.strip("[]")) if i]
        found = value is not None and any(
            _coerce(value, i.replace("\x00", "")) == _norm(value) for i in items
        )
        return found if op == "in" else not found
    target = _coerce(value, _plain(parts))
    if target is NULL:
        return (value is None) == (op == "eq")
    if value is None:
        return op == "ne"
    left = _norm(value)
    try:
        return {
            "eq": left == target,
            "ne": left != target,
            "gt": left > target,
            "gte": left >= target,
            "lt": left < target,
            "lte": left <= target,
        }[op]
    except TypeError:
        return False


def _norm(value):
    if isinstance(value, bool):
        return value
    if isinstance(value, int | float):
        return float(value)
    return str(value).lower()


def matches(node, record):
    """Whether ``record`` satisfies the parsed filter ``node``."""
    if node is None:
        return True
    kind = node[0]
    if kind == "and":
        return all(matches(child, record) for child in node[1])
    if kind == "or":
        return any(matches(child, record) for child in node[1])
    _kind, field, op, parts = node
    return _compare(_lookup(record, field), op, parts)


def sort_records(records, sort, allowed):
    """Sort by ``a,-b,~c``; raises QueryError on an unsortable field."""
    keys = [k.strip() for k in (sort or "").split(",") if k.strip()]
    for key in reversed(keys):
        field = key.lstrip("-~")
        if field not in allowed:
            raise QueryError(
                "Could not parse query string sort parameter.",
                [f"Sorting is not allowed on property '{field}'."],
            )
        alphabetical = "~" in key
        records.sort(
            key=lambda r, f=field, a=alphabetical: _sort_key(_lookup(r, f), a),
            reverse=key.startswith("-"),
        )
    return records


def _sort_key(value, alphabetical):
    if value is None:
        return (0, "")
    if isinstance(value, int | float) and not alphabetical:
        return (1, float(value))
    return (2, str(value).lower())


def paging(query):
    """``(skippages, pagesize)`` from the query; raises QueryError (E04810)."""
    try:
        skip = int(query.get("skippages", "0"))
        size = int(query.get("pagesize", "20"))
    except ValueError:
        skip, size = -1, -1
    if size < 1 or size > 1000 or skip < 0:
        raise QueryError(
            "Page size must be a positive whole number between 1 and 1000.",
            errorCode="E04810",
        )
    return skip, size
