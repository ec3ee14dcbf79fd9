#!/usr/bin/python3
"""drfapp: an independent Django REST Framework deployment of the connection-requests API.

A single-file Django 3.2 + DRF 3.14 application (Debian's python3-django and
python3-djangorestframework) that serves what openapi.yaml describes, built without any of
connreq's code, so that connreq's contract runner, recorder and replay can be tried against a
real DRF server (.ci/drf-e2e). Nothing here reads connreq's fixtures: the data, the pagination,
the serializers, the authentication and the error bodies are DRF's own.

    GET /api/v2/user/<id>/connection/requests/     the user's received connection requests
    GET /api/v2/user/<id>/connection_requests/     the same view (the seed document's alias)
    GET /api/v2/user/connection/requests/          the caller's own list
    GET /api/v2/dynamic_preference/                the community preferences (no auth needed)

How it behaves, as production's stack does:

- Pagination: rest_framework.pagination.LimitOffsetPagination, PAGE_SIZE 20, max_limit 100
  (openapi.yaml's limit parameter: default 20, maximum 100), over a plain Python list (DRF
  paginates any sequence: len() for the count, slicing for the page).
- Items: newest first, created descending then id descending; to_user is the list's owner.
  The data are plain Python objects built deterministically from --seed (random.Random
  seeded with a string: the same across runs and machines); realistic personal data (names
  in several scripts, usernames, bios, cities with "lat,lng", avatar and cover URLs, birth
  dates), often empty or null where real users leave them so.
- Date-times: DRF's DateTimeField in the server's time zone (--tz, default Europe/Rome as
  production: +01:00 / +02:00 offsets, microseconds when non-zero).
- Authentication: a DRF authentication class that does what rest_framework_simplejwt's
  JWTAuthentication does (same header parsing, messages and error bodies, HS256 JWT with
  token_type/exp/iat/jti/user_id claims, WWW-Authenticate: Bearer realm="api"), verified with
  --secret; it is written here with the standard library so that the app needs only the two
  packages .ci/run installs. No header or another scheme: 401 "Authentication credentials
  were not provided."; "Bearer" with not exactly one token: 401 "Authorization header must
  contain two space-delimited values"; a bad, forged or expired token: 401 "Given token not
  valid for any token type" (with simplejwt's "code" and "messages" keys).
- Permissions: friendship mode (configurations.follow_enabled false,
  connection_enabled true) or 403; the user is looked up first (unknown or non-integer id:
  Http404, which DRF answers 404 {"detail": "Not found."}), then the object permission: the
  caller must be that user or staff, else 403 "You do not have permission to perform this
  action.".
- --change USER_ID: "a changed version of itself": the bio of the from_user of the third
  newest request in USER_ID's list (JSON path $.results[2].from_user.bio of its first page)
  is different; nothing else is.
- --defect NAME: a broken copy, with a contract break no fixed case of connreq contract
  reaches (connreq contract --generate finds it): links-drop-params (next and previous keep
  only limit and offset, as a hand-written paginator does: every other query parameter is
  lost), int64-overflow (an id past 63 bits fails with 500, as a bigint primary key lookup
  does on PostgreSQL).

Usage:

    app.py --port 8000 --secret S [--seed 7] [--tz Europe/Rome] [--change 42] [--defect NAME]   serve
    app.py --mint-token 42 --secret S          print an access token of user 42
    app.py --dump-personal FILE --user 42      write the personal values of user 42's list
    app.py --describe --user 42                print what the script needs (JSON)
"""

import argparse
import base64
import datetime
import hashlib
import hmac
import json
import os
import random
import sys

DEBIAN_PYTHON = "/usr/bin/python3"

try:
    import django
    import rest_framework  # noqa: F401
except ImportError:
    # Debian's packages install into the system Python; a pyenv or venv python3 on PATH
    # does not see them.
    if os.path.exists(DEBIAN_PYTHON) and os.path.realpath(sys.executable) != os.path.realpath(DEBIAN_PYTHON):
        os.execv(DEBIAN_PYTHON, [DEBIAN_PYTHON] + sys.argv)
    sys.exit("drfapp: Django REST Framework is missing: apt-get install python3-djangorestframework "
             "python3-django, then run this script with " + DEBIAN_PYTHON)


def parse_args(argv):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    p.add_argument("--port", type=int, help="port to listen on")
    p.add_argument("--secret", default=os.environ.get("DRFAPP_SECRET", "drfapp-signing-key"),
                   help="HS256 signing key of the access tokens (env DRFAPP_SECRET)")
    p.add_argument("--seed", type=int, default=int(os.environ.get("DRFAPP_SEED", "7")),
                   help="seed of the data (env DRFAPP_SEED, default 7)")
    p.add_argument("--tz", default="Europe/Rome", help="server time zone (default Europe/Rome)")
    p.add_argument("--change", type=int, metavar="USER_ID",
                   help="serve a changed version: one field of one item of this user's list differs")
    p.add_argument("--defect", choices=["links-drop-params", "int64-overflow"],
                   help="serve a broken copy with this contract break (see above)")
    p.add_argument("--mint-token", type=int, metavar="USER_ID", help="print an access token and exit")
    p.add_argument("--dump-personal", metavar="FILE", help="write the personal values of --user's list and exit")
    p.add_argument("--describe", action="store_true", help="print facts about --user's list (JSON) and exit")
    p.add_argument("--user", type=int, default=42, help="the user of --dump-personal and --describe")
    return p.parse_args(argv)


ARGS = parse_args(sys.argv[1:])

from django.conf import settings  # noqa: E402

settings.configure(
    DEBUG=False,
    SECRET_KEY="drfapp-not-a-secret",
    ALLOWED_HOSTS=["127.0.0.1", "localhost", "[::1]"],
    ROOT_URLCONF=__name__,
    USE_TZ=True,
    TIME_ZONE=ARGS.tz,
    USE_I18N=True,
    LANGUAGE_CODE="en-us",
    INSTALLED_APPS=["django.contrib.contenttypes", "django.contrib.auth", "rest_framework"],
    MIDDLEWARE=[
        "django.middleware.security.SecurityMiddleware",
        "django.middleware.common.CommonMiddleware",  # APPEND_SLASH: 301 to the slash URL
    ],
    DATABASES={},
    REST_FRAMEWORK={
        # DEFAULT_AUTHENTICATION_CLASSES and DEFAULT_PAGINATION_CLASS would name classes of this
        # file, which rest_framework.views reads before they exist: the views set them instead.
        "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
        "PAGE_SIZE": 20,
        "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
        "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
        "UNAUTHENTICATED_USER": None,
    },
    LOGGING_CONFIG=None,
)
django.setup()

from django.http import Http404  # noqa: E402
from django.urls import path, re_path  # noqa: E402
from django.utils.translation import gettext_lazy as _  # noqa: E402
from rest_framework import exceptions, generics, permissions, serializers, views  # noqa: E402
from rest_framework.response import Response  # noqa: E402
from rest_framework.authentication import BaseAuthentication  # noqa: E402
from rest_framework.pagination import LimitOffsetPagination  # noqa: E402
from rest_framework.response import Response  # noqa: E402
from rest_framework.views import APIView  # noqa: E402
from rest_framework import HTTP_HEADER_ENCODING  # noqa: E402

UTC = datetime.timezone.utc
NOW = datetime.datetime(2025, 6, 1, 10, 0, 0, tzinfo=UTC)  # the data's clock: never the wall clock

# --------------------------------------------------------------------------------------------
# Data: a small community, built deterministically from the seed.

FIRST = {  # culture → [(shown, ascii, gender)]
    "it": [("Giulia", "giulia", "Female"), ("Chiara", "chiara", "Female"), ("Francesca", "francesca", "Female"),
           ("Martina", "martina", "Female"), ("Alessia", "alessia", "Female"), ("Federica", "federica", "Female"),
           ("Marco", "marco", "Male"), ("Matteo", "matteo", "Male"), ("Lorenzo", "lorenzo", "Male"),
           ("Riccardo", "riccardo", "Male"), ("Davide", "davide", "Male"), ("Niccolò", "niccolo", "Male")],
    "es": [("Lucía", "lucia", "Female"), ("Inés", "ines", "Female"), ("João", "joao", "Male"),
           ("Sebastián", "sebastian", "Male")],
    "de": [("Jürgen", "juergen", "Male"), ("Anneliese", "anneliese", "Female"), ("Maximilian", "max", "Male")],
    "pl": [("Łukasz", "lukasz", "Male"), ("Agnieszka", "agnieszka", "Female")],
    "el": [("Ελένη", "eleni", "Female"), ("Γιώργος", "giorgos", "Male")],
    "ja": [("花子", "hanako", "Female"), ("健太", "kenta", "Male")],
    "uk": [("Олена", "olena", "Female"), ("Тарас", "taras", "Male")],
    "ar": [("ليلى", "layla", "Female"), ("يوسف", "youssef", "Male")],
}
LAST = {
    "it": [("Rossi", "rossi"), ("Bianchi", "bianchi"), ("Esposito", "esposito"), ("Colombo", "colombo"),
           ("Ricci", "ricci"), ("Marino", "marino"), ("Greco", "greco"), ("De Luca", "deluca"),
           ("Mancini", "mancini"), ("Lombardi", "lombardi"), ("Moretti", "moretti"), ("Barbieri", "barbieri"),
           ("Fontana", "fontana"), ("Caruso", "caruso"), ("D'Angelo", "dangelo")],
    "es": [("Fernández", "fernandez"), ("Pereira", "pereira"), ("Gutiérrez", "gutierrez")],
    "de": [("Müller", "mueller"), ("Schröder", "schroeder"), ("Weißmann", "weissmann")],
    "pl": [("Wiśniewski", "wisniewski"), ("Wójcik", "wojcik")],
    "el": [("Παπαδοπούλου", "papadopoulou"), ("Νικολάου", "nikolaou")],
    "ja": [("山田", "yamada"), ("佐藤", "sato")],
    "uk": [("Шевченко", "shevchenko"), ("Коваленко", "kovalenko")],
    "ar": [("حداد", "haddad"), ("الخوري", "alkhoury")],
}
CULTURES = ["it"] * 10 + ["es", "es", "de", "de", "pl", "el", "ja", "uk", "ar"]
CITIES = {  # culture → [(location, lat, lng)]
    "it": [("Milano", 45.4642, 9.19), ("Roma", 41.9028, 12.4964), ("Torino", 45.0703, 7.6869),
           ("Napoli", 40.8518, 14.2681), ("Bologna", 44.4949, 11.3426), ("Firenze", 43.7696, 11.2558),
           ("Trento", 46.0748, 11.1217), ("Bari", 41.1171, 16.8719), ("Palermo", 38.1157, 13.3615),
           ("Cagliari", 39.2238, 9.1217)],
    "es": [("Sevilla", 37.3891, -5.9845), ("Lisboa", 38.7223, -9.1393), ("São Paulo", -23.5558, -46.6396),
           ("Buenos Aires", -34.6037, -58.3816)],
    "de": [("Hamburg", 53.5511, 9.9937), ("Zürich", 47.3769, 8.5417), ("Graz", 47.0707, 15.4395)],
    "pl": [("Kraków", 50.0647, 19.945), ("Gdańsk", 54.352, 18.6466)],
    "el": [("Θεσσαλονίκη", 40.6401, 22.9444), ("Αθήνα", 37.9838, 23.7275)],
    "ja": [("東京", 35.6762, 139.6503), ("大阪", 34.6937, 135.5023)],
    "uk": [("Львів", 49.8397, 24.0297), ("Київ", 50.4501, 30.5234)],
    "ar": [("بيروت", 33.8938, 35.5018), ("عمّان", 31.9454, 35.9284)],
}
BIOS = {
    "it": ["Appassionata di fotografia e trekking in {city}.", "Sviluppatore backend, caffè e montagna.",
           "Studio medicina e suono il violoncello.", "Mamma, runner, lettrice compulsiva.",
           "Cuoco per passione, ingegnere per mestiere.", "Amo le Dolomiti e i giochi da tavolo."],
    "es": ["Diseñadora de producto en {city}.", "Corredor de montaña y lector nocturno."],
    "de": ["Ich liebe Bücher, Berge und guten Kaffee.", "Softwareentwickler aus {city}, Hobbykoch."],
    "pl": ["Fotograf amator, miłośnik gór.", "Programistka i pianistka z {city}."],
    "el": ["Φιλόλογος και λάτρης της θάλασσας.", "Μηχανικός λογισμικού στη {city}."],
    "ja": ["プログラマー。猫とコーヒーが好き。", "{city}在住のデザイナーです。"],
    "uk": ["Люблю гори, книжки та каву.", "Розробниця з міста {city}."],
    "ar": ["مصممة جرافيك ومحبة للقهوة.", "مهندس برمجيات من {city}."],
}
DESCRIPTIONS = [
    "I joined this community to share what I learn about {topic} and to meet people who care about it. "
    "Ask me anything about {topic}!",
    "Volunteer at the local library on Saturdays. Currently learning {topic}.\nDMs open.",
    "Ten years in {topic}; before that, a long detour through music school. Based in {city}.",
]
TOPICS = ["urban gardening", "bouldering", "home espresso", "retro computing", "sourdough", "birdwatching",
          "jazz piano", "open data", "cycling"]
TAGS = [
    {"id": 3, "name": "Ambassador", "description": "Community ambassadors", "color": "#3F51B5", "deleted": False,
     "type": "user", "visible": True, "visibility_boost": True, "active": True,
     "created_at": datetime.datetime(2021, 11, 2, 9, 12, 44, 120031, tzinfo=UTC)},
    {"id": 5, "name": "Early adopter", "description": None, "color": "#ff9800", "deleted": False,
     "type": "user", "visible": True, "visibility_boost": False, "active": True,
     "created_at": datetime.datetime(2020, 3, 14, 15, 9, 26, tzinfo=UTC)},
    {"id": 8, "name": "Moderatore", "description": "Modera le discussioni", "color": "#4CAF50", "deleted": False,
     "type": "user", "visible": False, "visibility_boost": False, "active": True,
     "created_at": datetime.datetime(2022, 1, 20, 8, 0, 1, 5, tzinfo=UTC)},
    {"id": 12, "name": "Top contributor", "description": "", "color": "#9C27B0", "deleted": False,
     "type": "contribution", "visible": True, "visibility_boost": True, "active": True,
     "created_at": datetime.datetime(2023, 7, 1, 0, 0, 0, 999999, tzinfo=UTC)},
    {"id": 15, "name": "Beta 2019", "description": "Closed beta testers", "color": "#607d8b", "deleted": True,
     "type": "user", "visible": False, "visibility_boost": False, "active": False,
     "created_at": datetime.datetime(2019, 5, 5, 5, 5, 5, 505050, tzinfo=UTC)},
]
PREFERENCES = [  # (section, name, value): the community's dynamic preferences, by id
    ("configurations", "follow_enabled", False), ("configurations", "connection_enabled", True),
    ("configurations", "post_geolocation_enabled", True), ("configurations", "post_only_staff_enabled", False),
    ("configurations", "notification_email_delay_minutes", 30), ("configurations", "categories_menu_enabled", True),
    ("configurations", "user_tagging_enabled", True), ("configurations", "polls_enabled", True),
    ("configurations", "custom_adv_enabled", False), ("configurations", "private_messages_enabled", True),
    ("configurations", "explore_stream_enabled", True), ("configurations", "max_upload_size_mb", 25.5),
    ("general", "community_name", "Comunità di prova"), ("general", "language", "it"),
    ("general", "timezone", "Europe/Rome"), ("general", "content_availability", True),
    ("appearance", "color_primary", "#1E88E5"), ("appearance", "color_secondary", "#FFC107"),
    ("appearance", "logo_navbar", "https://cdn.drfapp.test/static/logo-navbar.svg"),
    ("appearance", "font_family", "Inter, sans-serif"), ("webhook", "enabled", False),
    ("addons", "analytics_enabled", False), ("addons", "ai_moderation_enabled", True),
    ("addons", "reactions_enabled", True),
    # The URL templates a SelfCommunity front end routes with (its router reads every one).
    ("configurations", "url_template_post", "/p/{id}-{slug}/"),
    ("configurations", "url_template_discussion", "/d/{id}-{slug}/"),
    ("configurations", "url_template_status", "/s/{id}-{slug}/"),
    ("configurations", "url_template_comment", "/c/{id}/"),
    ("configurations", "url_template_category", "/categoria/{id}-{slug}/"),
    ("configurations", "url_template_categories_list", "/categorie/"),
    ("configurations", "url_template_profile", "/utente/{username}/"),
    ("configurations", "url_template_profile_settings", "/impostazioni/"),
    ("configurations", "url_template_notifications", "/notifiche/"),
    ("configurations", "url_template_private_message", "/messaggi/{id}/"),
    ("configurations", "url_template_incubator", "/incubatore/{id}-{slug}/"),
    ("configurations", "url_template_live_stream", "/live/{id}-{slug}/"),
]
STAFF = {1}  # user 1 is the community manager


def stamp(rng, start, end, whole_seconds=False):
    """A random instant in [start, end): microseconds when non-zero, as DRF writes them."""
    span = int((end - start).total_seconds())
    t = start + datetime.timedelta(seconds=rng.randrange(max(span, 1)))
    if not whole_seconds:
        t = t.replace(microsecond=rng.randrange(1, 1000000))
    return t


def coords(lat, lng):
    """ "lat,lng" as the spec writes it (no space; as many decimals as the value has)."""
    return "%s,%s" % (round(lat, 6), round(lng, 6))


def build_user(seed, uid, taken):
    """One community member: a dict the serializers read, built from (seed, uid) alone."""
    rng = random.Random("drfapp:%d:user:%d" % (seed, uid))
    culture = rng.choice(CULTURES)
    first, first_ascii, gender = rng.choice(FIRST[culture])
    last, last_ascii = rng.choice(LAST[culture])
    if rng.random() < 0.08:
        gender = "Unspecified"
    city, lat, lng = rng.choice(CITIES[culture])
    born = rng.randrange(1958, 2006)
    handles = [first_ascii + "." + last_ascii, first_ascii + "_" + last_ascii + str(born % 100),
               first_ascii[0] + last_ascii, first_ascii + last_ascii + str(rng.randrange(2, 999))]
    username = rng.choice(handles)
    while username in taken:
        username = "%s%d" % (username, rng.randrange(10, 99))
    taken.add(username)
    has_location = rng.random() < 0.7
    joined = stamp(rng, datetime.datetime(2019, 1, 10, tzinfo=UTC), datetime.datetime(2022, 12, 20, tzinfo=UTC),
                   whole_seconds=rng.random() < 0.1)
    digest = hashlib.sha1(("%d:%s" % (uid, username)).encode()).hexdigest()
    return {
        "id": uid,
        "username": username,
        "real_name": "" if rng.random() < 0.2 else first + " " + last,
        "date_joined": joined,
        "bio": "" if rng.random() < 0.3 else rng.choice(BIOS[culture]).format(city=city),
        "location": (city if rng.random() < 0.6 else city + ", " + {"it": "Italia"}.get(culture, city))
        if has_location else "",
        "location_lat_lng": coords(lat, lng) if has_location and rng.random() < 0.8 else None,
        "position_lat_lng": coords(lat + rng.uniform(-0.05, 0.05), lng + rng.uniform(-0.05, 0.05))
        if rng.random() < 0.35 else None,
        "date_of_birth": None if rng.random() < 0.4 else datetime.date(born, rng.randrange(1, 13), rng.randrange(1, 29)),
        "description": "" if rng.random() < 0.6 else rng.choice(DESCRIPTIONS).format(
            topic=rng.choice(TOPICS), city=city),
        "gender": gender,
        "status": "a" if rng.random() < 0.93 else rng.choice(["b", "u"]),
        "website": "" if rng.random() < 0.55 else rng.choice(
            ["https://%s.example.net" % username.replace(".", "-").replace("_", "-"),
             "https://www.example.org/~%s" % username, "http://blog.example.com/%s/" % last_ascii]),
        "avatar": "https://cdn.drfapp.test/static/img/default-avatar.png" if rng.random() < 0.2
        else "https://cdn.drfapp.test/media/avatars/%d/%s.%s" % (uid, digest[:12], rng.choice(["jpg", "png", "webp"])),
        "cover": None if rng.random() < 0.6 else "https://cdn.drfapp.test/media/covers/%d/%s.jpg" % (uid, digest[12:24]),
        "ext_id": None if rng.random() < 0.7 else rng.randrange(100000, 99999999),
        "tags": sorted(rng.sample(TAGS, rng.choice([0, 0, 0, 1, 1, 2])), key=lambda t: t["id"]),
        "reputation": rng.randrange(0, 2500),
        "connections_counter": rng.randrange(0, 300),
        "posts_counter": rng.randrange(0, 400),
        "discussions_counter": rng.randrange(0, 60),
        "statuses_counter": rng.randrange(0, 30),
        "polls_counter": rng.randrange(0, 8),
        "is_staff": uid in STAFF,
    }


class Community:
    """Users and connection requests: plain Python data, no ORM."""

    def __init__(self, seed, change=None):
        rng = random.Random("drfapp:%d:community" % seed)
        ids = [uid for uid in range(1, 181) if uid in (1, 7, 42) or rng.random() > 0.12]  # gaps: deleted accounts
        taken = set()
        self.users = {uid: build_user(seed, uid, taken) for uid in ids}
        requests = []  # (created, tiebreak, from_id, to_id, viewed, rejected)
        for to_id in ids:
            r = random.Random("drfapp:%d:requests:%d" % (seed, to_id))
            n = 57 if to_id == 42 else r.choice([0, 1, 3, 8, 19, 20, 21, 26])
            senders = r.sample([u for u in ids if u != to_id], n)
            t = NOW - datetime.timedelta(minutes=r.randrange(5, 600))
            for k, from_id in enumerate(senders):
                if k == 0 or r.random() > 0.08:  # else: the same instant as the previous one (a bulk import)
                    t = t - datetime.timedelta(seconds=r.randrange(60, 6 * 86400))
                    if r.random() < 0.1:
                        t = t.replace(microsecond=0)
                    else:
                        t = t.replace(microsecond=r.randrange(1, 1000000))
                viewed = rejected = None
                if r.random() < 0.75 and t < NOW - datetime.timedelta(hours=2):
                    viewed = stamp(r, t + datetime.timedelta(seconds=1), min(NOW, t + datetime.timedelta(days=5)))
                    if r.random() < 0.2:
                        rejected = stamp(r, viewed, min(NOW, viewed + datetime.timedelta(days=2)))
                requests.append((t, r.random(), from_id, to_id, viewed, rejected))
        # ids in creation order, as a database sequence gives them
        requests.sort(key=lambda q: (q[0], q[1], q[3]))
        self.requests = []
        for i, (created, _tie, from_id, to_id, viewed, rejected) in enumerate(requests):
            self.requests.append({"id": 4000 + 3 * i + (i % 3), "from_id": from_id, "to_id": to_id,
                                  "created": created, "viewed": viewed, "rejected": rejected})
        self.received = {uid: [] for uid in ids}
        self.sent = {uid: [] for uid in ids}
        for q in self.requests:
            self.received[q["to_id"]].append(q)
            self.sent[q["from_id"]].append(q)
        for uid in ids:
            self.received[uid].sort(key=lambda q: (q["created"], q["id"]), reverse=True)
        self.changed = None
        if change is not None:
            target = self.received[change][2]["from_id"]
            user = self.users[target]
            before = user["bio"]
            user["bio"] = "Changed: " + (before or "a bio written after the recording.")
            self.changed = {"list_of": change, "user": target, "path": "$.results[2].from_user.bio",
                            "before": before, "after": user["bio"]}

    def pending_between(self, from_id, to_id):
        return any(q["to_id"] == to_id and q["rejected"] is None for q in self.sent[from_id])

    def relation(self, caller_id, other_id):
        """connection_status: the relation between the caller and another user."""
        if caller_id is None or caller_id == other_id:
            return None
        if self.pending_between(other_id, caller_id):
            return "received_connection_request"
        if self.pending_between(caller_id, other_id):
            return "sent_connection_request"
        return None

    def items(self, owner_id):
        """The owner's received requests, newest first, as the serializer reads them."""
        return [{"id": q["id"], "from_user": self.users[q["from_id"]], "to_user": self.users[owner_id],
                 "created": q["created"], "rejected": q["rejected"], "viewed": q["viewed"]}
                for q in self.received[owner_id]]

    def sent_items(self, owner_id):
        """The owner's sent requests still present, newest first (requests_sent)."""
        sent = sorted(self.sent[owner_id], key=lambda q: (q["created"], q["id"]), reverse=True)
        return [{"id": q["id"], "from_user": self.users[owner_id], "to_user": self.users[q["to_id"]],
                 "created": q["created"], "rejected": q["rejected"], "viewed": q["viewed"]}
                for q in sent]

    def preferences(self):
        return [{"id": i + 1, "section": s, "name": n, "value": v} for i, (s, n, v) in enumerate(PREFERENCES)]


COMMUNITY = Community(ARGS.seed, ARGS.change)
PREF = {(p["section"], p["name"]): p["value"] for p in COMMUNITY.preferences()}


# --------------------------------------------------------------------------------------------
# Authentication: rest_framework_simplejwt's JWTAuthentication, on the standard library.

AUTH_HEADER_TYPES = ("Bearer",)
AUTH_HEADER_TYPE_BYTES = {h.encode(HTTP_HEADER_ENCODING) for h in AUTH_HEADER_TYPES}


class TokenError(Exception):
    pass


class DetailDictMixin:
    """simplejwt's error bodies: {"detail": ..., "code": ...} plus any extra keys."""

    def __init__(self, detail=None, code=None):
        detail_dict = {"detail": self.default_detail, "code": self.default_code}
        if isinstance(detail, dict):
            detail_dict.update(detail)
        elif detail is not None:
            detail_dict["detail"] = detail
        if code is not None:
            detail_dict["code"] = code
        super().__init__(detail_dict)


class AuthenticationFailed(DetailDictMixin, exceptions.AuthenticationFailed):
    pass


class InvalidToken(AuthenticationFailed):
    status_code = 401
    default_detail = _("Token is invalid or expired")
    default_code = "token_not_valid"


def b64url(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def b64url_decode(text):
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def mint_token(secret, user_id):
    """An HS256 access token with simplejwt's claims; fixed instants, so the same every run."""
    header = {"alg": "HS256", "typ": "JWT"}
    iat = int(datetime.datetime(2025, 6, 1, 9, 0, tzinfo=UTC).timestamp())
    payload = {"token_type": "access", "exp": int(datetime.datetime(2099, 12, 31, tzinfo=UTC).timestamp()),
               "iat": iat, "jti": hashlib.sha256(("jti:%d" % user_id).encode()).hexdigest()[:32],
               "user_id": user_id}
    signing_input = (b64url(json.dumps(header, separators=(",", ":")).encode()) + "." +
                     b64url(json.dumps(payload, separators=(",", ":")).encode()))
    sig = hmac.new(secret.encode(), signing_input.encode("ascii"), hashlib.sha256).digest()
    return signing_input + "." + b64url(sig)


class AccessToken:
    token_type = "access"

    def __init__(self, raw, secret):
        try:  # PyJWT's decode, HS256 only: any failure is simplejwt's TokenBackendError
            head, payload, sig = raw.split(b".")
            header = json.loads(b64url_decode(head.decode("ascii")))
            claims = json.loads(b64url_decode(payload.decode("ascii")))
            if not isinstance(header, dict) or header.get("alg") != "HS256" or not isinstance(claims, dict):
                raise ValueError("algorithm")
            want = hmac.new(secret.encode(), head + b"." + payload, hashlib.sha256).digest()
            if not hmac.compare_digest(want, b64url_decode(sig.decode("ascii"))):
                raise ValueError("signature")
            exp = claims.get("exp")
            if not isinstance(exp, (int, float)) or exp <= datetime.datetime.now(UTC).timestamp():
                raise ValueError("expired")
        except (ValueError, TypeError, UnicodeError):
            raise TokenError(_("Token is invalid or expired"))
        if claims.get("token_type") != self.token_type:
            raise TokenError(_("Token has wrong type"))
        if "jti" not in claims:
            raise TokenError(_("Token has no id"))
        self.payload = claims


class Caller:
    """request.user: the community member the token names."""

    is_authenticated = True
    is_anonymous = False

    def __init__(self, user):
        self.id = self.pk = user["id"]
        self.is_staff = user["is_staff"]


class JWTAuthentication(BaseAuthentication):
    www_authenticate_realm = "api"
    media_type = "application/json"

    def authenticate(self, request):
        header = request.META.get("HTTP_AUTHORIZATION")
        if header is None:
            return None
        if isinstance(header, str):
            header = header.encode(HTTP_HEADER_ENCODING)
        parts = header.split()
        if len(parts) == 0 or parts[0] not in AUTH_HEADER_TYPE_BYTES:
            return None  # not a JSON web token: the permission check answers "not provided"
        if len(parts) != 2:
            raise AuthenticationFailed(_("Authorization header must contain two space-delimited values"),
                                       code="bad_authorization_header")
        try:
            token = AccessToken(parts[1], ARGS.secret)
        except TokenError as e:
            raise InvalidToken({"detail": _("Given token not valid for any token type"),
                                "messages": [{"token_class": "AccessToken", "token_type": "access",
                                              "message": e.args[0]}]})
        if "user_id" not in token.payload:
            raise InvalidToken(_("Token contained no recognizable user identification"))
        user = COMMUNITY.users.get(token.payload["user_id"])
        if user is None:
            raise AuthenticationFailed(_("User not found"), code="user_not_found")
        if user["status"] != "a":
            raise AuthenticationFailed(_("User is inactive"), code="user_inactive")
        return Caller(user), token

    def authenticate_header(self, request):
        return '{} realm="{}"'.format(AUTH_HEADER_TYPES[0], self.www_authenticate_realm)


# --------------------------------------------------------------------------------------------
# Permissions, pagination, serializers, views.

class FriendshipMode(permissions.BasePermission):
    """Connections exist only in friendship mode: follow disabled, connections enabled."""

    def has_permission(self, request, view):
        return not PREF[("configurations", "follow_enabled")] and PREF[("configurations", "connection_enabled")]


class IsSelfOrStaff(permissions.BasePermission):
    def has_object_permission(self, request, view, obj):
        return request.user.is_staff or request.user.id == obj["id"]


class ConnectionPagination(LimitOffsetPagination):
    max_limit = 100  # default_limit: settings PAGE_SIZE (20)

    def get_next_link(self):
        link = super().get_next_link()
        return drop_params(link) if ARGS.defect == "links-drop-params" else link

    def get_previous_link(self):
        link = super().get_previous_link()
        return drop_params(link) if ARGS.defect == "links-drop-params" else link


def drop_params(link):
    """--defect links-drop-params: the link with only limit and offset in its query."""
    if link is None:
        return None
    from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit
    parts = urlsplit(link)
    kept = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if k in ("limit", "offset")]
    return urlunsplit(parts._replace(query=urlencode(sorted(kept))))


class ReadWholePagination(LimitOffsetPagination):
    """Lists the client reads in one request: every row on the first page."""

    default_limit = 1000
    max_limit = 1000


class TagSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    description = serializers.CharField(allow_null=True, allow_blank=True)
    color = serializers.CharField()
    deleted = serializers.BooleanField()
    type = serializers.ChoiceField(choices=["user", "category", "contribution"])
    visible = serializers.BooleanField()
    visibility_boost = serializers.BooleanField()
    created_at = serializers.DateTimeField()
    active = serializers.BooleanField()


class UserSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    username = serializers.CharField()
    real_name = serializers.CharField(allow_blank=True)
    date_joined = serializers.DateTimeField()
    bio = serializers.CharField(allow_blank=True)
    location = serializers.CharField(allow_blank=True)
    location_lat_lng = serializers.CharField(allow_null=True)
    position_lat_lng = serializers.CharField(allow_null=True)
    date_of_birth = serializers.DateField(allow_null=True)
    description = serializers.CharField(allow_blank=True)
    gender = serializers.ChoiceField(choices=["Male", "Female", "Unspecified"])
    status = serializers.ChoiceField(choices=["a", "b", "d", "u"])
    website = serializers.CharField(allow_blank=True)
    avatar = serializers.URLField()
    cover = serializers.URLField(allow_null=True)
    ext_id = serializers.IntegerField(allow_null=True)
    tags = TagSerializer(many=True)
    reputation = serializers.IntegerField()
    connection_status = serializers.SerializerMethodField()
    connection_requests_sent_counter = serializers.SerializerMethodField()
    connection_requests_received_counter = serializers.SerializerMethodField()
    connections_counter = serializers.IntegerField()
    posts_counter = serializers.IntegerField()
    discussions_counter = serializers.IntegerField()
    statuses_counter = serializers.IntegerField()
    polls_counter = serializers.IntegerField()

    def get_connection_status(self, user):
        request = self.context.get("request")
        caller = getattr(request, "user", None)
        return COMMUNITY.relation(getattr(caller, "id", None), user["id"])

    def get_connection_requests_sent_counter(self, user):
        return len(COMMUNITY.sent[user["id"]])

    def get_connection_requests_received_counter(self, user):
        return len(COMMUNITY.received[user["id"]])


class ConnectionRequestSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    from_user = UserSerializer()
    to_user = UserSerializer()
    created = serializers.DateTimeField()
    rejected = serializers.DateTimeField(allow_null=True)
    viewed = serializers.DateTimeField(allow_null=True)


class DynamicPreferenceSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    section = serializers.CharField()
    name = serializers.CharField()
    value = serializers.JSONField()


class APIListView(generics.ListAPIView):
    """What the project's REST_FRAMEWORK defaults would set."""

    authentication_classes = [JWTAuthentication]
    pagination_class = ConnectionPagination


class UserConnectionRequestList(APIListView):
    """GET /api/v2/user/{id}/connection/requests/ (and the connection_requests alias)."""

    serializer_class = ConnectionRequestSerializer
    permission_classes = [permissions.IsAuthenticated, FriendshipMode, IsSelfOrStaff]

    def get_owner(self):
        # What get_object_or_404(User, pk=id) does: the ORM's int() on the pk, Http404
        # when it is not an integer or nobody has it.
        try:
            pk = int(self.kwargs["id"])
        except (TypeError, ValueError):
            raise Http404
        if ARGS.defect == "int64-overflow" and pk >= 2 ** 63:
            # What PostgreSQL answers a bigint lookup out of range, unhandled: a 500.
            raise OverflowError("bigint out of range")
        try:
            owner = COMMUNITY.users[pk]
        except (KeyError, OverflowError):
            raise Http404
        self.check_object_permissions(self.request, owner)
        return owner

    def get_queryset(self):
        return COMMUNITY.items(self.get_owner()["id"])


class MyConnectionRequestList(UserConnectionRequestList):
    """GET /api/v2/user/connection/requests/: the caller's own list."""

    def get_owner(self):
        return COMMUNITY.users[self.request.user.id]


class MyConnectionRequestSentList(UserConnectionRequestList):
    """GET /api/v2/user/connection/requests_sent/: the caller's sent requests."""

    def get_queryset(self):
        return COMMUNITY.sent_items(self.request.user.id)


class UserRelation(views.APIView):
    """GET /api/v2/user/{id}/is_connection/ and /connection_status/ (connreq's state
    lifecycle reads; this app has no connections, so is_connection is always false)."""

    authentication_classes = [JWTAuthentication]
    permission_classes = [permissions.IsAuthenticated, FriendshipMode]
    field = "is_connection"

    def get(self, request, id):
        try:
            other = COMMUNITY.users[int(id)]
        except (KeyError, TypeError, ValueError, OverflowError):
            raise Http404
        if self.field == "is_connection":
            return Response({"is_connection": False})
        return Response({"connection_status": COMMUNITY.relation(request.user.id, other["id"])})


class DynamicPreferenceList(APIListView):
    """GET /api/v2/dynamic_preference/: public; ?search= filters on section.name."""

    serializer_class = DynamicPreferenceSerializer
    permission_classes = [permissions.AllowAny]
    pagination_class = ReadWholePagination  # the SDK reads results of one request

    def get_queryset(self):
        prefs = COMMUNITY.preferences()
        q = self.request.query_params.get("search", "").strip().lower()
        if q:
            prefs = [p for p in prefs if q in (p["section"] + "." + p["name"]).lower()]
        return prefs


class FeatureSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    enabled = serializers.BooleanField()


FEATURES = [("tagging", True), ("grouping", False), ("reaction", False), ("loyalty", False), ("api_v2", True)]


class FeatureList(APIListView):
    """GET /api/v2/feature/: public, every feature on one page."""

    serializer_class = FeatureSerializer
    permission_classes = [permissions.AllowAny]
    pagination_class = ReadWholePagination

    def get_queryset(self):
        return [{"id": i + 1, "name": n, "enabled": e} for i, (n, e) in enumerate(FEATURES)]


class Me(APIView):
    """GET /api/v2/user/me/: the caller, as the to_user of its own list."""

    authentication_classes = [JWTAuthentication]
    permission_classes = [permissions.IsAuthenticated]

    def get(self, request):
        user = COMMUNITY.users[request.user.id]
        return Response(UserSerializer(user, context={"request": request}).data)


class UserSettings(APIView):
    """GET /api/v2/user/{id}/settings/: the user's notification settings, to self or staff."""

    authentication_classes = [JWTAuthentication]
    permission_classes = [permissions.IsAuthenticated, IsSelfOrStaff]

    def get(self, request, id):
        try:
            user = COMMUNITY.users[int(id)]
        except (KeyError, TypeError, ValueError, OverflowError):
            raise Http404
        self.check_object_permissions(request, user)
        return Response({"qa_frequency": 0, "email_notification_not_qa": 1, "mobile_notifications_scmty": 0,
                         "show_toast_notifications": 1, "toast_notifications_emit_sound": 1})


class HiddenUsersId(APIView):
    """GET /api/v2/user/hidden_users_id/: ids the caller has hidden (none here)."""

    authentication_classes = [JWTAuthentication]
    permission_classes = [permissions.IsAuthenticated]

    def get(self, request):
        return Response([])


urlpatterns = [
    path("api/v2/user/connection/requests/", MyConnectionRequestList.as_view()),
    path("api/v2/user/me/", Me.as_view()),
    path("api/v2/user/hidden_users_id/", HiddenUsersId.as_view()),
    path("api/v2/feature/", FeatureList.as_view()),
    re_path(r"^api/v2/user/(?P<id>[^/.]+)/settings/$", UserSettings.as_view()),
    re_path(r"^api/v2/user/(?P<id>[^/.]+)/connection/requests/$", UserConnectionRequestList.as_view()),
    re_path(r"^api/v2/user/(?P<id>[^/.]+)/connection_requests/$", UserConnectionRequestList.as_view()),
    path("api/v2/dynamic_preference/", DynamicPreferenceList.as_view()),
    path("api/v2/user/connection/requests_sent/", MyConnectionRequestSentList.as_view()),
    re_path(r"^api/v2/user/(?P<id>[^/.]+)/is_connection/$", UserRelation.as_view(field="is_connection")),
    re_path(r"^api/v2/user/(?P<id>[^/.]+)/connection_status/$", UserRelation.as_view(field="connection_status")),
]


# --------------------------------------------------------------------------------------------
# Command line.

PERSONAL_KEYS = ["username", "real_name", "bio", "description", "location", "location_lat_lng",
                 "position_lat_lng", "date_of_birth", "website", "avatar", "cover"]


def personal_values(owner_id):
    """Every non-empty personal value of the users in owner_id's list (and the owner)."""
    users = [COMMUNITY.users[owner_id]] + [i["from_user"] for i in COMMUNITY.items(owner_id)]
    out = []
    for u in users:
        for key in PERSONAL_KEYS:
            v = u[key]
            if v is None or v == "":
                continue
            out.append({"user": u["id"], "key": key, "value": v.isoformat() if key == "date_of_birth" else v})
    return out


def main():
    if ARGS.mint_token is not None:
        print(mint_token(ARGS.secret, ARGS.mint_token))
        return 0
    if ARGS.dump_personal:
        with open(ARGS.dump_personal, "w", encoding="utf-8") as f:
            json.dump(personal_values(ARGS.user), f, ensure_ascii=False, indent=1)
        return 0
    if ARGS.describe:
        ids = sorted(COMMUNITY.users)
        other = next(u for u in ids if u != ARGS.user and u not in STAFF)
        unknown = next(u for u in range(1, 10 ** 6) if u not in COMMUNITY.users)
        print(json.dumps({"user": ARGS.user, "count": len(COMMUNITY.received[ARGS.user]), "users": len(ids),
                          "other_user": other, "unknown_user": unknown,
                          "change": Community(ARGS.seed, ARGS.user).changed}, ensure_ascii=False))
        return 0
    if ARGS.port is None:
        sys.exit("drfapp: --port is required to serve")
    from django.core.servers.basehttp import run
    from django.core.wsgi import get_wsgi_application
    if COMMUNITY.changed:
        print("drfapp: changed version: %s of user %d's list" % (COMMUNITY.changed["path"], ARGS.change),
              file=sys.stderr)
    print("drfapp: Django %s, DRF %s, serving on http://%s:%d/ (tz %s, seed %d, %d users)"
          % (django.get_version(), rest_framework.VERSION, ARGS.host, ARGS.port, ARGS.tz, ARGS.seed,
             len(COMMUNITY.users)), file=sys.stderr, flush=True)
    run(ARGS.host, ARGS.port, get_wsgi_application(), ipv6=False, threading=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
