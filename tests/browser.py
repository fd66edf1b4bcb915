"""Staff pages seen in Chromium (Playwright): signing in as a person does."""


def log_in(page, base, user="anna", password="kode-1234-lang"):
    page.goto(base.replace("127.0.0.1", "localhost") + "/agent/login")
    page.fill("input[name=username]", user)
    page.fill("input[name=password]", password)
    page.click("button[type=submit]")
