"""The load scenario that tests/load/run.py drives: students register and edit their profiles
across the sections while coordinators browse their lists and start one match run each.

No Django here (locust runs under gevent): run.py writes what the scenario needs to the JSON
file named by LOAD_CONFIG (sections, coordinators' passwords, places of study and hobbies) and
reads back the registrations this scenario made from LOAD_REGISTERED once locust has quit.
Every request goes to the gunicorn on 127.0.0.1 with the section's Host header; each student
comes from an address of their own (X-Forwarded-For, gunicorn runs with TRUSTED_PROXIES=1), as
they would behind the ingress, so the registration throttle counts each of them apart.
"""

import itertools
import json
import os
import re
from datetime import date, timedelta

import gevent
from locust import HttpUser, between, events, task
from locust.exception import StopUser

with open(os.environ["LOAD_CONFIG"], encoding="utf-8") as config:
    CONFIG = json.load(config)
SECTIONS = CONFIG["sections"]  # [{slug, host, coordinator_email, coordinator_password, ...}]
STUDENTS = CONFIG["students"]  # how many students register in all
EDITS = CONFIG.get("edits_per_student", 2)
CSRF_FIELD = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
FORM_ERRORS = re.compile(r'<ul class="errorlist[^>]*>(.*?)</ul>', re.S)

taken = 0  # student numbers handed out so far
registered: list[dict] = []  # written to LOAD_REGISTERED when locust quits
timings: list[tuple[str, float, bool]] = []  # (request, ms, failed), written there too
active_students = 0  # student users that have not stopped yet


def csrf_token(response) -> str:
    found = CSRF_FIELD.search(response.text)
    return found.group(1) if found else response.cookies.get("csrftoken", "")


def pick(choices: list, number: int, edit: int = 0):
    """A varied but reproducible choice for this student (and edit)."""
    return choices[(number * 7 + edit * 3) % len(choices)]


def profile_data(number: int, role: str, section: dict, *, edit: int = 0) -> dict:
    today = date.today()
    hobbies = section["hobbies"]
    first_hobby = (number + edit) % len(hobbies)
    data = {
        "first_name": f"Student{number}",
        "last_name": "Load",
        "birth_date": str(date(2000 + number % 6, 1 + number % 12, 1 + number % 28)),
        "gender": pick(["woman", "man"], number),
        "nationality": pick(["ES", "DE", "IT", "FR", "PL", "BR"], number),
        "language": "en",
        "place_of_study": str(pick(section["places"], number, edit)),
        "faculty": f"Faculty {edit}",
        "study_level": "master",
        "hobbies": [str(hobbies[first_hobby]), str(hobbies[first_hobby - 1])],
        "preferred_buddy_gender": "any",
        "about": f"Edit {edit} of student {number}.",
        "phone": "+33 600 000 000",
        "instagram": f"@student{number}",
        "languages-TOTAL_FORMS": "2",
        "languages-INITIAL_FORMS": "0" if edit == 0 else "2",
        "languages-MIN_NUM_FORMS": "0",
        "languages-MAX_NUM_FORMS": "8",
        "languages-0-language": "en",
        "languages-0-level": "fluent",
        "languages-1-language": pick(["es", "de", "it", "fr"], number, edit),
        "languages-1-level": "native",
    }
    if role == "incoming":
        data |= {
            "home_university": "Universidad de Granada",
            "arrival_date": str(today + timedelta(days=20 + number % 20)),
            "departure_date": str(today + timedelta(days=150)),
        }
    else:
        data |= {
            "available_from": str(today),
            "available_until": str(today + timedelta(days=200)),
            "capacity": str(1 + number % 2),
        }
    return data


class SectionUser(HttpUser):
    abstract = True
    host = "http://127.0.0.1:8099"

    def use_section(self, section: dict, address: str) -> None:
        self.section = section
        self.client.cookies.clear()
        self.client.headers.update(
            {
                "Host": section["host"],
                "Origin": f"http://{section['host']}",
                "X-Forwarded-For": address,
            }
        )

    def log_in(self, email: str, password: str, name: str):
        """The login form, as a student after registering or a coordinator (right passwords)."""
        form = self.get("/accounts/login/", name=f"{name} login (form)")
        data = {"username": email, "password": password, "csrfmiddlewaretoken": csrf_token(form)}
        return self.post("/accounts/login/", f"{name} login (POST)", data, expect="/")

    def get(self, path: str, name: str, **kwargs):
        with self.client.get(path, name=name, catch_response=True, **kwargs) as response:
            if response.status_code != 200:
                response.failure(f"{response.status_code} for GET {path}")
            return response

    def post(self, path: str, name: str, data: dict, expect: str):
        """A form POST that must redirect to `expect` (a re-rendered form is a failure)."""
        headers = {"Referer": f"http://{self.section['host']}{path}"}
        with self.client.post(
            path, data=data, name=name, headers=headers, allow_redirects=False, catch_response=True
        ) as response:
            location = response.headers.get("Location", "")
            if response.status_code != 302 or not location.endswith(expect):
                errors = re.sub(r"<[^>]+>", " ", " ".join(FORM_ERRORS.findall(response.text)))
                response.failure(
                    f"{response.status_code} for POST {path} (to {location!r}) {errors[:200]}"
                )
                return None
            return response


class Student(SectionUser):
    """Takes the next student number, registers, logs in, edits the profile twice."""

    wait_time = between(0.5, 1.5)  # between pages; then the next student takes over

    def on_start(self) -> None:
        global active_students
        active_students += 1
        self.next_student()

    def next_student(self) -> None:
        global active_students, taken
        self.number, taken = taken, taken + 1
        if self.number >= STUDENTS:
            active_students -= 1
            raise StopUser()
        section = SECTIONS[self.number % len(SECTIONS)]
        self.role = "incoming" if self.number % 2 == 0 else "buddy"
        self.email = f"student{self.number}@load.example.org"
        self.password = f"harbour-violet-{self.number}-ember"  # unlike the address
        self.use_section(section, f"10.1.{self.number // 250}.{1 + self.number % 250}")
        self.edits = 0
        self.registered = False

    @task
    def step(self) -> None:
        if not self.registered:
            self.register()
        elif self.edits < EDITS:
            self.edit_profile()
        else:
            self.next_student()

    def register(self) -> None:
        path = f"/register/{self.role}/"
        form = self.get(path, name=f"register {self.role} (form)")
        data = profile_data(self.number, self.role, self.section)
        data |= {
            "email": self.email,
            "password": self.password,
            "consent": "on",
            "csrfmiddlewaretoken": csrf_token(form),
        }
        if self.post(path, f"register {self.role} (POST)", data, expect="/register/done/"):
            self.registered = True
            registered.append(
                {"section": self.section["slug"], "email": self.email, "role": self.role}
            )
            self.get("/register/done/", name="register done")
            self.log_in(self.email, self.password, name="student")
        else:
            self.next_student()  # counted as a failure; the next student goes on

    def edit_profile(self) -> None:
        self.edits += 1
        self.get("/account/", name="account")
        form = self.get("/account/edit/", name="edit profile (form)")
        data = profile_data(self.number, self.role, self.section, edit=self.edits)
        data["csrfmiddlewaretoken"] = csrf_token(form)
        self.post("/account/edit/", "edit profile (POST)", data, expect="/account/")


coordinator_numbers = itertools.count()


class Coordinator(SectionUser):
    """One per section: logs in, browses the lists, starts one match run once students wait."""

    fixed_count = len(SECTIONS)
    wait_time = between(2, 5)

    def on_start(self) -> None:
        number = next(coordinator_numbers)
        section = SECTIONS[number % len(SECTIONS)]
        self.use_section(section, f"10.2.0.{1 + number}")
        self.visits = 0
        self.ran = False
        if not self.log_in(
            section["coordinator_email"], section["coordinator_password"], name="coordinator"
        ):
            raise StopUser()

    @task(3)
    def dashboard(self) -> None:
        self.get("/coordinator/", name="coordinator dashboard")

    @task(3)
    def students(self) -> None:
        self.get("/coordinator/students/", name="coordinator students")
        self.visits += 1
        if not self.ran and self.visits >= 4:
            self.start_run()

    @task(2)
    def waiting(self) -> None:
        self.get("/coordinator/matching/waiting/", name="matching waiting")

    @task(2)
    def matching(self) -> None:
        self.get("/coordinator/matching/", name="matching overview")

    @task(1)
    def pairs(self) -> None:
        self.get("/coordinator/matching/pairs/", name="matching pairs")

    def start_run(self) -> None:
        """One small run per coordinator (Celery is eager: the run happens in the request)."""
        self.ran = True
        overview = self.get("/coordinator/matching/", name="matching overview")
        data = {"csrfmiddlewaretoken": csrf_token(overview)}
        self.post("/coordinator/matching/runs/", "start match run (POST)", data, expect="/")


def stop_when_students_are_done(environment) -> None:
    """Quit once every student registered and edited (run-time stays as the outer bound)."""
    while not (taken >= STUDENTS and active_students == 0):
        gevent.sleep(0.5)
    gevent.sleep(2)  # the coordinators' last looks
    environment.runner.quit()


@events.test_start.add_listener
def on_test_start(environment, **_kwargs) -> None:
    gevent.spawn(stop_when_students_are_done, environment)


@events.request.add_listener
def on_request(request_type, name, response_time, exception, **_kwargs) -> None:
    timings.append((f"{request_type} {name}", response_time, exception is not None))


@events.quitting.add_listener
def on_quitting(environment, **_kwargs) -> None:
    with open(os.environ["LOAD_REGISTERED"], "w", encoding="utf-8") as out:
        json.dump({"registered": registered, "timings": timings}, out)
