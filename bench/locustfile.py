"""The members of the load benchmark, for locust (``bench/load.py`` starts it).

Each simulated member is one of the members ``bench.load`` signed in beforehand (a
session made up front; the plan is the JSON file named by ``PLEDGE_LOAD_PLAN``). Between
two requests a member pauses 0.5 to 1.5 s; the mix is the issue's (home 25%, browse 30%,
a profile 25%, interest 10%, a message 10%) plus a vouch and accepting a vouch (1% each:
members vouch seldom, five a week at most). Requests go over plain HTTP on loopback with
``X-Forwarded-Proto: https``, as from the TLS proxy the production settings assume;
POSTs carry a CSRF token of the member's own. Redirects are not followed: a POST is one
request, as a browser's is before it loads the next page.
"""

from __future__ import annotations

import itertools
import json
import os
import random
import secrets

from locust import HttpUser, between, task

PLAN = json.loads(open(os.environ["PLEDGE_LOAD_PLAN"]).read())  # noqa: SIM115
STATEMENT = "A load-test vouch: I have known this person for years and trust them fully."
_numbers = itertools.count()


class Member(HttpUser):
    wait_time = between(0.5, 1.5)
    host = PLAN["hosts"][0]

    def on_start(self):
        number = next(_numbers)
        self.me = dict(PLAN["users"][number % len(PLAN["users"])])
        host = PLAN["hosts"][number % len(PLAN["hosts"])]
        self.client.base_url = host
        self.rng = random.Random(number)
        token = secrets.token_hex(16)  # 32 characters: an unmasked CSRF secret
        self.headers = {
            "Cookie": f"{PLAN['session_cookie']}={self.me['session']}; csrftoken={token}",
            "X-Forwarded-Proto": "https",
            "X-CSRFToken": token,
            "Origin": "https://" + host.split("://", 1)[1],
        }
        self.interest_in = list(self.me["profiles"])
        self.rng.shuffle(self.interest_in)

    def _get(self, url: str, name: str) -> None:
        with self.client.get(
            url, headers=self.headers, name=name, allow_redirects=False, catch_response=True
        ) as response:
            if response.status_code != 200:
                response.failure(f"status {response.status_code}")

    def _post(self, url: str, name: str, data: dict) -> None:
        with self.client.post(
            url,
            data=data,
            headers=self.headers,
            name=name,
            allow_redirects=False,
            catch_response=True,
        ) as response:
            if response.status_code not in (200, 302):
                response.failure(f"status {response.status_code}")

    @task(25)
    def home(self):
        self._get("/", "home")

    @task(30)
    def browse(self):
        self._get("/browse/", "browse")

    @task(25)
    def profile(self):
        if self.me["profiles"]:
            self._get(f"/people/{self.rng.choice(self.me['profiles'])}/", "profile")

    @task(10)
    def interest(self):
        if self.interest_in:
            self._post(f"/people/{self.interest_in.pop()}/interest/", "interest", {})

    @task(10)
    def message(self):
        number = self.rng.randrange(10**6)
        self._post(f"/matches/{self.me['match']}/", "message", {"body": f"Hello #{number}"})

    @task(1)
    def vouch(self):
        if self.me["vouch_for"]:
            data = {
                "relationship": "friend",
                "known_for": "1to3",
                "strength": "2",
                "statement": STATEMENT,
            }
            self._post(f"/members/{self.me['vouch_for'].pop()}/vouch/", "vouch", data)

    @task(1)
    def accept(self):
        if self.me["to_accept"]:
            self._post(f"/vouches/{self.me['to_accept'].pop()}/accept/", "accept", {})
