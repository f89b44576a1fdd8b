"""Find the desk and load config/ into a Policy; every schema error as 'file:line: a.b: msg'."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Optional

from itsmctl.errors import InvalidFile, NotFound, UsageError

FILES = {
    "desk": "desk.yaml",
    "matrix": "priority_matrix.yaml",
    "sla": "sla.yaml",
    "categories": "categories.yaml",
    "teams": "teams.yaml",
    "codes": "codes.yaml",
    "notify": "notify.yaml",
    "monitoring": "monitoring.yaml",
    "kpi": "kpi.yaml",
    "rota": "rota.yaml",
    "governance": "governance.yaml",
    "duplicates": "duplicates.yaml",
    "mail": "mail.yaml",
    "views": "views.yaml",
}
# files a desk made before they existed may lack: their model's defaults apply
OPTIONAL = frozenset({"rota", "governance", "duplicates", "mail", "views"})
SUPPORTED_VERSION = 1
_CACHE_FORMAT = 2           # 2: the plain policy (core/policy/plain.py), not the models
_TREE_FORMAT = 1            # by_tree's: the models
_FACTS_FORMAT = 2           # what facts_of holds: a cache of another format is made again


def find_root(given: Optional[str]) -> Path:
    """--repo, then ITSMCTL_REPO, then walk up from the current directory."""
    start = given or os.environ.get("ITSMCTL_REPO")
    if start:
        root = Path(start).resolve()
        if not (root / "config" / FILES["matrix"]).is_file():
            raise NotFound(f"{root} is not an itsmctl desk (no config/{FILES['matrix']}); "
                           "make one with: itsmctl init DIR")
        return _a_clone(root)
    here = Path.cwd().resolve()
    for candidate in (here, *here.parents):
        if (candidate / "config" / FILES["matrix"]).is_file():
            return _a_clone(candidate)
    raise NotFound("not inside an itsmctl desk (no config/priority_matrix.yaml here or above); "
                   "use --repo DIR or make one with: itsmctl init DIR")


def _a_clone(root: Path) -> Path:
    """The desk keeps its clone's own state (index, ledger, locks) in .git/itsmctl, so
    .git must be the repository's directory: in a `git worktree` or a submodule it is a
    file pointing elsewhere, and every command would fail on it later, half-way."""
    if (root / ".git").is_file():
        raise UsageError(f"{root}/.git is a file (a git worktree or submodule): itsmctl keeps "
                         "this clone's state in .git/itsmctl, so work in a clone of the desk "
                         f"instead: git clone {root} DIR")
    return root


def _model_for(key: str) -> Any:
    from itsmctl.core import policy as p

    return {"desk": p.DeskConfig, "matrix": p.PriorityMatrix, "sla": p.SlaConfig,
            "categories": p.Categories, "teams": p.Teams, "codes": p.Codes,
            "notify": p.NotifyConfig, "monitoring": p.MonitoringConfig,
            "kpi": p.KpiConfig, "rota": p.RotaConfig, "governance": p.GovernanceConfig,
            "duplicates": p.DuplicatesConfig, "mail": p.MailConfig, "views": p.Views}[key]


def code_stamp() -> list[Any]:
    """What a cached policy depends on besides its files: the code of its models."""
    from itsmctl import __version__

    out: list[Any] = [__version__]
    here = Path(__file__).resolve().parent.parent / "core" / "policy"
    # the names Path.glob("*.py") gives, without its pattern machinery (every command
    # that loads the policy asks; ~0.5 ms)
    for name in sorted(e.name for e in os.scandir(here) if e.name.endswith(".py")):
        st = os.stat(here / name)
        out.append((name, st.st_mtime_ns, st.st_size))
    return out


def _stamp(root: Path) -> tuple[Any, ...]:
    """What the cached policy depends on: the config files and the code of its models."""
    out = code_stamp()
    for name in FILES.values():
        try:
            st = (root / "config" / name).stat()
            out.append((name, st.st_mtime_ns, st.st_size, st.st_ino))
        except FileNotFoundError:
            out.append((name, None, None, None))
    return tuple(out)


def policy_stamp(root: Path) -> tuple[Any, ...]:
    """What a loaded Policy depends on: equal stamps, the same policy (a long-running
    process keeps its Policy while the stamp stays the same)."""
    return _stamp(root)


def unpickle(fh: Any) -> Any:
    """pickle.load, which is _pickle's: importing the pickle module around it (its
    pure-Python pickler, struct, _compat_pickle) was ~1.5 ms of CPU of every command
    that reads a cache (issue 13)."""
    try:
        from _pickle import load
    except ImportError:             # a Python without the C accelerator
        from pickle import load
    return load(fh)


def _cache_file(root: Path) -> Optional[Path]:
    git = root / ".git"
    return git / "itsmctl" / "policy.pickle" if git.is_dir() else None


def load_policy(root: Path) -> Any:
    """The validated policy as plain objects (core/policy/plain.py: the models' fields
    and methods without pydantic), from a pickle keyed by the files' stat when it is
    fresh; else the files are validated by the models (pydantic) and the cache made again."""
    stamp = _stamp(root)
    cache = _cache_file(root)
    policy = cached_policy(root, stamp)
    if policy is not None:
        return policy
    from itsmctl.core.policy.plain import plain_of
    from itsmctl.infra.startup import quick_pydantic

    quick_pydantic()
    policy = plain_of(parse_policy(root))
    if cache is not None:
        _write_cache(cache, (_CACHE_FORMAT, stamp, policy))
        _write_cache(cache.with_name("facts.pickle"), (_FACTS_FORMAT, stamp, facts_of(policy)))
        # report's own plain copy of old, now this cache itself
        cache.with_name("plain-policy.pickle").unlink(missing_ok=True)
    return policy


def cached_policy(root: Path, stamp: Optional[tuple[Any, ...]] = None) -> Any:
    """The plain policy pickled from exactly these config files and model code, else None:
    a fresh cache means the files passed their schemas and cross-checks when it was made."""
    cache = _cache_file(root)
    if cache is None or not cache.is_file():
        return None
    try:
        with cache.open("rb") as fh:
            fmt, cached_stamp, policy = unpickle(fh)
        if fmt == _CACHE_FORMAT and cached_stamp == (stamp or _stamp(root)):
            return policy
    except Exception:  # a stale or foreign cache is simply rebuilt
        pass
    return None


def _write_cache(path: Path, value: Any) -> None:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(f".{os.getpid()}.tmp")
        with tmp.open("wb") as fh:
            import pickle

            pickle.dump(value, fh, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(tmp, path)
    except OSError:
        pass


def facts_of(policy: Any) -> dict[str, Any]:
    """The few plain values read-only commands need, so they can skip the models (and
    pydantic, ~60 ms of a fresh process): see load_facts. `known` is what list's
    filters are checked against (core/filters.Known), `require_signed` and `known`'s
    people what the actor is found by (I1, I4)."""
    from itsmctl.core.filters import Known

    return {"timezone": policy.desk.timezone,
            "priority_levels": list(policy.matrix.priority_levels),
            "require_signed": bool(policy.desk.require_signed),
            "known": Known.of(policy).doc()}


def load_facts(root: Path) -> dict[str, Any]:
    """facts_of(the Policy), plain data cached beside the policy with the same stamp;
    loads (and so validates) the policy when that cache is stale."""
    cache = _cache_file(root)
    if cache is not None:
        try:
            with cache.with_name("facts.pickle").open("rb") as fh:
                fmt, cached_stamp, facts = unpickle(fh)
            if fmt == _FACTS_FORMAT and cached_stamp == _stamp(root):
                return dict(facts)
        except Exception:  # missing, stale or foreign: made again from the policy
            pass
    policy = load_policy(root)
    if cache is not None:
        _write_cache(cache.with_name("facts.pickle"), (_FACTS_FORMAT, _stamp(root),
                                                       facts_of(policy)))
    return facts_of(policy)


def by_tree(root: Path, tree: bytes, build: Any) -> Any:
    """`build()` (a Policy or None), cached under .git/itsmctl by the content of a
    config/ tree object and the code stamp of the models."""
    import hashlib

    cache = _cache_file(root)
    if cache is None:
        return build()
    code = _stamp(root)[:-len(FILES)]           # version and model code, not the files
    key = hashlib.sha1(tree + repr(code).encode()).hexdigest()[:20]
    path = cache.with_name(f"policy-{key}.pickle")
    try:
        with path.open("rb") as fh:
            fmt, policy = unpickle(fh)
        if fmt == _TREE_FORMAT:
            return policy
    except Exception:  # missing or foreign: built again
        pass
    policy = build()
    _write_cache(path, (_TREE_FORMAT, policy))
    return policy


def read_documents(root: Path) -> dict[str, tuple[str, Any]]:
    """Each config file parsed (ruamel), keyed as in FILES; missing files are errors."""
    from itsmctl.infra.yaml import load_config

    docs = {}
    for key, name in FILES.items():
        path = root / "config" / name
        where = f"config/{name}"
        try:
            text = path.read_text(encoding="utf-8")
        except FileNotFoundError:
            if key in OPTIONAL:
                continue
            raise InvalidFile(f"{where}: missing") from None
        except (OSError, UnicodeDecodeError) as exc:
            raise InvalidFile(f"{where}: unreadable: {exc}") from None
        docs[key] = (where, load_config(text, where))
    return docs


def validate_doc(key: str, where: str, doc: Any) -> Any:
    """One file against its schema; the first error names file, line and key path."""
    from pydantic import ValidationError

    from itsmctl.infra.yaml import plain

    if not isinstance(doc, dict):
        raise InvalidFile(f"{where}:1: expected a mapping at the top")
    version = doc.get("version")
    if version != SUPPORTED_VERSION:
        raise InvalidFile(f"{where}:{where_is(doc, ('version',))}: version: expected "
                          f"{SUPPORTED_VERSION}, found {version!r}")
    try:
        return _model_for(key).model_validate(plain(doc))
    except ValidationError as exc:
        raise InvalidFile(schema_lines(where, doc, exc)[0]) from None


def where_is(doc: Any, path: tuple[Any, ...]) -> int:
    from itsmctl.infra.yaml import locate

    return locate(doc, path, "")[0]


def schema_lines(where: str, doc: Any, exc: Any) -> list[str]:
    """Every error of a config file's ValidationError as 'file:line: key.path: message'."""
    from itsmctl.infra.yaml import locate

    out = []
    for err in exc.errors():
        line, at, msg = locate(doc, tuple(err["loc"]), err["msg"].removeprefix("Value error, "))
        out.append(f"{where}:{line}: {at}: {msg}")
    return out


def problem_line(docs: dict[str, tuple[str, Any]], name: str, at: str, msg: str) -> str:
    """A cross-file problem (file name, key path, message) as 'file:line: path: message'."""
    from itsmctl.infra.yaml import locate

    doc = next((d for w, d in docs.values() if w == f"config/{name}"), None)
    line, at, msg = locate(doc, tuple(at.split(".")) if at else (), msg)
    return f"config/{name}:{line}: {at}: {msg}"


def parse_policy(root: Path) -> Any:
    """The config files validated by their models (pydantic) and cross-checked: the
    Policy model itself, for what needs the models (validate, governance)."""
    from itsmctl.core.policy import Policy

    docs = read_documents(root)
    parts = {key: validate_doc(key, where, doc) for key, (where, doc) in docs.items()}
    policy = Policy(**parts)
    problems = policy.problems()
    if problems:
        raise InvalidFile(problem_line(docs, *problems[0]))
    return policy
