"""A supervisor imports a registry list in a real browser: upload, the
preview with its reasons, the rejected rows downloaded, the commit; then the
filtered registry exported. English screens (the import's own strings are
checked here, not their Vietnamese translation)."""
import datetime as dt
import re

import pytest
from django.conf import settings
from playwright.sync_api import expect

from tests.conftest import build_world
from tests.e2e.conftest import screenshot, sign_in
from tests.enterprises.sheets import VI_HEADERS, csv_bytes, xlsx_rows
from tests.factories import EnterpriseFactory, next_tax_code
from workflows.enterprises.models import Enterprise, ImportBatch, ImportStatus

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def english_page(browser, live_server):
    context = browser.new_context(base_url=live_server.url, viewport={"width": 1280, "height": 900},
                                  accept_downloads=True)
    context.add_cookies([{"name": settings.LANGUAGE_COOKIE_NAME, "value": "en", "url": live_server.url}])
    page = context.new_page()
    page.set_default_timeout(10_000)
    yield page
    context.close()


def test_supervisor_imports_a_list_and_exports_the_registry(english_page, reference_data, tmp_path):
    page = english_page
    world = build_world()
    known = EnterpriseFactory(responsible_unit=world.district, workforce=10, workforce_as_of=dt.date(2025, 1, 1))
    new, nameless = [next_tax_code(), next_tax_code()], next_tax_code()
    path = tmp_path / "bhxh-2025.csv"
    path.write_bytes(csv_bytes([
        ["DANH SÁCH DOANH NGHIỆP THEO SỐ LIỆU BẢO HIỂM XÃ HỘI"], VI_HEADERS,
        ["1", "Công ty TNHH Điện tử Ánh Dương", new[0], "Lô CN-05", "Phường Đồng Nguyên", "KCN VSIP", "FDI",
         "Điện tử", "6.500", "31/12/2025", "BHXH"],
        ["2", "HTX Mây tre Phú Vinh", new[1], "", "", "", "Hợp tác xã", "", "45", "31/12/2025", "BHXH"],
        ["3", known.name, known.tax_code, "", "", "", "", "", "120", "31/12/2025", "BHXH"],
        ["4", "", nameless, "", "", "", "", "", "-4", "31/02/2025", ""],
        ["5", "Công ty Sai Mã", "0300588560", "", "", "", "", "", "12", "", ""],
    ], delimiter=";", bom=True))

    sign_in(page, "supervisor")
    page.goto("/enterprises/")
    page.locator("a[href='/enterprises/import/']").click()
    page.set_input_files("input[name=file]", str(path))
    page.select_option("select[name=unit]", str(world.district.pk))
    screenshot(page, "import-upload")
    page.locator("form[enctype] button[type=submit]").click()
    page.wait_for_url(re.compile(r"/enterprises/import/\d+/$"))

    batch = ImportBatch.objects.get()
    assert batch.header_row == 2
    counts = page.locator(".import-counts article")
    assert [c.inner_text().split("\n")[0] for c in counts.all()] == ["2", "1", "0", "0", "2"]
    reasons = page.locator("#import-rows").inner_text()
    assert "The enterprise name is missing." in reasons
    assert "“0300588560” is not a valid tax code: its check digit is wrong." in reasons
    screenshot(page, "import-preview")
    page.locator(".import-counts article.import-update a").click()
    expect(page.locator("#import-rows")).to_contain_text("10 → 120")

    with page.expect_download() as download:
        page.locator("a[href$='rejected.xlsx']").click()
    rejected = xlsx_rows(download.value.path().read_bytes())
    assert [row[2] for row in rejected[1:]] == [nameless, "0300588560"]

    page.once("dialog", lambda dialog: dialog.accept())
    page.locator("form[action$='/commit/'] button").click()
    page.wait_for_url(re.compile(r"/enterprises/import/\d+/$"))
    expect(page.locator(".messages")).to_contain_text("Import committed: 2 enterprises added, 1 updated.")
    screenshot(page, "import-committed")
    assert ImportBatch.objects.get().status == ImportStatus.COMMITTED
    assert Enterprise.objects.filter(tax_code__in=new).count() == 2
    known.refresh_from_db()
    assert known.workforce == 120

    page.goto("/enterprises/?sector=fdi")
    page.locator("#export-xlsx").click()  # the file is prepared by a job (run at once in the tests)
    with page.expect_download() as download:
        page.locator("#export-download").click()
    exported = xlsx_rows(download.value.path().read_bytes())
    assert [row[1] for row in exported[1:]] == ["Công ty TNHH Điện tử Ánh Dương"]


def test_unrecognised_columns_are_chosen_by_hand(english_page, reference_data, tmp_path):
    page = english_page
    world = build_world()
    path = tmp_path / "khao-sat.csv"
    path.write_bytes(csv_bytes([["Tên DN", "MST", "Số LĐ cuối kỳ", "Người liên hệ"],
                                ["Công ty Bình Minh", next_tax_code(), "88", "chị Hoa"]]))

    sign_in(page, "supervisor")
    page.goto("/enterprises/import/")
    page.set_input_files("input[name=file]", str(path))
    page.select_option("select[name=unit]", str(world.district.pk))
    page.locator("form[enctype] button[type=submit]").click()
    page.wait_for_url(re.compile(r"/enterprises/import/\d+/columns/$"))
    assert "Say what these columns hold, or leave them out: “Số LĐ cuối kỳ”, “Người liên hệ”." in (
        page.locator(".errorlist").inner_text())
    page.select_option("select[name=col_2]", "workforce")
    screenshot(page, "import-columns")
    page.locator("form.import-mapping button[type=submit]").click()
    page.wait_for_url(re.compile(r"/enterprises/import/\d+/$"))

    assert [c.inner_text().split("\n")[0] for c in page.locator(".import-counts article").all()] == [
        "1", "0", "0", "0", "0"]
    assert ImportBatch.objects.get().mapping == {"0": "name", "1": "tax_code", "2": "workforce", "3": ""}
