"""Word lists and text templates for the demo org: departments, offices, names, goals.

Plain data only; `loaders.demo_org` draws from it with a seeded random generator. Goal texts
are written the way people talk about their development ("get better at presenting to
executives"), never copied from taxonomy labels, so the goal mapper has real work to do.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Department:
    name: str
    weight: float  # share of the org
    role: str  # the individual-contributor job title
    groups: tuple[str, ...]  # ESCO skill-group codes its skills are drawn from (with subgroups)
    learn: tuple[str, ...]  # things people here want to learn ("learn how to ...")
    # ESCO groups span every occupation ("monitoring" covers larvae and servers alike); skills
    # whose label has one of these words are preferred, so an engineer gets engineering skills
    keywords: tuple[str, ...] = ()


DEPARTMENTS: tuple[Department, ...] = (
    Department(
        "Engineering",
        0.27,
        "Software Engineer",
        ("S5.1", "S5.2", "S5.6", "K0611", "K0612", "K0613", "K0619"),
        (
            "design services that keep working under ten times today's load",
            "write cleaner, better-tested code",
            "run an incident review without blaming anyone",
            "understand where our cloud bill comes from",
            "move from backend work into machine learning",
            "review other people's code kindly and quickly",
            "break a big migration into safe small steps",
        ),
        keywords=(
            "software",
            "program",
            "coding",
            "system",
            "network",
            "database",
            "cloud",
            "ict",
            "computer",
            "web",
            "debug",
            "algorithm",
            "develop",
            "test",
            "security",
            "integration",
            "version control",
            "java",
            "python",
            "sql",
            "linux",
            "devops",
        ),
    ),
    Department(
        "Data & Analytics",
        0.07,
        "Data Analyst",
        ("S5.5", "S2.7", "S2.4", "K054", "K0612"),
        (
            "turn messy spreadsheets into a dashboard people trust",
            "explain a regression model to someone who hates maths",
            "set up experiments that give a clear answer",
            "build my first forecasting model",
        ),
        keywords=(
            "data",
            "statistic",
            "analys",
            "model",
            "database",
            "forecast",
            "visualis",
            "mining",
            "machine learning",
            "query",
            "report",
        ),
    ),
    Department(
        "Product",
        0.06,
        "Product Manager",
        ("S4.1", "S2.1", "S1.8", "S1.5", "K0413"),
        (
            "write a product strategy the whole company can follow",
            "talk to customers without leading them to my answer",
            "decide what not to build",
            "run a discovery sprint from start to finish",
        ),
        keywords=(
            "product",
            "strategy",
            "market",
            "customer",
            "requirement",
            "project",
            "business",
            "user",
            "stakeholder",
            "objective",
        ),
    ),
    Department(
        "Sales",
        0.15,
        "Account Executive",
        ("S1.6", "S1.1", "S1.2", "K0416", "S3.4"),
        (
            "negotiate vendor contracts without leaving money on the table",
            "close larger enterprise deals",
            "build a pipeline forecast I can defend in front of the board",
            "handle price objections calmly",
            "open doors in a new market abroad",
        ),
        keywords=(
            "sale",
            "sell",
            "customer",
            "client",
            "negotiat",
            "contract",
            "account",
            "deal",
            "price",
            "pricing",
            "commercial",
            "tender",
            "business relationship",
        ),
    ),
    Department(
        "Marketing",
        0.08,
        "Marketing Specialist",
        ("K0414", "S1.4", "S1.6", "S2.9", "S5.6"),
        (
            "plan a product launch campaign end to end",
            "write copy that people actually read",
            "measure which channels really bring customers",
            "grow our brand on social media",
        ),
        keywords=(
            "market",
            "brand",
            "campaign",
            "advertis",
            "promot",
            "social media",
            "content",
            "public relations",
            "media",
            "communication",
        ),
    ),
    Department(
        "Finance",
        0.07,
        "Financial Analyst",
        ("K0411", "K0412", "S2.6", "S4.3", "S2.2"),
        (
            "build a budget model the business units can use themselves",
            "understand tax rules for our new subsidiaries",
            "present the quarterly numbers as a story",
            "automate the month-end close",
        ),
        keywords=(
            "financ",
            "account",
            "budget",
            "tax",
            "audit",
            "cost",
            "invoice",
            "payment",
            "fiscal",
            "statement",
            "investment",
            "risk",
        ),
    ),
    Department(
        "People & HR",
        0.06,
        "HR Business Partner",
        ("S4.7", "S4.6", "S3.1", "S1.3", "K0413"),
        (
            "run fair and structured hiring interviews",
            "coach managers through a reorganisation",
            "design an onboarding programme people remember",
            "handle a conflict between two colleagues well",
        ),
        keywords=(
            "staff",
            "employee",
            "recruit",
            "train",
            "coach",
            "human resource",
            "personnel",
            "hire",
            "hiring",
            "interview",
            "team",
            "mentor",
            "career",
            "conflict",
        ),
    ),
    Department(
        "Operations",
        0.10,
        "Operations Coordinator",
        ("S4.2", "S4.4", "S2.8", "K0417", "S6.1"),
        (
            "plan capacity for the busy season",
            "cut the time orders spend waiting in the warehouse",
            "run a supplier review that changes something",
            "bring lean methods to my team",
        ),
        keywords=(
            "logistic",
            "supply",
            "operation",
            "inventory",
            "warehouse",
            "schedule",
            "procure",
            "quality",
            "process",
            "stock",
            "shipment",
            "supplier",
            "vendor",
        ),
    ),
    Department(
        "Legal",
        0.04,
        "Legal Counsel",
        ("K0421", "S1.5", "S2.2", "S1.1"),
        (
            "draft contracts that the sales team can read",
            "keep up with data protection rules in several countries",
            "advise the board on risk in plain words",
        ),
        keywords=(
            "law",
            "legal",
            "legislation",
            "regulat",
            "contract",
            "compliance",
            "policy",
            "litigation",
            "intellectual property",
            "data protection",
        ),
    ),
    Department(
        "Customer Support",
        0.10,
        "Support Specialist",
        ("S3.4", "S1.7", "S1.9", "S2.3"),
        (
            "calm down an angry customer on the phone",
            "turn support tickets into product feedback",
            "write help articles that answer the question",
            "lead a support team across time zones",
        ),
        keywords=(
            "customer",
            "client",
            "complaint",
            "support",
            "service",
            "request",
            "inquir",
            "help",
            "call",
            "satisfaction",
        ),
    ),
)
# Drawn on top of every department's skills: transversal and communication skills.
COMMON_GROUPS: tuple[str, ...] = ("T", "S1.4", "S1.8", "S4.5")
COMMON_KEYWORDS: tuple[str, ...] = (
    "team",
    "communicat",
    "present",
    "time",
    "feedback",
    "negotiat",
    "lead",
    "problem",
    "critical",
    "adapt",
    "plan",
    "learn",
    "digital",
    "collaborat",
    "motivat",
    "decision",
    "report",
)

SOFT = (
    "presenting to executives",
    "giving difficult feedback",
    "running meetings that end with a decision",
    "writing clear project proposals",
    "managing my time across too many projects",
    "saying no to low-priority requests",
    "speaking at conferences",
    "explaining technical ideas to non-technical people",
    "delegating instead of doing everything myself",
    "staying calm under pressure",
    "building trust with a remote team",
    "networking outside my own team",
)
CAREER = (
    "move into a people-lead role next year",
    "prepare for a senior title within eighteen months",
    "lead a cross-team project from start to finish",
    "spend six months on a rotation in another department",
    "go back to hands-on work after years in management",
    "get ready to own a budget for the first time",
    "become the person my team asks about our architecture",
    "find my footing as a new manager",
    "plan a move to one of our offices abroad",
    "switch into product management",
)
LEARN_FORMS = ("learn how to {x}", "find out how to {x}", "be able to {x}")
SOFT_FORMS = ("get better at {x}", "become more confident {x}", "improve at {x}")
PREFIXES = ("", "", "I want to ", "I'd like to ", "This year I want to ", "Goal: ")


@dataclass(frozen=True)
class Office:
    city: str
    timezone: str
    languages: tuple[str, ...]
    region: str  # key into NAMES
    continent: str
    weight: float


OFFICES: tuple[Office, ...] = (
    Office("Berlin", "Europe/Berlin", ("de", "en"), "europe", "Europe", 0.10),
    Office("London", "Europe/London", ("en",), "europe", "Europe", 0.09),
    Office("Paris", "Europe/Paris", ("fr", "en"), "europe", "Europe", 0.05),
    Office("Madrid", "Europe/Madrid", ("es", "en"), "europe", "Europe", 0.04),
    Office("Warsaw", "Europe/Warsaw", ("pl", "en"), "europe", "Europe", 0.05),
    Office("New York", "America/New_York", ("en",), "americas", "North America", 0.09),
    Office("San Francisco", "America/Los_Angeles", ("en",), "americas", "North America", 0.07),
    Office("Toronto", "America/Toronto", ("en", "fr"), "americas", "North America", 0.04),
    Office("Chicago", "America/Chicago", ("en",), "americas", "North America", 0.03),
    Office("São Paulo", "America/Sao_Paulo", ("pt", "en"), "latam", "South America", 0.05),
    Office("Mexico City", "America/Mexico_City", ("es", "en"), "latam", "North America", 0.03),
    Office("Bangalore", "Asia/Kolkata", ("en", "hi"), "asia", "Asia", 0.08),
    Office("Singapore", "Asia/Singapore", ("en", "zh"), "asia", "Asia", 0.05),
    Office("Tokyo", "Asia/Tokyo", ("ja", "en"), "asia", "Asia", 0.04),
    Office("Dubai", "Asia/Dubai", ("ar", "en"), "asia", "Asia", 0.02),
    Office("Nairobi", "Africa/Nairobi", ("en", "sw"), "africa", "Africa", 0.03),
    Office("Lagos", "Africa/Lagos", ("en",), "africa", "Africa", 0.03),
    Office("Cape Town", "Africa/Johannesburg", ("en", "af"), "africa", "Africa", 0.02),
    Office("Sydney", "Australia/Sydney", ("en",), "oceania", "Oceania", 0.04),
)
EXTRA_LANGUAGES = ("en", "es", "fr", "de", "pt", "zh", "hi", "ar", "ja", "it", "nl", "pl")

# fmt: off
NAMES: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "europe": (
        ("Anna", "Lukas", "Sofia", "Jonas", "Emma", "Mateo", "Clara", "Piotr", "Léa", "Hugo",
         "Marta", "Felix", "Ines", "Oliver", "Zofia", "Luca", "Amelia", "Noah", "Elena", "Karim"),
        ("Müller", "Schmidt", "Dubois", "García", "Nowak", "Rossi", "Smith", "Jones", "Martin",
         "Kowalski", "Fernández", "Weber", "Bernard", "Taylor", "Wójcik", "Fischer", "Moreau",
         "Brown", "López", "Becker"),
    ),
    "americas": (
        ("James", "Olivia", "Liam", "Ava", "Ethan", "Mia", "Lucas", "Harper", "Mason", "Chloe",
         "Aiden", "Zoe", "Jayden", "Nora", "Caleb", "Maya", "Owen", "Layla", "Wyatt", "Aaliyah"),
        ("Johnson", "Williams", "Miller", "Davis", "Wilson", "Anderson", "Thomas", "Jackson",
         "White", "Harris", "Clark", "Lewis", "Walker", "Young", "King", "Wright", "Scott",
         "Green", "Baker", "Nguyen"),
    ),
    "latam": (
        ("João", "Maria", "Pedro", "Ana", "Gabriel", "Julia", "Rafael", "Beatriz", "Diego",
         "Camila", "Santiago", "Valentina", "Mateus", "Larissa", "Andrés", "Fernanda", "Bruno",
         "Isabela", "Tomás", "Renata"),
        ("Silva", "Santos", "Oliveira", "Souza", "Pereira", "Costa", "Rodrigues", "Almeida",
         "Hernández", "González", "Ramírez", "Torres", "Flores", "Rivera", "Gómez", "Díaz",
         "Carvalho", "Ribeiro", "Mendoza", "Castro"),
    ),
    "asia": (
        ("Aarav", "Priya", "Wei", "Mei", "Hiroshi", "Yuki", "Arjun", "Ananya", "Jun", "Li",
         "Rohan", "Sakura", "Omar", "Fatima", "Kenji", "Aisha", "Vikram", "Xin", "Haruto",
         "Noor"),
        ("Sharma", "Patel", "Tan", "Lim", "Sato", "Suzuki", "Gupta", "Iyer", "Wang", "Chen",
         "Takahashi", "Reddy", "Khan", "Al-Farsi", "Tanaka", "Ng", "Singh", "Zhang", "Kato",
         "Rahman"),
    ),
    "africa": (
        ("Amara", "Kwame", "Zainab", "Tendai", "Chidi", "Wanjiru", "Sipho", "Nia", "Tunde",
         "Ayodele", "Kofi", "Imani", "Thabo", "Adaeze", "Baraka", "Lerato", "Femi", "Akinyi",
         "Musa", "Naledi"),
        ("Okafor", "Mensah", "Kamau", "Ndlovu", "Adeyemi", "Otieno", "Dlamini", "Mwangi",
         "Eze", "Nkosi", "Owusu", "Achieng", "Balogun", "Mokoena", "Abubakar", "Wambui",
         "Chukwu", "Khumalo", "Oduya", "Banda"),
    ),
    "oceania": (
        ("Jack", "Charlotte", "William", "Isla", "Henry", "Ruby", "Leo", "Matilda", "Archie",
         "Grace", "Hunter", "Willow", "Cooper", "Sienna", "Riley", "Ivy", "Tane", "Aroha",
         "Kai", "Mia"),
        ("Smith", "Jones", "Williams", "Brown", "Wilson", "Taylor", "Anderson", "Thompson",
         "Nguyen", "Thomas", "Walker", "Harris", "Lee", "Ryan", "Robinson", "Kelly", "King",
         "Ngata", "Parata", "Campbell"),
    ),
}
# fmt: on

FORMATS = ("video", "in_person", "async")
FUNCTIONS = ("any", "any", "any", "cross", "cross", "same")
ATTRIBUTE_GROUPS = ("group-a", "group-b", "group-c", "group-d")
PROGRAMS = ("2026-autumn", "2026-spring")
