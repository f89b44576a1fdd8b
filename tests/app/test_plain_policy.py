"""The plain policy (core/policy/plain.py) commands load from the cache: the same values
and answers as the validated models, no pydantic on its path, stale when a file or the
models' code changes (issue 13)."""

from __future__ import annotations

import inspect
import random
import subprocess
import sys
from datetime import date, timedelta
from pathlib import Path
from typing import Any, Callable

import pytest
from pydantic import BaseModel

from itsmctl.core.policy import ROLES
from itsmctl.core.policy.plain import Plain, PlainPolicy, default_calendar, plain_of
from itsmctl.errors import InvalidFile
from itsmctl.infra import config
from itsmctl.infra.config import FILES, cached_policy, load_policy, parse_policy
from tests.app.helpers import session
from tests.helpers import make_desk

PROFILES = Path(__file__).resolve().parents[2] / "itsmctl" / "profiles"
SAMPLES = sorted(p.name for p in PROFILES.iterdir() if (p / "config").is_dir())


def answer(call: Callable[[], Any]) -> Any:
    """What a call gives, as plain data; an exception as its type and message."""
    try:
        return ("=", plain_of(call()))
    except Exception as exc:  # the same failure is the same answer
        return ("!", type(exc).__name__, str(exc))


def same(model: Any, twin: Any, name: str, *args: Any) -> None:
    want = answer(lambda: _get(model, name, args))
    got = answer(lambda: _get(twin, name, args))
    assert got == want, (type(model).__name__, name, args)


def _get(obj: Any, name: str, args: tuple[Any, ...]) -> Any:
    value = getattr(obj, name)
    return value(*args) if callable(value) else value


def models(value: Any) -> list[BaseModel]:
    """Every model within a model (itself first), through dicts and lists."""
    if isinstance(value, BaseModel):
        return [value, *(m for f in type(value).model_fields for m in models(getattr(value, f)))]
    if isinstance(value, dict):
        return [m for v in value.values() for m in models(v)]
    if isinstance(value, (list, tuple)):
        return [m for v in value for m in models(v)]
    return []


def public(cls: type) -> set[str]:
    """A model class's own methods and properties (not pydantic's, not its fields)."""
    return {n for n, _ in inspect.getmembers(cls) if not n.startswith("_")
            and n not in dir(BaseModel) and n not in cls.model_fields} | \
        ({"__str__"} if cls.__str__ is not BaseModel.__str__ else set())


def calls(m: Any, policy: Any) -> dict[str, list[tuple[Any, ...]]]:
    """Arguments to call each public method with, drawn from the whole policy."""
    matrix, teams, notify = policy.matrix, policy.teams, policy.notify
    triggers = [*notify.rules, *notify.templates, "default", "nope"]
    roles = ["U", "C", "E", "M", "L", "W"]
    prios = [*matrix.priority_levels, "P9"]
    days = [date(2026, 11, 1) + timedelta(days=i) for i in range(-400, 400, 3)]
    emails = [p.email for p in teams.people.values() if p.email]
    return {
        "subtype": [(c, s) for c, cat in policy.categories.categories.items()
                    for s in [*cat.subtypes, "nope"]] + [("nope", "x")],
        "check": [(k, v) for k in ("problem", "change", "requirement")
                  for v in ("PRB-1", "CHG-22", "REQ-3", "PRB-1\n", "x", "")],
        "class_of": [(f"config/{n}",) for n in FILES.values()]
        + [("sla.yaml",), ("templates/x.txt",), ("config/templates/y",), ("other.txt",)],
        "met": [(r / 100,) for r in (0, 0.5, 1, 5, 10, 80, 85, 90, 95, 99, 100)],
        "goal": [()], "__str__": [()],
        "message_domain": [(None,), ("desk@example.com",), ("<x@y.org>",)],
        "impact": [(lv,) for lv in matrix.impact_levels]
        + [(str(lv),) for lv in matrix.impact_levels] + [("nope",)],
        "rule_for": [(s,) for s in policy.monitoring.severities]
        + [(s.upper(),) for s in policy.monitoring.severities] + [(None,), ("nope",), (" ",)],
        "matches": [(t, r, p) for t in triggers for r in roles for p in prios],
        "template": [(t,) for t in triggers],
        "channels_for": [(t, r, p) for t in triggers for r in roles for p in prios],
        "problems": [(prios,), (["P1"],), ([],)] if m is notify else [()],
        "minutes": [()], "offsets": [()], "day_start": [()], "covered_groups": [()],
        "by_date": [(d,) for d in days], "by_pattern": [(d,) for d in days],
        "signers": [()],
        "members": [(g,) for g in [*teams.groups, "nope"]],
        "with_role": [(r,) for r in [*ROLES, "nope"]],
        "find": [(p,) for p in teams.people] + [(e,) for e in emails]
        + [(e.upper(),) for e in emails] + [("nope",), ("",)],
    }


def check_twins(model: Any) -> int:
    """Every model in `model` against its twin: fields, dumps and every public method
    and property; how many answers were compared."""
    twin = plain_of(model)
    assert isinstance(twin, PlainPolicy)
    compared = 0
    for m in models(model):
        t = plain_of(m)
        assert isinstance(t, Plain) and type(t).__name__ == f"Plain{type(m).__name__}"
        assert set(vars(t)) == set(type(m).model_fields)
        for name in type(m).model_fields:
            same(m, t, name)
        assert t.model_dump() == m.model_dump()
        assert t.model_dump(by_alias=True) == m.model_dump(by_alias=True)
        assert t.model_dump(mode="json", by_alias=True) == \
            m.model_dump(mode="json", by_alias=True)
        plan = calls(m, model)
        for name in sorted(public(type(m))):
            assert name in plan, f"{type(m).__name__}.{name}: no calls planned in this test"
            for args in plan[name]:
                same(m, t, name, *args)
                compared += 1
    return compared


@pytest.mark.parametrize("profile", SAMPLES)
def test_plain_policy_answers_as_the_models_do(profile):
    """The sample configs: each twin has the model's fields with equal values, and each
    method and property of the models gives the same answer (or the same error)."""
    assert check_twins(parse_policy(PROFILES / profile)) > 500


def test_durations_dump_as_pydantic_writes_them():
    from pydantic import TypeAdapter

    from itsmctl.core.policy.plain import iso_duration

    rng = random.Random(13)
    values = [timedelta(0), timedelta(days=30), timedelta(hours=36), timedelta(seconds=-5),
              timedelta(microseconds=1), timedelta(minutes=90, microseconds=500000)]
    values += [timedelta(seconds=rng.randint(-10**7, 10**7),
                         microseconds=rng.choice([0, rng.randint(0, 999999)]))
               for _ in range(2000)]
    adapter = TypeAdapter(timedelta)
    for value in values:
        assert iso_duration(value) == adapter.dump_python(value, mode="json"), value


def test_the_default_calendar_is_the_models_default():
    from itsmctl.core.policy.sla import Calendar

    assert plain_of(Calendar()) == default_calendar()


def test_a_customers_twin_answers_as_the_model_does():
    from itsmctl.core.policy.customers import Customer
    from itsmctl.core.policy.plain import CUSTOMER_FIELDS

    assert CUSTOMER_FIELDS == tuple(Customer.model_fields)
    for doc in ({"id": "E1", "name": "王五"},
                {"id": "E2", "name": "Ann", "phone": "138", "email": "a@x.org", "kind": "vip",
                 "department": "IT", "location": "HQ", "in_scope": "no"}):
        model = Customer.model_validate(doc)
        twin = plain_of(model)
        assert public(Customer) == {"reporter", "row"}
        for name in ("reporter", "row", *CUSTOMER_FIELDS):
            same(model, twin, name)
        assert twin.model_dump() == model.model_dump()


def test_a_plain_policy_is_frozen_and_compares_by_value():
    twin = plain_of(parse_policy(PROFILES / "default"))
    with pytest.raises(AttributeError):
        twin.desk.name = "x"                                      # type: ignore[misc]
    assert twin == plain_of(parse_policy(PROFILES / "default"))
    assert twin.desk.model_copy(update={"name": "x"}).name == "x" and twin.desk.name != "x"


def test_a_fresh_cache_gives_the_session_the_plain_policy_without_pydantic(tmp_path):
    desk = make_desk(tmp_path / "desk")
    load_policy(desk)                                             # the cache is made
    assert isinstance(session(desk).policy, PlainPolicy)
    code = ("import sys\n"
            "from itsmctl.app.session import Session\n"
            "p = Session(repo=sys.argv[1], actor_given='alice').policy\n"
            "assert p.teams.find('alice') == 'alice' and p.matrix.priority_levels\n"
            "print(type(p).__name__, sorted(m for m in sys.modules\n"
            "      if m.split('.')[0] == 'pydantic' or m.startswith('itsmctl.core.policy.')\n"
            "      and m.rsplit('.', 1)[1] not in ('units', 'rules', 'problems', 'plain')))\n")
    done = subprocess.run([sys.executable, "-c", code, str(desk)], capture_output=True,
                          text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["PlainPolicy", "[]"]


def test_the_cache_is_stale_after_a_config_edit_and_after_a_model_code_change(
        tmp_path, monkeypatch):
    desk = make_desk(tmp_path / "desk")
    old_copy = desk / ".git" / "itsmctl" / "plain-policy.pickle"    # report's, folded in
    old_copy.parent.mkdir(exist_ok=True)
    old_copy.write_bytes(b"x")
    (desk / ".git" / "itsmctl" / "policy.pickle").unlink(missing_ok=True)
    before = load_policy(desk)
    assert not old_copy.exists()
    assert cached_policy(desk) == before
    teams = desk / "config" / "teams.yaml"
    teams.write_text(teams.read_text().replace("desk_group:", "# edited\ndesk_group:", 1))
    assert cached_policy(desk) is None                            # the file's stat moved
    desk_yaml = desk / "config" / "desk.yaml"
    text = desk_yaml.read_text()
    desk_yaml.write_text(text.replace("\nname: ", "\nname: Renamed desk # ", 1))
    assert load_policy(desk).desk.name == "Renamed desk"         # validated, cached again
    assert cached_policy(desk) is not None
    desk_yaml.write_text(text.replace("\nlock_timeout: 60", "\nlock_timeout: -1", 1))
    with pytest.raises(InvalidFile, match="desk.yaml:.*lock_timeout"):  # pydantic judges
        load_policy(desk)
    assert cached_policy(desk) is None
    desk_yaml.write_text(text)
    assert load_policy(desk).desk.name == before.desk.name
    # the code stamp covers every module beside the models, the twins' included
    names = {entry[0] for entry in config.code_stamp()[1:]}
    assert {"rules.py", "problems.py", "plain.py", "units.py", "teams.py"} <= names
    real = config.code_stamp
    monkeypatch.setattr(config, "code_stamp", lambda: [*real(), ("rules.py", 1, 2)])
    assert cached_policy(desk) is None
    assert isinstance(load_policy(desk), PlainPolicy)
    assert cached_policy(desk) is not None


def test_the_policy_cache_key_names_the_model_modules_as_glob_does():
    """code_stamp lists core/policy/*.py as Path.glob does (issue 13: without its
    pattern machinery), so a changed model still makes the cache stale."""
    from pathlib import Path

    from itsmctl import __version__
    from itsmctl.infra import config

    here = Path(config.__file__).resolve().parent.parent / "core" / "policy"
    expected = [__version__] + [(m.name, m.stat().st_mtime_ns, m.stat().st_size)
                                for m in sorted(here.glob("*.py"))]
    assert config.code_stamp() == expected and len(expected) > 10
