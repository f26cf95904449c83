"""An administrator reaches data protection from the admin: export a requester's data and erase
them after a confirmation page; a stale link shows the help desk's own "page not found"."""

import io
import zipfile

import pytest

from escala.people.models import Requester
from escala.privacy.models import PrivacyRecord
from tests.tickets.factories import open_ticket

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def sign_in(page, username: str, next_url: str) -> None:
    page.goto(f"/accounts/login/?next={next_url}")
    page.fill("#id_username", username)
    page.fill("#id_password", "pw")
    page.click(".login-card button[type=submit]")
    page.wait_for_url(f"**{next_url}")


def test_admin_exports_then_erases_a_requester(new_page, shoot, admin_user, employee, categories):
    open_ticket(employee, subject="Marta Gómez no puede entrar", category=categories["password"])
    page = new_page()
    sign_in(page, admin_user.username, "/admin/people/requester/")
    page.check(f"input[name=_selected_action][value='{employee.pk}']")
    page.select_option("select[name=action]", "export_personal_data")
    with page.expect_download() as download:
        page.click("button[name=index]")
    archive = zipfile.ZipFile(io.BytesIO(open(download.value.path(), "rb").read()))  # noqa: SIM115
    assert "requester.json" in archive.namelist()

    page.goto("/admin/people/requester/")
    page.check(f"input[name=_selected_action][value='{employee.pk}']")
    page.select_option("select[name=action]", "erase_personal_data")
    page.click("button[name=index]")
    page.wait_for_selector("#erase-reason")
    shoot(page, "privacy-erase-confirmation")
    assert "Marta Gómez" in page.content()
    page.fill("#erase-reason", "Solicitud de supresión SUP-12")
    page.click("input[type=submit]")
    page.wait_for_selector(".messagelist .success")
    shoot(page, "privacy-erased")
    assert Requester.objects.get(pk=employee.pk).name == f"erased-{employee.pk}"
    assert PrivacyRecord.objects.filter(reason="Solicitud de supresión SUP-12").exists()
    page.goto("/admin/privacy/privacyrecord/")
    assert "SUP-12" in page.content()


def test_a_stale_link_shows_the_branded_not_found_page(new_page, shoot, employee):
    page = new_page()
    response = page.goto("/peticiones/antigua-direccion/")
    assert response.status == 404
    shoot(page, "not-found")
    assert page.locator("h1").inner_text() in ("Página no encontrada", "Page not found")
    page.click(".error-actions a.btn")
    page.wait_for_url(lambda url: "antigua" not in url)
