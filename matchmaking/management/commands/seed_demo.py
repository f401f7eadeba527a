"""A believable demo community for a fresh local database."""

import io
import random
from datetime import timedelta

from allauth.account.models import EmailAddress
from django.contrib.auth.hashers import make_password
from django.core.files.base import ContentFile
from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone
from PIL import Image, ImageDraw

from matchmaking import services as matchmaking_services
from matchmaking.models import Profile, Prompt
from matchmaking.selectors import compatible
from matchmaking.services.profiles import ProfileFields
from vouching import services as vouching_services
from vouching.models import Invitation, KnownFor, Member, Relationship, Vouch

DEMO_PASSWORD = "vouched-demo-2026"
DEMO_DOMAIN = "pledge.example"

NAMES = [
    "Mei Chen",
    "Jon Okafor",
    "Lena Novak",
    "Wei Zhang",
    "Priya Raman",
    "Tom Becker",
    "Sofia Rossi",
    "Li Na",
    "Daniel Kim",
    "Amara Diallo",
    "Hugo Martin",
    "Yuki Tanaka",
    "Chen Jie",
    "Grace Liu",
    "Omar Haddad",
    "Elena Petrova",
    "Xu Ming",
    "Ruth Cohen",
    "Mateo Silva",
    "Hannah Weber",
    "Zhou Yan",
    "Ines Duarte",
    "Kofi Mensah",
    "Wang Fang",
    "Nora Lindqvist",
    "Arjun Mehta",
    "Lucia Gómez",
    "Sun Hao",
    "Maya Levi",
    "Felix Braun",
    "Aiko Sato",
    "Liu Yang",
    "Chloe Dubois",
    "Samir Nasser",
    "Huang Lei",
    "Anna Kowalska",
    "Ben Carter",
    "Zhao Li",
    "Fatima Zahra",
    "Leo Fischer",
    "Tan Wen",
]

HOW_WE_MET = [
    "We shared a flat for three years while studying",
    "We have worked on the same team for years",
    "We grew up on the same street",
    "We met at a climbing gym and have been friends ever since",
    "We sing in the same choir every Thursday",
    "Our families have known each other since we were children",
    "We volunteered together at the food bank",
    "We met in a language exchange and kept meeting",
]
QUALITIES = [
    "is honest to a fault and keeps every promise",
    "is the kindest person I know, and never unkind behind anyone's back",
    "shows up when it matters, and listens before speaking",
    "treats everyone with respect, waiters and bosses alike",
    "is funny, generous, and looks after the people around them",
    "is calm, thoughtful and completely reliable",
]
CLOSINGS = [
    "Anyone would be lucky to meet them.",
    "I would introduce them to my own sister.",
    "I trust them completely.",
    "They deserve someone as good as they are.",
]
CHINESE_STATEMENTS = [
    "我们是大学同学，认识十多年了。为人真诚、靠谱，答应的事一定做到，值得信赖。谁认识都是福气。",
    "我们两家是老邻居，我从小看着长大。性格温和，孝顺父母，对朋友也很仗义，我愿意为人担保。",
    "我们做了五年同事，工作认真负责，待人友善。生活里也很会照顾人，是个踏实可靠的好人。",
]

# w: woman, m: man, n: non-binary; in the order of NAMES.
GENDERS = "wmwmwmwwmwmwmwmwmwmwwwmwwmwmnmwmwmmwmwwmm"
CITIES = ["Shanghai", "Shanghai", "Shanghai", "Hangzhou"]
BIOS = [
    "Weekend hiker, weekday architect. I will always share my dumplings.",
    "Nurse on night shifts, so I treasure slow breakfasts and long walks.",
    "I teach maths to teenagers and still love it. Looking for someone kind and curious.",
    "Amateur cook, terrible singer, loyal friend. My family thinks I should settle down.",
    "Photographer of old doors and street food. Let's get lost in a new neighbourhood.",
    "Engineer who reads poetry on the metro. Ask me about my grandmother's recipes.",
    "我喜欢周末去郊外爬山，平时在家做饭。希望认识一个真诚、有耐心的人。",
    "在一家小书店工作，喜欢猫和下雨天。想找一个能一起慢慢生活的人。",
]
ANSWERS = {
    Prompt.SUNDAY: "Dim sum with friends, then a long bike ride by the river.",
    Prompt.FRIENDS_SAY: "The one who remembers everybody's birthday.",
    Prompt.FOOD: "Braised pork belly, my mother's way.",
    Prompt.TOGETHER: "You laugh at your own jokes before the end.",
    Prompt.FAMILY: "Sunday phone calls that last two hours.",
}

PALETTE = ["#b33a52", "#2f7d4f", "#3a5fb3", "#9a6b00", "#6b3ab3", "#1f7c8c", "#b3603a"]


def avatar_image(seed: int, size: int = 256) -> ContentFile:
    """A simple generated portrait silhouette on a coloured background."""
    rng = random.Random(seed)
    background = PALETTE[seed % len(PALETTE)]
    image = Image.new("RGB", (size, size), background)
    draw = ImageDraw.Draw(image)
    tone = rng.choice(["#f4d7c4", "#e0b89a", "#c68e6b", "#8d5a3b", "#f1e0c8"])
    k = size / 256  # drawn at 256 px, scaled to the size asked for

    def box(*coords):
        return tuple(c * k for c in coords)

    draw.ellipse(box(78, 48, 178, 148), fill=tone)
    draw.ellipse(box(38, 150, 218, 330), fill=tone)
    hair = rng.choice(["#1b1b1b", "#4a2f1b", "#8a5a2b", "#c9a15a", "#6b6b6b"])
    draw.chord(box(72, 40, 184, 130), start=180, end=360, fill=hair)
    out = io.BytesIO()
    image.save(out, format="JPEG", quality=85)
    return ContentFile(out.getvalue(), name="avatar.jpg")


def email_for(name: str) -> str:
    local = "".join(c for c in name.lower().replace(" ", ".") if c.isascii() and c != "'")
    return f"{local}@{DEMO_DOMAIN}"


class VouchLedger:
    """The demo's vouches so far, to follow the rules while seeding: a member may vouch
    as a founder or with two accepted vouches, and at most five times in seven days."""

    def __init__(self) -> None:
        self.received: dict[int, int] = {}
        self.given: dict[int, list] = {}

    def may_vouch(self, voucher: Member, when) -> bool:
        recent = [t for t in self.given.get(voucher.pk, []) if when - t < timedelta(days=7)]
        enough = voucher.is_founder or self.received.get(voucher.pk, 0) >= 2
        return enough and len(recent) < 5

    def record(self, voucher: Member, vouchee: Member, when, *, accepted: bool) -> None:
        self.given.setdefault(voucher.pk, []).append(when)
        if accepted:
            self.received[vouchee.pk] = self.received.get(vouchee.pk, 0) + 1


class Command(BaseCommand):
    help = "Create a demo community (founders and about forty members) if the site is empty."

    def add_arguments(self, parser):
        parser.add_argument("--seed", type=int, default=2026)

    def handle(self, *args, seed, **options):
        if Member.objects.exists():
            self.stdout.write("Members exist already; no demo data created.")
            return
        rng = random.Random(seed)
        members = self.create_community(rng)
        run = vouching_services.trust_recalculate(force=True)
        self.create_dating(rng, members)
        self.stdout.write(
            self.style.SUCCESS(
                f"Demo community created: {len(members)} members, "
                f"{Vouch.objects.accepted().count()} accepted vouches; "
                f"standing computed for generation {run.generation if run else '?'}."
            )
        )
        self.stdout.write(f"Sign in with any of these (password: {DEMO_PASSWORD}):")
        for member in (members[0], members[2], members[7], members[-1]):
            self.stdout.write(
                f"  {member.email:32} {member.display_name} ({member.standing.label})"
            )

    @transaction.atomic
    def create_community(self, rng: random.Random) -> list[Member]:
        """Grow the community the way the rules allow: founders first, then newcomers
        vouched for by members who may vouch (founders, or two accepted vouches)."""
        now = timezone.now()
        ledger = VouchLedger()
        members = self.create_founders(now)
        self.create_newcomers(rng, members, ledger, now)
        self.vouch_across(rng, members, ledger, now)
        # The newest member has a single vouch they have not accepted yet: their standing
        # stays pending until they do.
        last = members[-1]
        Vouch.objects.filter(vouchee=last).update(status=Vouch.Status.PENDING, responded_at=None)
        self.create_invitations(rng, members, now)
        vouching_services.trust_graph_changed()
        return members

    def create_founders(self, now) -> list[Member]:
        # Two founders: with MIN_VOUCHES_TO_VOUCH = 2, a single founder could never give
        # anyone the second vouch they need before they may vouch themselves.
        founders = []
        for index, name in enumerate(NAMES[:2]):
            founder = vouching_services.founder_create(
                email=email_for(name), display_name=name, password=DEMO_PASSWORD
            )
            founder.date_joined = now - timedelta(days=420 - index)
            founder.avatar.save("a.jpg", avatar_image(index), save=False)
            founder.save()
            founders.append(founder)
        return founders

    def create_newcomers(
        self, rng: random.Random, members: list[Member], ledger: VouchLedger, now
    ) -> None:
        """The other names join one by one, each vouched for on the day they join."""
        # One hash for every demo login: hashing forty times takes half a minute.
        hashed = make_password(DEMO_PASSWORD)
        for index, name in enumerate(NAMES[2:], start=2):
            joined = now - timedelta(days=400 - index * 9)
            member = Member(
                email=email_for(name), display_name=name, date_joined=joined, password=hashed
            )
            if index % 4 != 3:
                member.avatar.save("a.jpg", avatar_image(index), save=False)
            member.save()
            EmailAddress.objects.create(
                user=member, email=member.email, primary=True, verified=True
            )
            # Friends bring in friends: one to three of the people who joined recently
            # and may vouch, vouch for the newcomer.
            recent = [m for m in members[-10:] if ledger.may_vouch(m, joined)] or members[:2]
            count = min(len(recent), rng.choice([1, 2, 2, 3]))
            for voucher in rng.sample(recent, k=count):
                self.vouch(rng, voucher, member, joined, accepted=True)
                ledger.record(voucher, member, joined, accepted=True)
            members.append(member)

    def vouch_across(
        self, rng: random.Random, members: list[Member], ledger: VouchLedger, now
    ) -> None:
        """Friends vouch across the community later on; some still await an answer."""
        for _ in range(40):
            voucher, vouchee = rng.sample(members[:-1], 2)
            when = max(voucher.date_joined, vouchee.date_joined) + timedelta(
                days=rng.randint(1, 30)
            )
            when = min(when, now - timedelta(hours=1))
            if not ledger.may_vouch(voucher, when):
                continue
            if Vouch.objects.active().given_by(voucher).received_by(vouchee).exists():
                continue
            accepted = rng.random() < 0.85
            self.vouch(rng, voucher, vouchee, when, accepted=accepted)
            ledger.record(voucher, vouchee, when, accepted=accepted)

    def create_invitations(self, rng: random.Random, members: list[Member], now) -> None:
        for inviter, invitee in ((members[0], "ana.ferreira"), (members[2], "kenji.mori")):
            fields = self.fields(rng, "Ana" if invitee.startswith("ana") else "Kenji")
            Invitation.objects.create(
                inviter=inviter,
                email=f"{invitee}@{DEMO_DOMAIN}",
                created_at=now - timedelta(days=2),
                expires_at=now + timedelta(days=12),
                sent_at=now - timedelta(days=2),
                **fields,
            )

    def create_dating(self, rng: random.Random, members: list[Member]) -> None:
        """Dating profiles with photos for most members (founders are matchmakers only),
        and a match with a few messages so the pages have something to show."""
        genders = {"w": "woman", "m": "man", "n": "nonbinary"}
        today = timezone.localdate()
        for index, member in enumerate(members[2:], start=2):
            if index % 7 == 5:
                continue  # a matchmaker only
            gender = genders[GENDERS[index]]
            if gender == "nonbinary":
                seeking = ["woman", "man", "nonbinary"]
            elif index % 9 == 4:
                seeking = [gender]
            else:
                seeking = ["man" if gender == "woman" else "woman"]
            age = rng.randint(24, 44)
            prompts = rng.sample(list(ANSWERS), k=2)
            matchmaking_services.profile_save(
                member=member,
                fields=ProfileFields(
                    birth_date=today - timedelta(days=int(age * 365.25) + rng.randint(1, 300)),
                    gender=gender,
                    seeking=seeking,
                    age_min=max(18, age - 8),
                    age_max=min(99, age + 8),
                    city=rng.choice(CITIES),
                    bio=rng.choice(BIOS),
                    reach=rng.choice(["2", "3", "3", "all"]),
                    hide_from_connections=index % 11 == 0,
                ),
                prompts=[(p, ANSWERS[p]) for p in prompts],
            )
            for photo in range(rng.choice([1, 2])):
                matchmaking_services.photo_add(
                    member=member, upload=avatar_image(index * 7 + photo, 640)
                )
        # The second login printed gets a match and a first message.
        lena = Profile.objects.get(member=members[2])
        for other in Profile.objects.exclude(pk=lena.pk).select_related("member"):
            if other.city_key == lena.city_key and compatible(viewer=lena, other=other):
                matchmaking_services.reaction_interest(actor=other.member, target=lena.member)
                match = matchmaking_services.reaction_interest(
                    actor=lena.member, target=other.member
                )
                matchmaking_services.message_send(
                    match=match, sender=other.member, body="Hi Lena! Mei says you love hiking too."
                )
                break

    def fields(self, rng: random.Random, first_name: str) -> dict:
        if rng.random() < 0.15:
            statement = rng.choice(CHINESE_STATEMENTS)
        else:
            statement = (
                f"{rng.choice(HOW_WE_MET)}. {first_name} {rng.choice(QUALITIES)}. "
                f"{rng.choice(CLOSINGS)}"
            )
        return {
            "relationship": rng.choice(Relationship.values),
            "known_for": rng.choice(KnownFor.values),
            "strength": rng.choice([1, 2, 2, 3, 3]),
            "statement": statement,
        }

    def vouch(self, rng, voucher, vouchee, when, *, accepted):
        Vouch.objects.create(
            voucher=voucher,
            vouchee=vouchee,
            created_at=when,
            status=Vouch.Status.ACCEPTED if accepted else Vouch.Status.PENDING,
            responded_at=when + timedelta(hours=rng.randint(1, 48)) if accepted else None,
            **self.fields(rng, vouchee.display_name.split()[0]),
        )
