"""Names and places for the sample datasets (a humanitarian deployment in LK, NP and KE)."""

from __future__ import annotations

# country -> (name, lat, lon, {district: (lat, lon, [towns])})
PLACES: dict[str, tuple[str, float, float, dict[str, tuple[float, float, list[str]]]]] = {
    "LK": (
        "Sri Lanka",
        7.87,
        80.77,
        {
            "Colombo": (6.93, 79.85, ["Colombo", "Dehiwala-Mount Lavinia", "Moratuwa"]),
            "Galle": (6.05, 80.22, ["Galle", "Hikkaduwa", "Ambalangoda"]),
            "Batticaloa": (7.73, 81.70, ["Batticaloa", "Kattankudy", "Eravur"]),
            "Ampara": (7.30, 81.67, ["Ampara", "Kalmunai"]),
        },
    ),
    "NP": (
        "Nepal",
        28.39,
        84.12,
        {
            "Kathmandu": (27.71, 85.32, ["Kathmandu", "Kirtipur", "Budhanilkantha"]),
            "Gorkha": (28.00, 84.63, ["Gorkha", "Barpak"]),
            "Sindhupalchok": (27.95, 85.68, ["Chautara", "Melamchi"]),
        },
    ),
    "KE": (
        "Kenya",
        -0.02,
        37.91,
        {
            "Nairobi": (-1.29, 36.82, ["Kibera", "Westlands", "Embakasi"]),
            "Turkana": (3.12, 35.60, ["Lodwar", "Kakuma"]),
            "Mombasa": (-4.04, 39.67, ["Likoni", "Nyali"]),
        },
    ),
}

# Towns that only the field instance (OTHER) knows: (country, district, town).
NEW_TOWNS = [("LK", "Batticaloa", "Valaichchenai"), ("NP", "Gorkha", "Laprak")]
BROKEN_TOWN = ("KE", "Turkana", "Kalobeyei")

# (name, acronym, country or None, website, year)
ORGANISATIONS = [
    ("Sri Lanka Red Cross Society", "SLRCS", "LK", "https://www.redcross.lk", 1936),
    ("Sarvodaya Shramadana Movement", "Sarvodaya", "LK", "https://www.sarvodaya.org", 1958),
    ("Nepal Red Cross Society", "NRCS", "NP", "https://nrcs.org", 1963),
    ("Kenya Red Cross Society", "KRCS", "KE", "https://www.redcross.or.ke", 1965),
    ("World Food Programme", "WFP", None, "https://www.wfp.org", 1961),
    ("United Nations Children's Fund", "UNICEF", None, "https://www.unicef.org", 1946),
    ("Médecins Sans Frontières", "MSF", None, "https://www.msf.org", 1971),
    ("Oxfam International", "Oxfam", None, "https://www.oxfam.org", 1942),
    ("International Organization for Migration", "IOM", None, "https://www.iom.int", 1951),
    ("CARE International", "CARE", None, "https://www.care-international.org", 1945),
    ("Save the Children", "SC", None, "https://www.savethechildren.net", 1919),
]

FIRST_NAMES = {
    "LK": {
        2: ["Nimali", "Kumari", "Dilani", "Tharushi", "Fathima", "Priyanka", "Sanduni", "Kavitha"],
        3: ["Kasun", "Nuwan", "Ruwan", "Mohamed", "Suresh", "Chaminda", "Tharindu", "Rajan"],
    },
    "NP": {
        2: ["Sita", "Gita", "Sunita", "Pasang", "Anjali", "Kamala", "Sabina", "Laxmi"],
        3: ["Ram", "Bikash", "Suman", "Dorje", "Prakash", "Nabin", "Rajesh", "Tenzing"],
    },
    "KE": {
        2: ["Wanjiru", "Akinyi", "Njeri", "Amina", "Achieng", "Nafula", "Chebet", "Mumbua"],
        3: ["Otieno", "Kamau", "Mwangi", "Kiprono", "Ochieng", "Hassan", "Wafula", "Ekai"],
    },
}

LAST_NAMES = {
    "LK": [
        "Perera",
        "Fernando",
        "Silva",
        "Jayasuriya",
        "Rajapaksha",
        "Wickramasinghe",
        "Bandara",
        "Sivakumar",
        "Rahman",
        "Dissanayake",
        "Gunawardena",
        "Thevarajah",
    ],
    "NP": [
        "Shrestha",
        "Tamang",
        "Gurung",
        "Sherpa",
        "Thapa",
        "Adhikari",
        "Magar",
        "Rai",
        "Karki",
        "Poudel",
        "Maharjan",
        "Lama",
    ],
    "KE": [
        "Odhiambo",
        "Mwangi",
        "Kiprop",
        "Wanjala",
        "Otieno",
        "Njoroge",
        "Mohamed",
        "Ekiru",
        "Chepkoech",
        "Kariuki",
        "Omondi",
        "Lokwang",
    ],
}

PHONE_PREFIX = {"LK": "+94 77", "NP": "+977 98", "KE": "+254 72"}
STREETS = {
    "LK": ["Galle Road", "Temple Road", "Station Road", "Main Street", "Lake Drive"],
    "NP": ["Durbar Marg", "Ring Road", "Bagmati Marg", "Thamel Marg", "Chabahil Road"],
    "KE": ["Moi Avenue", "Kenyatta Road", "Ngong Road", "Airport Road", "Market Street"],
}

COMMENTS = [
    "Volunteer, first aid trained",
    "Registered at distribution point",
    "Needs follow-up visit",
    "Household of five, two children under five",
    "Team leader for WASH assessment",
    "Displaced after floods",
    "Speaks Tamil and English",
    "Shelter kit received",
    None,
    None,
]
