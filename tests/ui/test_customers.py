"""The customer directory (B1): `open --reporter-id`, `customers import` (CSV, LDIF) and
`customers show`, on a real desk."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from tests.helpers import commit_count, git, itsm, ok, show

DIRECTORY = """version: 1
customers:
  - {id: C001, name: 王五, phone: '13800000000', email: wangwu@example.org, kind: staff,
     department: 销售部, location: changsha}
  - {id: C002, name: 钱七, phone: '13700000000', email: Qian7@Example.org, kind: vip,
     department: 总经办}
  - {id: C003, name: 外包孙八, phone: '13600000000', kind: staff, in_scope: false}
"""


@pytest.fixture
def directory(desk: Path) -> Path:
    (desk / "config" / "customers.yaml").write_text(DIRECTORY)
    git(desk, "add", "-A")
    git(desk, "commit", "-qm", "customers")
    return desk


def test_B1_reporter_id_fills_the_reporter_and_P2_follows_the_kind(directory: Path) -> None:
    tid = ok(itsm(directory, "open", "--title", "报表打不开", "--reporter-id", "C002")).out.strip()
    t = show(directory, tid)
    assert t["reporter"] == {"id": "C002", "name": "钱七", "kind": "vip", "phone": "13700000000",
                             "email": "Qian7@Example.org", "department": "总经办",
                             "location": None}
    assert t["urgency"] == "high"                               # P2: VIP -> high


def test_B1_typed_values_win_and_location_is_filled(directory: Path) -> None:
    tid = ok(itsm(directory, "open", "--title", "x", "--reporter-id", "C001",
                  "--reporter-phone", "0731-1234")).out.strip()
    t = show(directory, tid)
    assert t["reporter"]["phone"] == "0731-1234" and t["reporter"]["name"] == "王五"
    assert t["location"] == "changsha"


def test_B1_unknown_id_is_refused_unless_the_reporter_is_typed(directory: Path) -> None:
    before = commit_count(directory)
    res = itsm(directory, "open", "--title", "x", "--reporter-id", "C999")
    assert res.code == 3 and "[B1]" in res.err and "--reporter-name" in res.err
    assert commit_count(directory) == before
    tid = ok(itsm(directory, "open", "--title", "x", "--reporter-id", "C999",
                  "--reporter-name", "新同事", "--reporter-phone", "1")).out.strip()
    assert show(directory, tid)["reporter"]["id"] == "C999"


def test_B1_out_of_scope_customer_makes_open_suggest_L2(directory: Path) -> None:
    res = ok(itsm(directory, "open", "--title", "x", "--reporter-id", "C003"))
    assert "--out-of-scope" in res.err and res.out.strip().startswith("INC-")


def test_B1_customers_show_by_id_or_email(directory: Path) -> None:
    assert "钱七" in ok(itsm(directory, "customers", "show", "C002")).out
    doc = ok(itsm(directory, "--json", "customers", "show", "qian7@example.org")).json
    assert doc["id"] == "C002" and doc["in_scope"] is True
    assert itsm(directory, "customers", "show", "nobody").code == 3


def test_B1_import_csv_in_one_commit_with_a_summary(directory: Path, tmp_path: Path) -> None:
    export = tmp_path / "hr.csv"
    # a spreadsheet saved in China: GB18030, Chinese headers
    export.write_bytes("工号,姓名,电话,邮箱,部门\nC001,王五,13800000000,wangwu@example.org,市场部\n"
                       "C004,周九,13500000000,zhou9@example.org,财务部\n".encode("gb18030"))
    before = commit_count(directory)
    res = ok(itsm(directory, "--json", "customers", "import", str(export)))
    doc = res.json
    assert doc["added"] == ["C004"] and doc["changed"] == ["C001"]
    assert doc["removed"] == ["C002", "C003"] and doc["total"] == 2
    assert commit_count(directory) == before + 1
    assert "1 added, 1 changed, 2 removed" in git(directory, "log", "-1", "--format=%s")
    assert git(directory, "status", "--porcelain") == ""
    assert ok(itsm(directory, "--json", "customers", "show", "C004")).json["name"] == "周九"
    again = ok(itsm(directory, "--json", "customers", "import", str(export))).json
    assert again["commit"] is None and commit_count(directory) == before + 1


def test_B1_import_ldif_keep_and_dry_run(directory: Path, tmp_path: Path) -> None:
    ldif = tmp_path / "people.ldif"
    ldif.write_text("version: 1\n\ndn: ou=people,dc=example,dc=com\nobjectClass: "
                    "organizationalUnit\nou: people\n\n"
                    "dn: uid=C005,ou=people,dc=example,dc=com\nobjectClass: inetOrgPerson\n"
                    "uid: C005\ncn:: 5ZC05Y2B\nmail: wu10@example.org\n"
                    "telephoneNumber: 13400000000\nou: 运维部\nl: wuhan\n")
    before = commit_count(directory)
    dry = ok(itsm(directory, "--json", "customers", "import", str(ldif), "--keep",
                  "--dry-run")).json
    assert dry["added"] == ["C005"] and dry["removed"] == [] and commit_count(directory) == before
    ok(itsm(directory, "customers", "import", str(ldif), "--keep"))
    doc = ok(itsm(directory, "--json", "customers", "show", "C005")).json
    assert doc["name"] == "吴十" and doc["location"] == "wuhan" and doc["department"] == "运维部"
    assert ok(itsm(directory, "--json", "customers", "show", "C001")).json["name"] == "王五"


def test_B1_bad_directory_file_names_its_line(directory: Path, tmp_path: Path) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_text("id,name\nC1,甲\nC1,乙\n")
    res = itsm(directory, "customers", "import", str(bad))
    assert res.code == 4 and "bad.csv:3" in res.err and "twice" in res.err
    res = itsm(directory, "customers", "import", str(tmp_path / "missing.csv"))
    assert res.code == 3


def test_B1_only_the_desk_imports_the_directory(directory: Path, tmp_path: Path) -> None:
    f = tmp_path / "x.csv"
    f.write_text("id,name\nC1,甲\n")
    assert itsm(directory, "customers", "import", str(f), actor="carol").code == 6


@pytest.mark.slow
def test_B1_open_with_reporter_id_stays_fast_at_50000_customers(desk: Path) -> None:
    rows = ["id,name,phone,email,kind,department,location,in_scope"]
    rows += [f"C{i:06d},客户{i},138{i:08d},c{i}@example.org,staff,部门{i % 50},site{i % 9},true"
             for i in range(50000)]
    (desk / "config" / "customers.csv").write_text("\n".join(rows) + "\n")
    git(desk, "add", "-A")
    git(desk, "commit", "-qm", "50k customers")
    from tests.helpers import itsm_process

    ok(itsm_process(desk, "customers", "show", "C000001"))          # builds the index once

    def timed(*args: str) -> tuple[float, str]:
        start = time.perf_counter()
        out = ok(itsm_process(desk, "open", "--title", "x", *args)).out.strip()
        return time.perf_counter() - start, out

    plain = min(timed("--reporter-name", "甲", "--reporter-phone", "1")[0] for _ in range(3))
    with_id = []
    for n in (49999, 25000, 7):
        took, tid = timed("--reporter-id", f"C{n:06d}")
        with_id.append(took)
        assert show(desk, tid)["reporter"]["name"] == f"客户{n}"
    # the directory costs a lookup, not a parse of 50,000 records
    assert min(with_id) - plain < 0.5, (plain, with_id)
