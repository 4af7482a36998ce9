"""YAML loader and dumper for cassettes: safe, libyaml-backed when available, readable output."""

from __future__ import annotations

import contextlib
import gc
import re
from collections.abc import Callable, Iterator
from typing import Any, BinaryIO

import yaml
from yaml import SafeDumper as _BaseDumper

try:  # libyaml makes parsing several times faster; the pure-Python loader behaves the same.
    from yaml import CSafeLoader as _BaseLoader
except ImportError:  # pragma: no cover - libyaml is in every wheel we support
    from yaml import SafeLoader as _BaseLoader  # type: ignore[assignment]


class CassetteLoader(_BaseLoader):
    """Safe loader that also reads dd-trace-py's multidict `istr` header keys as plain str.

    ddapm-test-agent dumped aiohttp `istr` keys with PyYAML's python tags. Only that one class
    is accepted; every other python tag is still refused, so no object is ever instantiated.
    """


_ISTR_TAGS = (
    "tag:yaml.org,2002:python/object/apply:multidict._multidict.istr",
    "tag:yaml.org,2002:python/object/new:multidict._multidict.istr",
    "tag:yaml.org,2002:python/object/apply:multidict.istr",
    "tag:yaml.org,2002:python/object/new:multidict.istr",
)


def _construct_istr(loader: CassetteLoader, node: yaml.Node) -> str:
    # Shapes seen: a sequence holding the string (`- Accept`), or a mapping with `args: [..]`.
    if isinstance(node, yaml.SequenceNode):
        items = loader.construct_sequence(node, deep=True)
    elif isinstance(node, yaml.MappingNode):
        items = list(loader.construct_mapping(node, deep=True).get("args") or [])
    else:
        items = [loader.construct_scalar(node)]  # type: ignore[arg-type]
    if len(items) != 1 or not isinstance(items[0], str):
        raise yaml.constructor.ConstructorError(
            None, None, "expected a single string inside multidict istr", node.start_mark
        )
    return items[0]


def _construct_python_str(loader: CassetteLoader, node: yaml.Node) -> str:
    return str(loader.construct_scalar(node))  # type: ignore[arg-type]


for _tag in _ISTR_TAGS:
    CassetteLoader.add_constructor(_tag, _construct_istr)
# Old vcrpy versions tagged some strings explicitly; harmless to accept.
CassetteLoader.add_constructor("tag:yaml.org,2002:python/str", _construct_python_str)
CassetteLoader.add_constructor("tag:yaml.org,2002:python/unicode", _construct_python_str)


class CassetteDumper(_BaseDumper):
    """Safe dumper writing multi-line strings (pretty JSON, SSE) as literal `|` blocks.

    Deliberately the pure-Python SafeDumper: libyaml's emitter treats characters outside the
    BMP (emoji, common in model output) as unprintable and silently falls back to an escaped
    double-quoted string, which made SSE bodies unreadable.
    """


# YAML readers turn these into (or treat them as) line breaks inside every style but
# double-quoted, where the emitter escapes them (`\N`, `\L`, `\P`): a raw NEL in a literal
# block reads back as "\n".
_BREAK_LIKE = re.compile("[\x85\u2028\u2029]")


def _represent_str(dumper: yaml.representer.SafeRepresenter, data: str) -> yaml.Node:
    # Lossless by construction: a literal block is only asked for when every line break is
    # "\n"; the emitter itself falls back to double-quoted for anything else a block cannot
    # hold (tabs, "\r", control characters, trailing spaces), and double-quoted escapes all.
    if _BREAK_LIKE.search(data):
        style: str | None = '"'
    else:
        style = "|" if "\n" in data else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", data, style=style)


CassetteDumper.add_representer(str, _represent_str)


class YamlTooLarge(Exception):
    """The document would expand (through aliases) far beyond its size on disk."""


# An anchor is `&name` right after whitespace or a flow indicator. A document without one
# cannot contain an alias, so the expansion walk below is skipped. Searching for the rare
# `&x` first and checking the byte before it keeps this at ~1 ms for a 3 MB file.
_AMPERSAND_NAME = re.compile(rb"&[^\s\[\]{},]")
_BEFORE_ANCHOR = frozenset(b" \t\r\n[{,")
EXPANSION_FACTOR = 10
EXPANSION_FLOOR = 10_000_000


Hook = Callable[[Any], Any]


def load_yaml(data: bytes, *, interaction_hook: Hook | None = None) -> Any:
    """Parse `data` as PyYAML's safe loader (plus `istr`) would; YamlTooLarge for alias bombs.

    The cyclic GC is paused meanwhile: a cassette is a tree of fresh containers, none garbage,
    and the collector's passes over them were most of the load (measured: ~4x).
    `interaction_hook`, when the fast path reads the document, replaces each item of the
    top-level `interactions` list as soon as it is read (with what it returns), so that a big
    cassette's items need not all exist at once beside what they become.
    """
    with gc_paused():
        try:
            return _build_from_events(data, interaction_hook)
        except _Unusual:
            return _load_with_constructor(data)


@contextlib.contextmanager
def gc_paused() -> Iterator[None]:
    """The cyclic GC off meanwhile (as it was after): for building big trees of live objects."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


class YamlUnusual(Exception):
    """`load_yaml_stream` declines: read the bytes with `load_yaml` instead."""


def load_yaml_stream(stream: BinaryIO, *, interaction_hook: Hook | None = None) -> Any:
    """`load_yaml` for plain data read from `stream` in chunks, so that a big file's bytes
    are never all in memory; YamlUnusual for anything else (tags, anchors, errors, ...)."""
    with gc_paused():
        try:
            return _build_from_events(stream, interaction_hook)
        except _Unusual:
            raise YamlUnusual from None


def _load_with_constructor(data: bytes) -> Any:
    """PyYAML's own composer and constructor: every tag, anchor and error message."""
    loader = CassetteLoader(data)
    try:
        node = loader.get_single_node()
        if node is None:
            return None
        if _has_anchor(data):
            _check_expansion(node, EXPANSION_FACTOR * len(data) + EXPANSION_FLOOR)
        return loader.construct_document(node)
    finally:
        loader.dispose()


class _Unusual(Exception):
    """The fast builder met something it leaves to PyYAML's constructor (which then decides)."""


# Tags the fast builder constructs itself, with SafeConstructor's own functions; any other
# tag (python/*, istr, omap, set, merge keys, ...) goes to the full constructor.
_PLAIN_TAGS = frozenset(
    f"tag:yaml.org,2002:{name}" for name in ("null", "bool", "int", "float", "timestamp")
)
_STR_TAG = "tag:yaml.org,2002:str"
_BINARY_TAG = "tag:yaml.org,2002:binary"
# Deeper documents go to the recursive constructor, which decides as it always did.
_MAX_DEPTH = 200


def _build_from_events(data: bytes | BinaryIO, hook: Hook | None = None) -> Any:
    """The document built straight from libyaml's events, skipping the node graph.

    Same parser, same resolver and same scalar constructors as the full path, so the result is
    identical; anything beyond plain data (a tag other than str/binary/null/bool/int/float/
    timestamp, an anchor or alias, a merge key, an unhashable key, more than one document,
    any error) raises _Unusual and the full constructor takes over.
    """
    loader = CassetteLoader(data)
    try:
        return _build(loader, hook)
    except _Unusual:
        raise
    except Exception:  # a parse error: let the full path raise it, with its message
        raise _Unusual from None
    finally:
        loader.dispose()


def _build(loader: CassetteLoader, hook: Hook | None) -> Any:
    get_event: Callable[[], Any] = loader.get_event
    scalars: dict[str, Any] = {}  # plain scalar text -> constructed value (all immutable)
    stack: list[Any] = []  # open containers
    keys: list[Any] = []  # per open mapping: pending key, or _NO_KEY
    root: Any = None
    if type(get_event()) is not yaml.StreamStartEvent:
        raise _Unusual
    event = get_event()
    if type(event) is yaml.StreamEndEvent:
        return None
    if type(event) is not yaml.DocumentStartEvent:
        raise _Unusual
    while True:
        event = get_event()
        kind = type(event)
        if kind is yaml.ScalarEvent:
            if event.tag is None and event.anchor is None and not event.implicit[0]:
                value = event.value  # quoted or block: a str (the common case, inlined)
            else:
                value = _scalar(loader, event, scalars)
        elif kind is yaml.MappingStartEvent or kind is yaml.SequenceStartEvent:
            if event.anchor is not None or event.tag not in (None, "!") or len(stack) > _MAX_DEPTH:
                raise _Unusual
            stack.append({} if kind is yaml.MappingStartEvent else [])
            keys.append(_NO_KEY)
            continue
        elif kind is yaml.MappingEndEvent or kind is yaml.SequenceEndEvent:
            value = stack.pop()
            keys.pop()
            if hook is not None and len(stack) == 2 and _in_interactions(stack, keys):
                value = hook(value)
        elif kind is yaml.DocumentEndEvent:
            if type(get_event()) is not yaml.StreamEndEvent:
                raise _Unusual  # more documents: PyYAML's error
            return root
        else:  # an alias
            raise _Unusual
        if not stack:
            root = value
        elif type(stack[-1]) is list:
            stack[-1].append(value)
        elif keys[-1] is _NO_KEY:
            if type(value) in (dict, list):
                raise _Unusual  # unhashable key: PyYAML's error
            keys[-1] = value
        else:
            stack[-1][keys[-1]] = value
            keys[-1] = _NO_KEY


_NO_KEY = object()


def _in_interactions(stack: list[Any], keys: list[Any]) -> bool:
    return type(stack[0]) is dict and keys[0] == "interactions" and type(stack[1]) is list


def _scalar(loader: CassetteLoader, event: Any, plain: dict[str, Any]) -> Any:
    if event.anchor is not None:
        raise _Unusual
    value: str = event.value
    tag = event.tag
    if tag is None or tag == "!":
        if not event.implicit[0]:
            return value  # quoted or block: always a str
        if value in plain:
            return plain[value]
        tag = loader.resolve(yaml.ScalarNode, value, (True, False))  # type: ignore[no-untyped-call]
        if tag == _STR_TAG:
            built: Any = value
        elif tag in _PLAIN_TAGS:
            built = loader.yaml_constructors[tag](loader, yaml.ScalarNode(tag, value))
        else:  # a merge key `<<` or `=`
            raise _Unusual
        plain[value] = built
        return built
    if tag == _STR_TAG:
        return value
    if tag == _BINARY_TAG or tag in _PLAIN_TAGS:
        return loader.yaml_constructors[tag](loader, yaml.ScalarNode(tag, value))
    raise _Unusual


def _has_anchor(data: bytes) -> bool:
    return any(
        match.start() == 0 or data[match.start() - 1] in _BEFORE_ANCHOR
        for match in _AMPERSAND_NAME.finditer(data)
    )


def _check_expansion(root: yaml.Node, limit: int) -> None:
    """Raise YamlTooLarge when the node graph, with every alias expanded, exceeds `limit`.

    Aliases make the graph a DAG whose expansion is exponential in its size; the expanded
    size is summed bottom-up once per distinct node (memoised by identity), so this is linear.
    Scalars count their length, so one big string aliased many times is caught as well.
    """
    sizes: dict[int, int] = {}
    entered: set[int] = set()  # entered, not yet sized: exactly the ancestors on the path
    stack: list[tuple[yaml.Node, bool]] = [(root, False)]
    while stack:
        node, children_done = stack.pop()
        if id(node) in sizes:
            continue
        children = _children(node)
        if not children_done:
            if id(node) in entered:
                raise YamlTooLarge("a recursive alias (a node that contains itself)")
            entered.add(id(node))
            stack.append((node, True))
            stack.extend((child, False) for child in children if id(child) not in sizes)
            continue
        size = 1 + (len(node.value) if isinstance(node, yaml.ScalarNode) else 0)
        size += sum(sizes[id(child)] for child in children)
        if size > limit:
            raise YamlTooLarge(f"aliases expand the document beyond {limit:,} units")
        sizes[id(node)] = size


def _children(node: yaml.Node) -> list[yaml.Node]:
    if isinstance(node, yaml.SequenceNode):
        return list(node.value)
    if isinstance(node, yaml.MappingNode):
        return [part for pair in node.value for part in pair]
    return []


def dump_yaml(data: Any) -> str:
    return yaml.dump(
        data,
        Dumper=CassetteDumper,
        allow_unicode=True,
        sort_keys=False,
        width=120,
        default_flow_style=False,
    )
