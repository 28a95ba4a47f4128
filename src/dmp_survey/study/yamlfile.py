"""Read one YAML file of a study folder safely, remembering where each key is.

PyYAML's safe loader refuses tags that build Python objects; on top of it this
module bounds the size of the document once its aliases are expanded (aliases
are how a "billion laughs" file grows from a few lines to gigabytes; a study
uses them only to share an answer list) and refuses files beyond a size no
study reaches, and it
keeps the line of every key and item so that a mistake found later (by the
schema or a cross-file check) is reported at its line. PyYAML does not keep
positions in the objects it constructs, hence the walk over its node tree.
"""

from __future__ import annotations

import stat
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from ..errors import StudyError

__all__ = ["MAX_YAML_BYTES", "YamlFile", "format_key", "read_yaml"]

# The shipped codebook (40 questions, French and English) is 15 kB and 3,000
# nodes: limits thirty times and a hundred times larger are mistakes or
# attacks. The byte limit also bounds the time: PyYAML reads about 0.1 MB a
# second of a plan on this project's 2-core machine (libyaml parses, Python
# resolves and builds each value), so a file at the limit is read in seconds
# and a larger one refused at once (issue 19: every refusal within 10 s).
MAX_YAML_BYTES = 512 * 1024
MAX_YAML_NODES = 300_000
# libyaml's parser when PyYAML was built with it (the wheels are), the same
# safe constructor either way: only plain data.
_LOADER: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

Key = tuple[str | int, ...]


def format_key(key: Key) -> str:
    """``("comparisons", 0, "rows", 3, "variable")`` → ``comparisons[0].rows[3].variable``."""
    out = ""
    for part in key:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += ("." if out else "") + str(part)
    return out


@dataclass(frozen=True)
class YamlFile:
    """A parsed YAML file and the line (1-based) of each key path in it."""

    path: Path
    data: Any
    lines: dict[Key, int] = field(default_factory=dict)

    def line(self, key: Key) -> int | None:
        """The line of ``key``, or of its nearest parent that has one."""
        while key:
            if key in self.lines:
                return self.lines[key]
            key = key[:-1]
        return None

    def error(self, key: Key, message: str, kind: Callable[..., StudyError] = StudyError) -> StudyError:
        """A one-line error at ``key`` of this file."""
        return kind(self.path, message, line=self.line(key), key=format_key(key) or None)


def _expanded_size(node: yaml.Node, memo: dict[int, int]) -> int:
    # Counted over the node graph, each shared (aliased) node once per use but
    # computed once: linear in the file, whatever it would expand to.
    known = memo.get(id(node))
    if known is not None:
        return known
    memo[id(node)] = MAX_YAML_NODES + 1  # a node reaching itself is refused too
    size = 1
    if isinstance(node, yaml.MappingNode):
        for k, v in node.value:
            size += _expanded_size(k, memo) + _expanded_size(v, memo)
            if size > MAX_YAML_NODES:
                break
    elif isinstance(node, yaml.SequenceNode):
        for item in node.value:
            size += _expanded_size(item, memo)
            if size > MAX_YAML_NODES:
                break
    memo[id(node)] = size
    return size


def _walk(node: yaml.Node, key: Key, lines: dict[Key, int]) -> None:
    lines.setdefault(key, node.start_mark.line + 1)
    if isinstance(node, yaml.MappingNode):
        for k, v in node.value:
            name = k.value if isinstance(k, yaml.ScalarNode) else str(k)
            child = (*key, name)
            lines[child] = k.start_mark.line + 1
            _walk(v, child, lines)
    elif isinstance(node, yaml.SequenceNode):
        for i, item in enumerate(node.value):
            _walk(item, (*key, i), lines)


def read_yaml(path: Path, what: str, kind: Callable[..., StudyError] = StudyError) -> YamlFile:
    """Parse ``path`` (UTF-8 YAML) with positions.

    Raises
    ------
    StudyError (or ``kind``)
        Missing or unreadable file, not UTF-8, too large, a syntax error, an
        alias, or a tag that is not plain data; located at its line.
    """
    try:
        info = path.stat()
        if not stat.S_ISREG(info.st_mode) and not stat.S_ISDIR(info.st_mode):
            # A FIFO would block the read, a device never end it.
            raise kind(path, f"the {what} is not a regular file (a pipe or a device)")
        if info.st_size > MAX_YAML_BYTES:
            raise kind(
                path,
                f"the {what} is {info.st_size / 1e6:.1f} MB, larger than a study file can be "
                f"({MAX_YAML_BYTES // 1024} kB at most)",
            )
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise kind(path, f"{what} not found") from None
    except IsADirectoryError:
        raise kind(path, f"expected a {what} file, found a directory") from None
    except UnicodeDecodeError:
        raise kind(path, f"the {what} is not UTF-8 text") from None
    except OSError as exc:
        raise kind(path, f"cannot read the {what}: {exc.strerror or exc.__class__.__name__}") from None
    loader = _LOADER(text)
    try:
        # Parsed once: the node tree is measured (aliases expanded), then built.
        node = loader.get_single_node()
        if node is not None and _expanded_size(node, {}) > MAX_YAML_NODES:
            raise kind(
                path,
                f"the YAML expands to more than {MAX_YAML_NODES:,} values through its aliases "
                "(expected a study file, not a 'billion laughs')",
            )
        data = loader.construct_document(node) if node is not None else None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        problem = (exc.problem or exc.context or "invalid YAML").strip()
        if isinstance(exc, yaml.constructor.ConstructorError):
            problem = f"{problem} (only plain data is accepted: no tags)"
        raise kind(path, problem, line=mark.line + 1 if mark else None) from None
    except yaml.YAMLError as exc:
        raise kind(path, f"invalid YAML ({exc.__class__.__name__})") from None
    finally:
        loader.dispose()
    lines: dict[Key, int] = {}
    if node is not None:
        _walk(node, (), lines)
    return YamlFile(path=path, data=data, lines=lines)
