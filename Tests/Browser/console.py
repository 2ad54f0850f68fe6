"""Seed 000's release workflow in the console, in a real Chromium driven by selenium.

Run by Tests/Browser/run, which starts two Herald instances on one PostgreSQL and passes:
  HERALD, HERALD_DATABASE  the binary and the database URL (for `herald license create`);
  BASE_A, BASE_B           the two instances' URLs;
  EMAIL, PASSWORD          a console account made with `herald admin create`;
  SCREENSHOTS              where the main pages' screenshots go.
Prints "ok: ..." or "FAILED: ..." per check and "N passed, M failed" last.
"""

import json
import os
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
import zipfile

from selenium import webdriver
from selenium.common.exceptions import StaleElementReferenceException, WebDriverException
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as EC
from selenium.webdriver.support.ui import Select, WebDriverWait

BASE_A, BASE_B = os.environ["BASE_A"], os.environ["BASE_B"]
EMAIL, PASSWORD = os.environ["EMAIL"], os.environ["PASSWORD"]
SCREENSHOTS = os.environ["SCREENSHOTS"]
PRODUCT = "demo_plugin"
passed = failed = 0


def check(description, holds):
    global passed, failed
    if holds:
        passed += 1
        print("ok: " + description, flush=True)
    else:
        failed += 1
        print("FAILED: " + description, flush=True)


def plugin_zip(version):
    """A WordPress plugin zip of PRODUCT at `version`, padded so the upload takes a few progress events."""
    path = os.path.join(tempfile.mkdtemp(), f"{PRODUCT}-{version}.zip")
    with zipfile.ZipFile(path, "w", zipfile.ZIP_STORED) as archive:
        archive.writestr(f"{PRODUCT}/{PRODUCT}.php", f"<?php\n/**\n * Plugin Name: Demo Plugin\n * Version: {version}\n */\n")
        archive.writestr(f"{PRODUCT}/assets/padding.bin", os.urandom(3 << 20))
    return path


def http(method, url, body=None, headers=None):
    request = urllib.request.Request(url, data=body, method=method, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=20) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


driver_options = webdriver.ChromeOptions()
for argument in ["--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--window-size=1280,1000"]:
    driver_options.add_argument(argument)
driver_options.binary_location = "/usr/bin/chromium"
driver = webdriver.Chrome(service=webdriver.ChromeService(executable_path="/usr/bin/chromedriver"), options=driver_options)
# Pages reload after a change: an element found before the reload is stale, and found again.
# (Chromium may also say the node "does not belong to the document" while the page is replaced.)
wait = WebDriverWait(driver, 20, ignored_exceptions=[StaleElementReferenceException, WebDriverException])


def shot(name):
    driver.save_screenshot(os.path.join(SCREENSHOTS, name + ".png"))


def status_text():
    return driver.find_element(By.ID, "status").text


def wait_status(fragment):
    try:
        wait.until(lambda _: fragment in status_text())
        return True
    except Exception:
        return False


def reloading(action):
    """Runs `action`, which makes the page reload, and waits for the new page."""
    old = driver.find_element(By.TAG_NAME, "html")
    action()
    wait.until(EC.staleness_of(old))
    wait.until(lambda _: driver.execute_script("return document.readyState") == "complete")


def row_text(channel):
    return driver.find_element(By.CSS_SELECTOR, f'tr[data-channel="{channel}"]').text


try:
    # Sign in.
    driver.get(BASE_A + "/")
    wait.until(EC.presence_of_element_located((By.ID, "email")))
    shot("sign-in")
    driver.find_element(By.ID, "email").send_keys(EMAIL)
    driver.find_element(By.ID, "password").send_keys(PASSWORD)
    driver.find_element(By.CSS_SELECTOR, "form button[type=submit]").click()
    wait.until(EC.presence_of_element_located((By.ID, "new-id")))
    check("signing in opens the products page", "Products" in driver.title)

    # Create a product.
    driver.find_element(By.ID, "new-id").send_keys(PRODUCT)
    driver.find_element(By.ID, "new-name").send_keys("Demo Plugin")
    driver.find_element(By.CSS_SELECTOR, 'form[data-api] button[type=submit]').click()
    wait.until(EC.presence_of_element_located((By.ID, "upload-form")))
    check("creating a product opens its page", "Demo Plugin" in driver.find_element(By.TAG_NAME, "h1").text)

    # Upload a build and watch the progress bar reach 100%.
    def upload(version, channel):
        Select(driver.find_element(By.ID, "upload-channel")).select_by_value(channel)
        driver.find_element(By.ID, "upload-file").send_keys(plugin_zip(version))
        driver.find_element(By.CSS_SELECTOR, "#upload-form button[type=submit]").click()
        page = driver.find_element(By.TAG_NAME, "html")
        uploaded = wait_status("Uploaded " + version)
        complete = driver.find_element(By.ID, "upload-progress").get_attribute("value") == "100"
        percent = driver.find_element(By.ID, "upload-percent").text
        wait.until(EC.staleness_of(page))  # the page reloads after an upload
        wait.until(EC.presence_of_element_located((By.ID, "upload-form")))
        return uploaded, complete, percent

    uploaded, complete, percent = upload("1.0.0", "stable")
    check("an upload shows its progress bar at 100% and says it is uploaded", uploaded and complete and percent == "100%")
    check("the uploaded build is served by stable", "1.0.0" in row_text("stable"))
    shot("product")

    # A license to find by part of its customer's name.
    subprocess.run(
        [os.environ["HERALD"], "license", "create", "--customer", "David Miller", "--email", "david@example.com",
         "--product", PRODUCT, "--database", os.environ["HERALD_DATABASE"]], check=True, capture_output=True)

    # New channel, as seed 000 says: license search, build_following with its refresh button.
    driver.find_element(By.ID, "channel-id").send_keys("david")
    driver.find_element(By.ID, "channel-name").send_keys("David M")
    driver.find_element(By.ID, "license-search").send_keys("david m")
    wait.until(EC.presence_of_element_located((By.CSS_SELECTOR, '#license-results input[name="licenses"]')))
    found = driver.find_element(By.ID, "license-results").text
    check("typing part of the customer's name lists the license", "David Miller" in found)
    driver.find_element(By.CSS_SELECTOR, '#license-results input[name="licenses"]').click()
    builds = Select(driver.find_element(By.ID, "build-following"))
    driver.execute_script("document.querySelectorAll('#build-following option:not([value=\"\"])').forEach(o => o.remove())")
    driver.find_element(By.ID, "refresh-builds").click()
    wait.until(lambda _: len(builds.options) > 1)
    check("the refresh button reloads the build list without leaving the page", "1.0.0" in builds.options[1].text and wait_status("refreshed"))
    builds.select_by_index(1)
    driver.find_element(By.CSS_SELECTOR, '#new-channel + form button[type=submit]').click()
    wait.until(lambda _: "/channels/david" in driver.current_url)
    page = driver.find_element(By.TAG_NAME, "main").text
    check("the customer channel follows the chosen build and is bound to the license", "1.0.0" in page and "1 license" in page)

    # A second channel under stable's rules, then a newer build: Build all proposes both.
    driver.get(BASE_A + f"/admin/products/{PRODUCT}")
    driver.find_element(By.ID, "channel-id").send_keys("lts")
    driver.find_element(By.ID, "channel-name").send_keys("Long-term")
    Select(driver.find_element(By.ID, "extends")).select_by_value("stable")
    driver.find_element(By.CSS_SELECTOR, '#new-channel + form button[type=submit]').click()
    wait.until(lambda _: "/channels/lts" in driver.current_url)
    driver.get(BASE_A + f"/admin/products/{PRODUCT}")
    upload("1.1.0", "development")

    driver.get(BASE_A + f"/admin/products/{PRODUCT}/plan")
    boxes = {box.get_attribute("value"): box for box in driver.find_elements(By.CSS_SELECTOR, 'input[name="channel"]')}
    check("Build all proposes stable and lts, not the pinned customer channel", {"stable", "lts"} <= set(boxes) and "david" not in boxes)
    shot("build-all")
    boxes["lts"].click()
    driver.find_element(By.CSS_SELECTOR, "#plan-form button[type=submit]").click()
    state = ""
    try:
        wait.until(lambda _: "Published" in driver.find_element(By.ID, "plan-state").text)
        state = driver.find_element(By.ID, "plan-state").text
    except Exception:
        pass
    check("publish all says how many channels it published", "Published" in state)
    driver.get(BASE_A + f"/admin/products/{PRODUCT}")
    check("exactly the ticked channel moved: stable to 1.1.0, lts not",
          "1.1.0" in row_text("stable") and "1.1.0" not in row_text("lts"))

    # Roll stable back from its history.
    driver.get(BASE_A + f"/admin/products/{PRODUCT}/channels/stable")
    shot("channel")
    driver.execute_script("window.confirm = () => true")
    reloading(lambda: driver.find_element(By.XPATH, "//td/button[text()='Roll back']").click())
    wait.until(lambda _: "1.0.0" in driver.find_element(By.CSS_SELECTOR, ".serves").text)
    check("rolling back from the history returns stable to 1.0.0", "1.0.0" in driver.find_element(By.CSS_SELECTOR, ".serves").text)

    # Staged rollout: start at 10%, raise to 50%.
    def rollout(percent):
        # The build is chosen when a rollout starts; raising it sends only the share.
        for chooser in driver.find_elements(By.ID, "rollout-build"):
            Select(chooser).select_by_visible_text(next(o.text for o in Select(chooser).options if o.text.startswith("1.1.0")))
        field = driver.find_element(By.ID, "rollout-percent")
        field.clear()
        field.send_keys(percent)
        reloading(lambda: driver.find_element(By.XPATH, "//form[@data-url][.//input[@id='rollout-percent']]//button").click())
        wait.until(lambda _: f"{percent}%" in driver.find_element(By.ID, "rollout-state").text)
        return driver.find_element(By.ID, "rollout-state").text

    check("a rollout starts at 10%", "10%" in rollout("10"))
    check("the rollout is raised to 50%", "50%" in rollout("50"))

    # What a site gets, and why: the answer path's own decision.
    driver.find_element(By.ID, "decide-site").send_keys("https://shop.example.com")
    driver.find_element(By.CSS_SELECTOR, "form[data-decide] button[type=submit]").click()
    wait.until(lambda _: driver.find_element(By.ID, "decision").text != "")
    decision = driver.find_element(By.ID, "decision").text
    check("the site tester says which build a site gets", decision.startswith("Gets 1.") and "stable" in decision)

    # A display message, and a site tested against it.
    driver.get(BASE_A + f"/admin/products/{PRODUCT}/messages")
    driver.find_element(By.ID, "message-text").send_keys("Shops: please renew before 2027.")
    driver.find_element(By.ID, "message-pattern").send_keys("*.example.com")
    reloading(lambda: driver.find_element(By.CSS_SELECTOR, 'form[data-api] button[type=submit]').click())
    wait.until(lambda _: "Shops: please renew" in driver.find_element(By.TAG_NAME, "table").text)
    driver.find_element(By.ID, "test-site").send_keys("https://shop.example.com")
    reloading(lambda: driver.find_element(By.CSS_SELECTOR, 'form[method="get"] button[type=submit]').click())
    shown = driver.find_element(By.CSS_SELECTOR, "td.verdict").text
    shot("messages")
    driver.get(BASE_A + f"/admin/products/{PRODUCT}/messages?test_site=https://other.org")
    hidden = driver.find_element(By.CSS_SELECTOR, "td.verdict").text
    check("the tester says a matching site sees the message and another does not", shown == "shown" and hidden == "not shown")
    driver.find_element(By.CSS_SELECTOR, "td details summary").click()
    edit = driver.find_element(By.CSS_SELECTOR, 'td details textarea[name="text"]')
    edit.clear()
    edit.send_keys("Shops: renew by March.")
    reloading(lambda: driver.find_element(By.CSS_SELECTOR, "td details button[type=submit]").click())
    check("a display message is edited in place", "renew by March" in driver.find_element(By.TAG_NAME, "table").text)

    # Statistics: a few sites check, then the charts show them.
    for site in range(12):
        http("GET", BASE_A + f"/api/check_for_update?product_name={PRODUCT}&release_channel=stable"
             f"&current_product_version=1.0.0&site_url=https://site{site}.example.com")
    time.sleep(2.5)
    driver.get(BASE_A + f"/admin/products/{PRODUCT}/stats")
    charts = driver.find_elements(By.CSS_SELECTOR, "figure.chart svg")
    check("the statistics page draws its charts as SVG, with the sites that checked",
          len(charts) >= 2 and "12" in driver.find_element(By.TAG_NAME, "main").text)
    shot("statistics")

    # A forged POST: the session cookie without the CSRF token, or from another origin.
    cookie = "herald_session=" + driver.get_cookie("herald_session")["value"]
    forged, _ = http("PUT", BASE_A + "/api/v1/forged_product", json.dumps({"name": "Forged"}).encode(),
                     {"Cookie": cookie, "Content-Type": "application/json"})
    token = driver.find_element(By.CSS_SELECTOR, 'meta[name="csrf-token"]').get_attribute("content")
    cross, _ = http("PUT", BASE_A + "/api/v1/forged_product", json.dumps({"name": "Forged"}).encode(),
                    {"Cookie": cookie, "Content-Type": "application/json", "X-CSRF-Token": token, "Origin": "https://evil.example"})
    exists, _ = http("GET", BASE_A + "/api/v1/forged_product")
    check("a forged POST without the CSRF token, or from another origin, is refused with 403", forged == 403 and cross == 403 and exists == 404)

    # The session made on instance A works on instance B (same PostgreSQL).
    status, html = http("GET", BASE_B + "/admin/", headers={"Cookie": cookie})
    driver.get(BASE_B + f"/admin/products/{PRODUCT}")
    check("the session cookie from one instance works on a second instance on the same PostgreSQL",
          status == 200 and EMAIL in html and "Demo Plugin" in driver.find_element(By.TAG_NAME, "h1").text)

    # Customers: a license made here shows its key once, with a copy button; revoking it.
    driver.get(BASE_A + "/admin/customers")
    driver.find_element(By.ID, "license-customer").send_keys("Erin Shop")
    driver.find_element(By.ID, "license-email").send_keys("erin@example.com")
    driver.find_element(By.CSS_SELECTOR, f'input[name="products"][value="{PRODUCT}"]').click()
    driver.find_element(By.CSS_SELECTOR, 'form[data-api] button[type=submit]').click()
    wait.until(EC.presence_of_element_located((By.ID, "new-secret")))
    key = driver.find_element(By.ID, "new-secret").text
    shot("customers")
    driver.get(BASE_A + "/admin/customers?q=erin")
    listed = driver.find_element(By.TAG_NAME, "table").text
    check("a new license's key is shown once, and the list shows only its last four characters",
          len(key) > 8 and key[-4:] in listed and key not in driver.page_source)
    driver.execute_script("window.confirm = () => true")
    reloading(lambda: driver.find_element(By.XPATH, "//button[text()='Revoke']").click())
    check("revoking the license shows it revoked", "revoked" in driver.find_element(By.TAG_NAME, "table").text)

    # API tokens: made with its secret shown once, which then works; revoked.
    driver.get(BASE_A + "/admin/tokens")
    driver.find_element(By.ID, "token-name").send_keys("CI of demo")
    driver.find_element(By.CSS_SELECTOR, f'input[name="products"][value="{PRODUCT}"]').click()
    driver.find_element(By.CSS_SELECTOR, 'form[data-api] button[type=submit]').click()
    wait.until(EC.presence_of_element_located((By.ID, "new-secret")))
    secret = driver.find_element(By.ID, "new-secret").text
    works, _ = http("GET", BASE_A + "/api/v1/tokens", headers={"Authorization": "Bearer " + secret})
    driver.get(BASE_A + "/admin/tokens")
    driver.execute_script("window.confirm = () => true")
    reloading(lambda: driver.find_element(By.XPATH, "//tr[td[text()='CI of demo']]//button").click())
    revoked, _ = http("GET", BASE_A + "/api/v1/tokens", headers={"Authorization": "Bearer " + secret})
    check("a token made in the console works until it is revoked there", works == 200 and revoked == 401)

    # Extensions: a stable tag the newest build lacks takes it out of Build all at once.
    driver.get(BASE_A + f"/admin/products/{PRODUCT}/extensions")
    driver.find_element(By.ID, "extension-id").send_keys("reports")
    driver.find_element(By.ID, "extension-stable").send_keys("1.0.0")
    reloading(lambda: driver.find_element(By.CSS_SELECTOR, 'form[data-api] button[type=submit]').click())
    wait.until(lambda _: "reports" in driver.find_element(By.TAG_NAME, "table").text)
    driver.get(BASE_A + f"/admin/products/{PRODUCT}/plan")
    check("an extension's tag shows in Build all at once", "reports" in driver.find_element(By.TAG_NAME, "table").text)

    # Editing the product.
    driver.get(BASE_A + f"/admin/products/{PRODUCT}")
    driver.find_element(By.TAG_NAME, "summary").click()
    homepage = driver.find_element(By.ID, "edit-homepage")
    homepage.send_keys("https://demo.example.com")
    reloading(lambda: driver.find_element(By.XPATH, "//form[@data-url='/api/v1/demo_plugin']//button").click())
    _, listing = http("GET", BASE_A + "/api/v1")
    saved = [p for p in json.loads(listing)["response"]["products"] if p["product_id"] == PRODUCT]
    check("editing the product saves its homepage", saved and saved[0].get("homepage") == "https://demo.example.com")

    # Yank 1.1.0 from its row: the reason is asked for, the row then says it was yanked.
    driver.get(BASE_A + f"/admin/products/{PRODUCT}#builds")
    driver.execute_script("window.prompt = () => 'Breaks the demo page'")
    reloading(lambda: driver.find_elements(By.XPATH, "//tr[td[1][text()='1.1.0']]//button[text()='Yank']")[0].click())
    _, answer = http("GET", BASE_A + f"/api/check_for_update/?product_name={PRODUCT}&release_channel=stable&current_product_version=1.1.0")
    check("the Yank button takes 1.1.0 back with the reason given; its row says so; a site on it is offered a downgrade",
          "Yanked" in driver.find_element(By.XPATH, "//tr[td[1][text()='1.1.0']]").text
          and "Breaks the demo page" in driver.page_source and json.loads(answer)["response"].get("downgrade") is True)

    driver.get(BASE_A + "/admin/")
    shot("products")
    driver.get(BASE_A + "/admin/audit")
    check("the audit log records who published", "POST /api/v1/demo_plugin/publish → 200" in driver.find_element(By.TAG_NAME, "table").text)
except Exception as error:  # a step that could not run is a failure, with what the page showed
    check(f"the workflow ran to its end ({type(error).__name__}: {str(error).splitlines()[0] if str(error) else ''}; at {driver.current_url})", False)
finally:
    driver.quit()
print(f"{passed} passed, {failed} failed")
sys.exit(1 if failed else 0)
