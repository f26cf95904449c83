"""Steps the browser tests share."""


def sign_in(page, username: str, password: str = "pw") -> None:  # noqa: S107 - the fixtures'
    """Signs in through the form, as a person would, and waits until the page signed in to has
    loaded (its scripts bound: shortcuts pressed before would be lost)."""
    page.goto("/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.click(".login-card button[type=submit]")
    page.wait_for_url(lambda url: "/accounts/login/" not in url)
