"""The demo company and the `crm` command, as a new user meets them."""

import pytest

from crm import cli, demo
from crm.core import search
from crm.core.models import Job
from crm.customers.models import Contact, Customer
from crm.org.models import ApiToken, User
from crm.sales.models import ContactRole, Lead, LeadStatus, Opportunity


@pytest.mark.django_db
def test_the_demo_loads_once_and_shows_the_model_at_work(client):
    demo.load()
    counts = (User.objects.count(), Customer.objects.count(), Contact.objects.count())
    demo.load()
    assert (User.objects.count(), Customer.objects.count(), Contact.objects.count()) == counts
    # 300 customers, and those the demo's converted leads became.
    converted = Lead.objects.filter(status=LeadStatus.CONVERTED).count()
    assert converted and counts[1] == 300 + converted and counts[2] >= 800
    usernames = set(User.objects.values_list("username", flat=True))
    assert {
        "admin",
        "director",
        "manager",
        "sales1",
        "sales2",
        "manager2",
        "sales3",
        "service",
        "finance",
    } <= usernames
    sales1 = User.objects.get(username="sales1")
    sales2 = User.objects.get(username="sales2")
    hits = [h.title for g in search.search(sales1, "jdrj") for h in g.hits]
    assert "金蝶软件" in hits
    assert [h.title for g in search.search(sales2, "jdrj") for h in g.hits] == []
    assert Customer.objects.visible_to(sales1).exists()
    assert Customer.objects.get(name="金蝶软件").number.startswith("C")
    # Opportunities name who decides and who evaluates, among their customers' contacts.
    roles = ContactRole.objects.select_related("opportunity", "contact")
    assert roles.count() > Opportunity.objects.count()
    assert all(r.contact.customer_id == r.opportunity.customer_id for r in roles)


@pytest.mark.django_db
def test_token_create_prints_a_token_that_opens_the_api(make_user, client, capsys):
    make_user("alice")
    assert cli.main(["token", "create", "alice", "--name", "ERP sync"]) == 0
    printed = capsys.readouterr().out
    token = ApiToken.objects.get()
    raw = next(w for w in printed.split() if w.startswith(token.prefix) and len(w) > 30)
    response = client.get("/api/v1/customers/", headers={"Authorization": f"Bearer {raw}"})
    assert response.status_code == 200
    assert token.name == "ERP sync"
    assert raw not in token.key_hash


@pytest.mark.django_db
def test_token_create_for_an_unknown_user_fails_cleanly(capsys):
    assert cli.main(["token", "create", "nobody"]) != 0
    assert ApiToken.objects.count() == 0


@pytest.mark.django_db(transaction=True)
def test_export_then_import_round_trips_and_reports_the_rows_not_imported(admin, tmp_path, capsys):
    from openpyxl import load_workbook

    from crm.core import services

    for n in range(3):
        services.save(Customer(name=f"命令行客户{n}", number=f"CLI{n}", city="苏州"), actor=admin)
    exported = tmp_path / "customers.csv"
    assert cli.main(["export", "customers", str(exported), "--user", "boss"]) == 0
    assert "Exported 3 customers" in capsys.readouterr().out

    code = cli.main(["import", "customers", str(exported), "--on-duplicate", "update"])
    assert code == 0
    assert capsys.readouterr().out.splitlines()[-1] == (
        "created=0 updated=0 unchanged=3 skipped=0 failed=0"
    )

    broken = tmp_path / "new.csv"
    broken.write_text("客户名称,编号\n新客户,CLI9\n,CLI10\n", encoding="gbk")
    assert cli.main(["import", "customers", str(broken), "--user", "boss"]) == 0
    out = capsys.readouterr().out
    assert out.splitlines()[-1] == "created=1 updated=0 unchanged=0 skipped=0 failed=1"
    errors = load_workbook(tmp_path / "new-errors.xlsx").active
    assert [row[1] for row in errors.iter_rows(min_row=2, values_only=True)] == ["CLI10"]
    assert Customer.objects.filter(number__startswith="CLI").count() == 4


def test_import_refuses_an_unknown_type_or_key_with_a_message(admin, tmp_path):
    path = tmp_path / "x.csv"
    path.write_text("客户名称\n某公司\n", encoding="utf-8")
    with pytest.raises(SystemExit, match="no object type 'widgets'"):
        cli.main(["import", "widgets", str(path)])
    with pytest.raises(SystemExit, match="--match must be one of"):
        cli.main(["import", "customers", str(path), "--match", "number"])
    assert not Customer.objects.exists()
    assert not Job.objects.exists()
