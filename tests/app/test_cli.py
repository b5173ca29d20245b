"""The ``garagebot`` CLI in-process on a temporary SQLite file: help everywhere,
garages, staff, the audit check, and one-line errors with exit code 2."""

from __future__ import annotations

import asyncio
import sqlite3
from pathlib import Path

import pytest

import garagebot.core.models  # noqa: F401  (registers every table)
from garagebot.app.cli import main
from garagebot.core.db import Base, make_engine
from garagebot.core.i18n import Translator

SUBCOMMANDS = [
    [], ["migrate"], ["serve"], ["worker"], ["demo"], ["seed-demo"], ["create-org"], ["org"],
    ["org", "set"], ["create-user"], ["audit"], ["audit", "verify"], ["link-code"], ["stock"],
    ["stock", "verify"], ["chat"], ["report"],
]


async def _create_schema(url: str) -> None:
    engine = make_engine(url)
    async with engine.begin() as conn:
        await conn.run_sync(Base.metadata.create_all)
    await engine.dispose()


@pytest.fixture
def db_file(clean_env: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A fresh SQLite database with the schema, named by GARAGEBOT_DATABASE_URL."""
    path = clean_env / "cli.db"
    url = f"sqlite+aiosqlite:///{path}"
    asyncio.run(_create_schema(url))
    monkeypatch.setenv("GARAGEBOT_DATABASE_URL", url)
    return path


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def create_org(capsys: pytest.CaptureFixture[str], slug: str, *extra: str) -> int:
    code, out, err = run(capsys, "create-org", "--slug", slug, "--name-en", "Rami Motors",
                         "--name-ar", "كراج رامي", *extra)
    assert (code, err) == (0, "")
    return int(out)


def query(path: Path, sql: str, *params: object) -> list[tuple[object, ...]]:
    with sqlite3.connect(path) as conn:
        return conn.execute(sql, params).fetchall()


@pytest.mark.parametrize("argv", SUBCOMMANDS, ids=lambda a: " ".join(a) or "garagebot")
def test_every_subcommand_has_help(argv: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as done:
        main([*argv, "--help"])
    assert done.value.code == 0
    out = capsys.readouterr().out
    assert out.startswith(f"usage: garagebot {' '.join(argv)}".rstrip())
    assert "-h, --help" in out


def test_create_org_stores_the_garage_with_its_numbers_and_prints_its_id(
    db_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    org_id = create_org(capsys, "rami-motors", "--timezone", "Asia/Riyadh", "--currency", "SAR",
                        "--languages", "ar", "--default-locale", "ar",
                        "--sms-number", "06 500 1234", "--whatsapp-number", "0791234567",
                        "--meta-phone-number-id", "109876543210")
    assert query(db_file, "SELECT id, slug, name_en, name_ar, timezone, currency, languages, "
                          "default_locale, sms_number, whatsapp_number, meta_phone_number_id "
                          "FROM organization") == [
        (org_id, "rami-motors", "Rami Motors", "كراج رامي", "Asia/Riyadh", "SAR", "ar", "ar",
         "+96265001234", "+962791234567", "109876543210")]
    assert query(db_file, "SELECT seq, action FROM audit_entry WHERE organization_id = ?", org_id) \
        == [(1, "create")]


def test_org_set_changes_numbers_and_zone_later(db_file: Path, capsys: pytest.CaptureFixture[str]) -> None:
    org_id = create_org(capsys, "rami-motors", "--sms-number", "+96265001234")
    code, out, err = run(capsys, "org", "set", "--org", "rami-motors", "--timezone", "Asia/Dubai",
                         "--sms-number", "", "--whatsapp-number", "0781112233")
    assert (code, out, err) == (0, "updated rami-motors\n", "")
    assert query(db_file, "SELECT timezone, sms_number, whatsapp_number FROM organization "
                          "WHERE id = ?", org_id) == [("Asia/Dubai", None, "+962781112233")]
    assert query(db_file, "SELECT actor_kind, channel, action FROM audit_entry "
                          "WHERE organization_id = ? AND seq = 2", org_id) == [
        ("system", "cli", "update_settings")]


def test_create_user_links_telegram_in_advance_and_prints_the_new_id(
    db_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    org_id = create_org(capsys, "rami-motors")
    code, out, err = run(capsys, "create-user", "--org", "rami-motors", "--name", "Khaled Haddad",
                         "--role", "lead_technician", "--phone", "0791234567", "--language", "ar",
                         "--telegram-id", "100000042", "--skills", "mechanical, electrical")
    assert (code, err) == (0, "")
    user_id = int(out)
    assert query(db_file, "SELECT organization_id, name, role, phone, locale, telegram_user_id "
                          "FROM user_account WHERE id = ?", user_id) == [
        (org_id, "Khaled Haddad", "lead_technician", "+962791234567", "ar", 100000042)]
    assert query(db_file, "SELECT skill FROM user_skill WHERE user_id = ? ORDER BY skill",
                 user_id) == [("electrical",), ("mechanical",)]


def test_audit_verify_passes_an_intact_chain_and_names_the_first_broken_link(
    db_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    org_id = create_org(capsys, "rami-motors")
    create_org(capsys, "other-garage")
    for name in ("Ali", "Omar", "Sara"):
        assert run(capsys, "create-user", "--org", "rami-motors", "--name", name,
                   "--role", "technician")[0] == 0

    assert run(capsys, "audit", "verify") == (0, (
        "ok rami-motors: 4 entries, chain intact\nok other-garage: 1 entries, chain intact\n"), "")

    with sqlite3.connect(db_file) as conn:
        conn.execute("UPDATE audit_entry SET action = 'erase' WHERE organization_id = ? AND seq = 3",
                     (org_id,))
    code, out, err = run(capsys, "audit", "verify", "--org", "rami-motors")
    assert (code, out, err) == (1, "BROKEN rami-motors: first broken link at seq 3 (hash)\n", "")
    code, out, _ = run(capsys, "audit", "verify")
    assert code == 1
    assert out.splitlines() == ["BROKEN rami-motors: first broken link at seq 3 (hash)",
                                "ok other-garage: 1 entries, chain intact"]


def test_a_deleted_audit_entry_is_reported_as_missing(
    db_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    org_id = create_org(capsys, "rami-motors")
    assert run(capsys, "create-user", "--org", "rami-motors", "--name", "Ali", "--role", "advisor")[0] == 0
    assert run(capsys, "create-user", "--org", "rami-motors", "--name", "Huda", "--role", "advisor")[0] == 0
    with sqlite3.connect(db_file) as conn:
        conn.execute("DELETE FROM audit_entry WHERE organization_id = ? AND seq = 2", (org_id,))
    assert run(capsys, "audit", "verify", "--org", "rami-motors") == (
        1, "BROKEN rami-motors: first broken link at seq 2 (missing)\n", "")


def english(key: str, **params: object) -> str:
    return Translator.load().render("en", key, params)


@pytest.mark.parametrize(
    ("argv", "line"),
    [
        (["create-org", "--slug", "x-garage", "--name-en", "X", "--name-ar", "س",
          "--timezone", "Mars/Olympus"],
         "garagebot create-org: " + english("error.invalid_timezone", value="Mars/Olympus")),
        (["create-org", "--slug", "rami-motors", "--name-en", "X", "--name-ar", "س"],
         "garagebot create-org: " + english("error.slug_taken", value="rami-motors")),
        (["create-org", "--slug", "y-garage", "--name-en", "Y", "--name-ar", "ص",
          "--whatsapp-number", "+962791234567"],
         "garagebot create-org: " + english("error.garage_number_taken", value="+962791234567")),
        (["create-user", "--org", "nowhere", "--name", "Ali", "--role", "technician"],
         "garagebot create-user: " + english("error.garage_not_found")),
        (["create-user", "--org", "rami-motors", "--name", "Ali", "--role", "technician",
          "--phone", "12"],
         "garagebot create-user: " + english("error.invalid_phone", value="12")),
        (["org", "set", "--org", "rami-motors"],
         "garagebot org: " + english("error.nothing_to_change")),
    ],
    ids=["bad-zone", "slug-taken", "number-taken", "unknown-garage", "bad-phone", "nothing"],
)
def test_a_domain_error_is_one_english_line_and_exit_code_2(
    db_file: Path, capsys: pytest.CaptureFixture[str], argv: list[str], line: str
) -> None:
    create_org(capsys, "rami-motors", "--whatsapp-number", "+962791234567")
    before = query(db_file, "SELECT count(*) FROM audit_entry")
    assert run(capsys, *argv) == (2, "", line + "\n")
    assert query(db_file, "SELECT count(*) FROM audit_entry") == before


def test_an_unmigrated_database_is_one_line_and_exit_code_2(
    clean_env: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("GARAGEBOT_DATABASE_URL", f"sqlite+aiosqlite:///{clean_env}/empty.db")
    code, out, err = run(capsys, "create-org", "--slug", "x-garage", "--name-en", "X", "--name-ar", "س")
    assert (code, out) == (2, "")
    assert err.startswith("garagebot create-org: database error: ")
    assert "no such table" in err
    assert err.endswith("has `garagebot migrate` run?)\n")
    assert err.count("\n") == 1


def test_the_worker_refuses_to_start_without_redis(
    clean_env: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run(capsys, "worker")
    assert (code, out) == (2, "")
    assert err.startswith("garagebot worker: GARAGEBOT_REDIS_URL is not set")
    assert err.count("\n") == 1


def test_seed_demo_seeds_once_into_the_media_dir_and_prints_the_identities(
    db_file: Path, clean_env: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run(capsys, "seed-demo")
    assert (code, err) == (0, "")
    assert out.startswith("Demo garage seeded: ")
    assert "100000001" in out
    assert query(db_file, "SELECT count(*) FROM organization") == [(1,)]
    assert any(p.is_file() for p in (clean_env / "media").rglob("*"))  # the demo's step photos

    code, out, _ = run(capsys, "seed-demo")
    assert code == 0
    assert out.startswith("The demo garage already exists: ")
    assert query(db_file, "SELECT count(*) FROM organization") == [(1,)]
