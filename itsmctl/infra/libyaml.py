"""Tickets through PyYAML and libyaml: the reference reader and writer that infra/fastyaml.py
and infra/fastdump.py must equal, used where they decline. Its own module because
importing PyYAML (~10 ms: its reader compiles large patterns) is not needed by a command
whose tickets the fast paths handle."""

from __future__ import annotations

from typing import Any

import yaml

from itsmctl.errors import InvalidFile

_BaseLoader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_BaseDumper = getattr(yaml, "CSafeDumper", yaml.SafeDumper)


class _Loader(_BaseLoader):  # type: ignore[misc,valid-type]
    """libyaml, refusing a key given twice in one mapping: YAML says it is an error,
    PyYAML keeps the last one, and the next write would drop the other silently."""

    def construct_mapping(self, node: Any, deep: bool = False) -> Any:
        seen: set[Any] = set()
        for key_node, _value in node.value:
            key = self.construct_object(key_node, deep=deep)
            try:
                if key in seen:
                    raise yaml.constructor.ConstructorError(
                        None, None, f"duplicate key {key!r}", key_node.start_mark)
                seen.add(key)
            except TypeError:
                pass                # unhashable: the base class says so
        return super().construct_mapping(node, deep=deep)


_Loader.add_constructor("tag:yaml.org,2002:map", _Loader.construct_yaml_map)


class _Dumper(_BaseDumper):  # type: ignore[misc,valid-type]
    pass


def _str(dumper: Any, value: str) -> Any:
    if "\n" in value:
        return dumper.represent_scalar("tag:yaml.org,2002:str", value, style="|")
    return dumper.represent_str(value)


def _short(item: Any) -> bool:
    if item is None or isinstance(item, (bool, int)):
        return True
    return isinstance(item, str) and len(item) <= 40 and not any(c in item for c in _FLOWY)


_FLOWY = set(",[]{}#:'\"\n\\&*!|>%@`?")


def _list(dumper: Any, value: list[Any]) -> Any:
    """Short lists of plain words inline ([old, new]); anything else as a block."""
    flow = len(value) <= 8 and all(_short(v) for v in value)
    return dumper.represent_sequence("tag:yaml.org,2002:seq", value, flow_style=flow)


def _dict(dumper: Any, value: dict[Any, Any]) -> Any:
    return dumper.represent_mapping("tag:yaml.org,2002:map", value.items(), flow_style=False)


_Dumper.add_representer(str, _str)
_Dumper.add_representer(list, _list)
_Dumper.add_representer(dict, _dict)


def load_ticket(text: bytes | str, where: str) -> Any:
    """A ticket file through libyaml; errors name the file and line."""
    try:
        return yaml.load(text, Loader=_Loader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = f":{mark.line + 1}" if mark is not None else ""
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise InvalidFile(f"{where}{line}: not valid YAML: {problem}") from None


def dump_ticket(doc: Any) -> bytes:
    """A ticket file's bytes as PyYAML (libyaml's emitter) writes them."""
    return yaml.dump(doc, Dumper=_Dumper, allow_unicode=True, sort_keys=False,
                     width=1 << 30).encode("utf-8")
