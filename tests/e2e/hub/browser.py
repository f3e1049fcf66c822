"""Headless Debian Chromium driven by Selenium (chromium, chromium-driver, python3-selenium,
installed by scripts/deps.sh), for the console's page tests: a fresh profile per browser,
no background traffic of Chromium's own, the hub's self-signed certificate accepted, a
1366x768 window (the office laptop the console is made for), and every request the pages
make recorded (performance log) so a test can prove none left for another host."""
import json
import urllib.parse

from selenium import webdriver
from selenium.common.exceptions import (NoAlertPresentException,
                                        StaleElementReferenceException, TimeoutException,
                                        WebDriverException)
from selenium.webdriver.chrome.options import Options
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

CHROMIUM = "/usr/bin/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"
FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--no-first-run",
         "--disable-dev-shm-usage", "--window-size=1366,768")


class Browser:
    def __init__(self, profile_dir, base_url):
        options = Options()
        options.binary_location = CHROMIUM
        for flag in FLAGS:
            options.add_argument(flag)
        options.add_argument("--user-data-dir=%s" % profile_dir)
        options.accept_insecure_certs = True  # the hub's self-signed certificate
        options.set_capability("goog:loggingPrefs", {"browser": "ALL", "performance": "ALL"})
        self.driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
        self.driver.set_page_load_timeout(60)
        self.base = base_url
        self.requested = []  # every URL the browser asked for, in order

    def quit(self):
        self.driver.quit()

    def open(self, path):
        """Loads path and waits for the page it leads to (_replaced): Chromium 150's driver
        can answer a load of the URL already shown before the new document replaces the
        old one, so a page read next would be the old one."""
        page = self.find("html")
        self.driver.get(self.base + path)
        self._replaced(page)
        return self

    def find(self, css):
        return self.driver.find_element(By.CSS_SELECTOR, css)

    def finds(self, css):
        return self.driver.find_elements(By.CSS_SELECTOR, css)

    def text(self, css):
        return self.find(css).text

    def fill(self, fields):
        """Types into inputs by id, in order."""
        for name, value in fields.items():
            box = self.find("#" + name)
            box.clear()
            box.send_keys(value)

    def submit(self, css="button[type=submit].primary"):
        self.click(css)

    def click(self, css):
        """Clicks and waits for the page the click leads to (forms and links here always
        load a new page)."""
        self.click_element(self.find(css))

    def click_element(self, element):
        """Clicks an element found some other way (a button in a table's row) and waits for
        the page it leads to: WebDriver's click returns once the form is sent, and under
        load the answer (an account reset hashes a password first) can come after the next
        read of the page."""
        page = self.find("html")
        element.click()
        self._replaced(page)

    def _replaced(self, page):
        """Waits until page (the root of the document shown before) is gone and the
        document after it is whole. Chromium 150's driver is not to be trusted to wait for
        a navigation, so neither is the moment the old document goes: the new one may
        still be arriving, and a read then would miss what its end holds."""
        WebDriverWait(self.driver, 30).until(lambda _: self._gone(page) and self._loaded())

    def _loaded(self):
        try:
            return self.driver.execute_script("return document.readyState") == "complete"
        except WebDriverException:  # the document went while asked: the next try tells
            return False

    @staticmethod
    def _gone(element):
        """Whether element left the document: stale, or (while the next page replaces it)
        no longer known to Chromium's inspector. A renderer too busy to answer in time
        (TimeoutException) says nothing of it."""
        try:
            element.is_enabled()
            return False
        except TimeoutException:
            return False
        except (StaleElementReferenceException, WebDriverException):
            return True

    @property
    def path(self):
        return urllib.parse.urlsplit(self.driver.current_url).path

    def sign_in(self, name, password):
        self.open("/console/sign-in")
        self.fill({"name": name, "password": password})
        self.submit()

    def alert_open(self):
        try:
            self.driver.switch_to.alert
            return True
        except NoAlertPresentException:
            return False

    def console_messages(self):
        return [entry["message"] for entry in self.driver.get_log("browser")]

    def collect_requests(self):
        """Adds the URLs of the requests made since the last call to self.requested."""
        for entry in self.driver.get_log("performance"):
            message = json.loads(entry["message"])["message"]
            if message.get("method") == "Network.requestWillBeSent":
                self.requested.append(message["params"]["request"]["url"])
        return self.requested

    def save_downloads_to(self, directory):
        """Files the pages offer for download are saved in directory (headless Chromium
        saves none unless told)."""
        self.driver.execute_cdp_cmd("Page.setDownloadBehavior",
                                    {"behavior": "allow", "downloadPath": str(directory)})

    def screenshot(self, path):
        self.driver.save_screenshot(str(path))
