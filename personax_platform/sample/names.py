"""Fictional names and the country table the generator draws nationalities from.

Every surname is *composed* from two parts (a root and an ending) written for this module, so the generator never
reproduces a real person's name by design: "Jörg Waldmüller", "Łukasz Brzęczak", "Íñigo Cañedo", "Søren Sjövik",
"Çağlar Özkaya". Given names are ordinary given names (a given name alone identifies nobody). Which part lists are
used follows the person's nationality through a "culture" (CULTURES_BY_COUNTRY).
"""
from __future__ import annotations

import numpy as np

# alpha-2 -> (countryinfo name, alpha-3, countryinfo demonym, latitude, longitude).
# Latitude/longitude are the `countryinfo` reference points, i.e. exactly what the bios normaliser derives from the
# canonical alpha-2 code (tests/sample checks this table against the installed countryinfo).
COUNTRIES: dict[str, tuple[str, str, str, float, float]] = {
    "US": ("United States", "USA", "American", 38, -97),
    "CA": ("Canada", "CAN", "Canadian", 60, -95),
    "GB": ("United Kingdom", "GBR", "British", 54, -2),
    "IE": ("Ireland", "IRL", "Irish", 53, -8),
    "AU": ("Australia", "AUS", "Australian", -27, 133),
    "NZ": ("New Zealand", "NZL", "New Zealander", -41, 174),
    "ZA": ("South Africa", "ZAF", "South African", -29, 24),
    "JM": ("Jamaica", "JAM", "Jamaican", 17.971389, -76.793056),
    "FR": ("France", "FRA", "French", 46, 2),
    "BE": ("Belgium", "BEL", "Belgian", 50.83333333, 4),
    "CH": ("Switzerland", "CHE", "Swiss", 47, 8),
    "DE": ("Germany", "DEU", "German", 51, 9),
    "AT": ("Austria", "AUT", "Austrian", 47.33333333, 13.33333333),
    "NL": ("Netherlands", "NLD", "Dutch", 52.5, 5.75),
    "DK": ("Denmark", "DNK", "Danish", 56, 10),
    "SE": ("Sweden", "SWE", "Swedish", 62, 15),
    "NO": ("Norway", "NOR", "Norwegian", 62, 10),
    "FI": ("Finland", "FIN", "Finnish", 64, 26),
    "IS": ("Iceland", "ISL", "Icelander", 65, -18),
    "PL": ("Poland", "POL", "Polish", 52, 20),
    "CZ": ("Czech Republic", "CZE", "Czech", 49.75, 15.5),
    "SK": ("Slovakia", "SVK", "Slovak", 48.66666666, 19.5),
    "HU": ("Hungary", "HUN", "Hungarian", 47, 20),
    "RU": ("Russia", "RUS", "Russian", 60, 100),
    "UA": ("Ukraine", "UKR", "Ukrainian", 49, 32),
    "BY": ("Belarus", "BLR", "Belarusian", 53, 28),
    "KZ": ("Kazakhstan", "KAZ", "Kazakhstani", 48, 68),
    "LV": ("Latvia", "LVA", "Latvian", 57, 25),
    "LT": ("Lithuania", "LTU", "Lithuanian", 56, 24),
    "EE": ("Estonia", "EST", "Estonian", 59, 26),
    "SI": ("Slovenia", "SVN", "Slovene", 46.11666666, 14.81666666),
    "HR": ("Croatia", "HRV", "Croatian", 45.16666666, 15.5),
    "RS": ("Serbia", "SRB", "Serbian", 44.016521, 21.005859),
    "ME": ("Montenegro", "MNE", "Montenegrin", 42.7044223, 19.3957785),
    "GR": ("Greece", "GRC", "Greek", 39, 22),
    "TR": ("Turkey", "TUR", "Turkish", 39, 35),
    "ES": ("Spain", "ESP", "Spanish", 40, -4),
    "PT": ("Portugal", "PRT", "Portuguese", 39.5, -8),
    "IT": ("Italy", "ITA", "Italian", 42.83333333, 12.83333333),
    "AR": ("Argentina", "ARG", "Argentinean", -34, -64),
    "BR": ("Brazil", "BRA", "Brazilian", -10, -55),
    "UY": ("Uruguay", "URY", "Uruguayan", -33, -56),
    "CL": ("Chile", "CHL", "Chilean", -30, -71),
    "CO": ("Colombia", "COL", "Colombian", 4, -72),
    "MX": ("Mexico", "MEX", "Mexican", 23, -102),
    "VE": ("Venezuela", "VEN", "Venezuelan", 8, -66),
    "PE": ("Peru", "PER", "Peruvian", -10, -76),
    "NG": ("Nigeria", "NGA", "Nigerian", 10, 8),
    "GH": ("Ghana", "GHA", "Ghanaian", 8, -2),
    "CM": ("Cameroon", "CMR", "Cameroonian", 6, 12),
    "SN": ("Senegal", "SEN", "Senegalese", 14, -14),
    "CI": ("Ivory Coast", "CIV", "Ivorian", 8, -5),
    "ML": ("Mali", "MLI", "Malian", 17, -4),
    "MA": ("Morocco", "MAR", "Moroccan", 32, -5),
    "DZ": ("Algeria", "DZA", "Algerian", 28, 3),
    "TN": ("Tunisia", "TUN", "Tunisian", 34, 9),
    "EG": ("Egypt", "EGY", "Egyptian", 27, 30),
    "JP": ("Japan", "JPN", "Japanese", 36, 138),
    "KR": ("South Korea", "KOR", "South Korean", 37, 127.5),
    "CN": ("China", "CHN", "Chinese", 35, 105),
    "IN": ("India", "IND", "Indian", 20, 77),
    "IL": ("Israel", "ISR", "Israeli", 31.5, 34.75),
}

# British home nations: (name, demonym). Players of these nations are coded GB (config country_aliases).
HOME_NATIONS: dict[str, tuple[str, str]] = {
    "ENG": ("England", "English"),
    "SCO": ("Scotland", "Scottish"),
    "WAL": ("Wales", "Welsh"),
    "NIR": ("Northern Ireland", "Northern Irish"),
}
HOME_NATION_WEIGHTS = {"ENG": 0.78, "SCO": 0.12, "WAL": 0.06, "NIR": 0.04}

# Name-part lists, one per culture: male given, female given, surname roots, surname endings. Space separated.
_PARTS: dict[str, tuple[str, str, str, str]] = {
    "anglo": (
        "James Tyler Marcus Darnell Cody Brent Owen Calvin Reggie Trent Dale Jalen Devin Wade Griffin Colby Tanner "
        "Desmond Rory Keegan Nolan Landon Quentin Malik Troy Garrett Beau Emmett",
        "Maren Delia Tamsin Brynn Carys Imogen Harriet Shelby Kendra Rosalind Paige Tessa Lorna Willa Eliza Greer "
        "Noelle Annika Jolene Marisa",
        "Ash Brack Cald Dun Fair Hal Kin Quill Marr Fen Pell Thorn Whit Wy Hask Tolla Crom Bram Gale Sel Lark Oak",
        "ford wick ley ton more field worth by well ridge sby ham stead brook cott lowe mere den",
    ),
    "german": (
        "Jörg Jürgen Lukas Matthias Björn Sönke Till Malte Florian Timo Jonas Niklas Götz Ruven Bastian Jannik Kai "
        "Joscha Hendrik Lennart",
        "Jördis Anke Frauke Sünje Liesel Mareike Wiebke Henrike Ilka Gesine Jule Käthe",
        "Wald Kessel Ober Brenn Hoh Lind Stein Fels Grün Thal Eich Schwarz Mühl Kröt Rössl Tann Hag Strö Wend",
        "müller bauer meier hofer bach berger brück dörfer hausen mann huber wälder schmied köpfer lein rieder",
    ),
    "dutch": (
        "Daan Sem Joost Thijs Bram Jasper Wout Stijn Niels Teun Ruben Gijs",
        "Femke Sanne Lieke Maartje Noor Ilse Fleur Anouk",
        "Brug Veld Hoog Kroon Wester Oost Meul Vliet Smed Gras Dijk",
        "kamp hout stra ink horst man beek sma inga hof",
    ),
    "french": (
        "François Théo Jérôme Cédric Loïc Maël Noël Gaëtan Rémi Aurélien Benoît Mathéo Corentin Étienne Hugo Bastien",
        "Hélène Aurélie Maëlle Noémie Cécile Léa Solène Inès Gaëlle Océane Zoé Mélodie",
        "Beau Char Del Dur Fon Lam Mar Mon Ros Val Roch Bel Cour Ver Tré",
        "champ lière ançon ette vert mont fort ville bois lac morin rand seau nay",
    ),
    "spanish": (
        "Íñigo Álvaro Joaquín Martín Sebastián Nicolás Ramón Ángel Julián Rodrigo Mateo Gonzalo Emiliano Tomás "
        "Agustín Facundo",
        "Inés Lucía Begoña Ximena Nuria Ángela Maite Rocío Catalina Valentina Pilar Abril",
        "Peña Ibá Cañ Montal Villa Ríos Cor Ordó Zaba Arrie Echa Gal Ses Tolo Ur",
        "ñez edo ero ales anda ares oza ibar uela astre ián arro",
    ),
    "portuguese": (
        "João Gonçalo Thiago Rodrigo Caio Luís Vinícius Anderson Rúben Otávio Fábio Matheus",
        "Conceição Luíza Thaís Joana Graça Bárbara Letícia Márcia",
        "Sal Cor Bran Fal Maga Ara Gui Lou Ton Piment Serr Bra",
        "ção rães eira inho ães ozo ado elo ela ante",
    ),
    "italian": (
        "Lorenzo Niccolò Matteo Federico Gianluca Tommaso Leonardo Davide Andrea Pietro Cosimo",
        "Chiara Giulia Beatrice Ilaria Benedetta Ludovica Marta Caterina",
        "Bel Cal Fer Mar Ross Tor Gal Pell Ven Cast Manz",
        "lini etti ucci one ari ello asso ieri otti",
    ),
    "nordic": (
        "Bjørn Søren Øystein Jørgen Mikkel Henrik Anders Lasse Rasmus Oskar Åke Sigurd Espen Viggo",
        "Åsa Sølvi Ingrid Liv Maja Siri Ylva Astrid Tove Hedda",
        "Lind Berg Sjö Ek Fjell Dahl Holm Strøm Ny Ås Skår Vål Ør",
        "qvist gren ström stad lund bø vik rud heim skog nes dal",
    ),
    "finnish": (
        "Eetu Joonas Aleksi Väinö Teemu Aatu Onni Lauri Jere Ville",
        "Aino Sanni Venla Iida Kerttu Helmi",
        "Mäki Kos Vir Lah Häm Kiv Suo Pel Rä Jär",
        "nen lainen mäki talo järvi oja koski vaara",
    ),
    "polish": (
        "Łukasz Paweł Michał Wojciech Grzegorz Bartłomiej Jędrzej Kacper Przemysław Mikołaj Stanisław",
        "Małgorzata Agnieszka Żaneta Jadwiga Bożena Łucja Grażyna",
        "Wój Krzy Brzę Sło Mazł Gór Ście Żyw Dąb Kowa Pęd Szcz",
        "czak owski ewicz ński ak iec yński ała uszko",
    ),
    "czech": (
        "Jiří Tomáš Lukáš Ondřej Radek Vojtěch Matěj Dominik Štěpán Bořek",
        "Zuzana Kateřina Lenka Tereza Markéta Šárka",
        "Dvo Kře Ho Ne Stra Vese Hrá Pe Ří Že",
        "ák ček ný říček houš šek ába ínek",
    ),
    "russian": (
        "Dmitri Artyom Nikita Kirill Yegor Maksim Ilya Timur Semyon Arseni Yaroslav",
        "Anastasia Olga Yekaterina Darya Polina Kseniya Alyona",
        "Zhuk Volk Beloz Kras Tarkh Sol Grom Lyub Sev Ryab Kuz",
        "ov ev in sky enko anov ichev ykin",
    ),
    "baltic": (
        "Mantas Žygimantas Kristaps Rūdolfs Aigars Dainius Ričards Tadas",
        "Rūta Ieva Agnė Līga Zane",
        "Kal Ber Straz Jur Vasil Pet Dzen Žal",
        "aitis auskas ėnas iņš ēns ulis",
    ),
    "southslavic": (
        "Nikola Luka Marko Dušan Božidar Stjepan Nemanja Žarko Vuk Tadej Ljubo",
        "Ivana Jelena Mirjana Nataša Milica Tijana",
        "Kova Bož Jank Mil Perk Drag Šar Stoj Rad Vuč",
        "ić ović ević ač ec inić",
    ),
    "greek": (
        "Giannis Nikos Kostas Stavros Thanasis Vangelis Spyros Achilleas",
        "Eleni Katerina Despina Zoi Ariadni",
        "Papa Kara Theo Anto Christo Vlach Mavro Sta",
        "poulos idis akis iadis opoulos atos",
    ),
    "turkish": (
        "Çağlar Emre Oğuz Mert Barış Selçuk Kerem Doğan Ömer Yiğit",
        "Çiğdem Gülşen Ayşe Elif Şebnem Özlem",
        "Çal Yıl Öz Kara Ak Demir Şen Gök Tunç Er",
        "dız can türk oğlu soy kaya taş baş",
    ),
    "hungarian": (
        "Ádám Bence Dániel Levente Zsolt Gergő Márton",
        "Réka Zsófia Boglárka Ildikó",
        "Szent Vár Bodo Kis Hal Mező Fü",
        "falvi házi ényi ősi kuti",
    ),
    "westafrican_en": (
        "Chukwuemeka Oluwaseun Tunde Emeka Adebayo Kwabena Kofi Nnamdi Yaw Obinna Femi",
        "Ngozi Adaeze Chiamaka Abena Folake Efua",
        "Okon Ade Ola Nwa Eze Ako Asa Oye Boa",
        "kwu bayo yemi nna chukwu ntwi fo kanmi teng",
    ),
    "westafrican_fr": (
        "Moussa Ibrahima Souleymane Yaya Cheikh Serge Lamine Abdoulaye Sékou Idrissa",
        "Aminata Fatou Awa Mariam Aïssatou Kadiatou",
        "Dia Ko Tra Ba Sa Kou Ndi Gue Tou",
        "mbé oré ssé kité gné aye ndou ré",
    ),
    "arabic": (
        "Youssef Karim Anis Mehdi Nabil Hakim Rayan Bilal Sofiane Walid",
        "Yasmin Leila Nour Salma Imane Rania",
        "Sal Haj Boul Azz Ham Ben Taj Zer Mes",
        "ami ouli edine ahi aoui ssi arbi",
    ),
    "japanese": (
        "Haruto Kenta Ryo Shota Daiki Yuto Sota Takumi Kaito Ren",
        "Yui Haruka Aoi Sakura Hina Mio Riko",
        "Taka Naka Mori Ishi Yama Fuji Kawa Shima Oga",
        "hara moto zawa mura gawa saki numa oka",
    ),
    "korean": (
        "Min-jun Seo-jun Ji-ho Do-yun Ha-joon Eun-woo Si-woo Jun-seo",
        "Ji-woo Seo-yeon Ha-eun Su-ah Ye-jin Da-eun",
        "Seo Yoon Baek Ryu Hwang Cheon Gyeong Nam",
        "-gang -won -seon -jin -hwa -do",
    ),
    "indian": (
        "Arjun Rohan Vikram Aditya Kabir Ishaan Siddharth Rahul Varun",
        "Priya Ananya Kavya Meera Ishita Diya Tanvi",
        "Raj Bhar Chand Desh Mal Sur Ved Nair Kul",
        "wani ekar dwaj ayya ani athe kar",
    ),
    "chinese": (
        "Wei Jun Hao Yichen Zihan Tao Bowen Haoran",
        "Xinyi Yutong Meiling Jiayi Ruoxi",
        "Zh Q L X J H Sh Ch",
        "ang uan eng ian ong iu",
    ),
    "hebrew": (
        "Noam Yonatan Itai Omer Eitan Amit Yoav",
        "Tamar Noa Shira Maya Yael",
        "Ben-Ar Ben-Dor Shal Gol Lev Av Tzur",
        "on ani ovitz iel ad",
    ),
}

CULTURES_BY_COUNTRY: dict[str, dict[str, float]] = {
    "US": {"anglo": 0.86, "spanish": 0.1, "westafrican_en": 0.04},
    "CA": {"anglo": 0.74, "french": 0.26},
    "GB": {"anglo": 1.0}, "IE": {"anglo": 1.0}, "AU": {"anglo": 1.0}, "NZ": {"anglo": 1.0},
    "ZA": {"anglo": 0.6, "dutch": 0.4}, "JM": {"anglo": 1.0},
    "FR": {"french": 0.85, "westafrican_fr": 0.1, "arabic": 0.05}, "BE": {"french": 0.5, "dutch": 0.5},
    "CH": {"german": 0.7, "french": 0.3}, "DE": {"german": 0.92, "turkish": 0.08}, "AT": {"german": 1.0},
    "NL": {"dutch": 1.0}, "DK": {"nordic": 1.0}, "SE": {"nordic": 1.0}, "NO": {"nordic": 1.0},
    "IS": {"nordic": 1.0}, "FI": {"finnish": 1.0}, "PL": {"polish": 1.0}, "CZ": {"czech": 1.0},
    "SK": {"czech": 1.0}, "HU": {"hungarian": 1.0}, "RU": {"russian": 1.0}, "UA": {"russian": 1.0},
    "BY": {"russian": 1.0}, "KZ": {"russian": 1.0}, "LV": {"baltic": 1.0}, "LT": {"baltic": 1.0},
    "EE": {"baltic": 1.0}, "SI": {"southslavic": 1.0}, "HR": {"southslavic": 1.0}, "RS": {"southslavic": 1.0},
    "ME": {"southslavic": 1.0}, "GR": {"greek": 1.0}, "TR": {"turkish": 1.0}, "ES": {"spanish": 1.0},
    "PT": {"portuguese": 1.0}, "BR": {"portuguese": 1.0}, "IT": {"italian": 1.0},
    "AR": {"spanish": 0.8, "italian": 0.2},
    "UY": {"spanish": 1.0}, "CL": {"spanish": 1.0}, "CO": {"spanish": 1.0}, "MX": {"spanish": 1.0},
    "VE": {"spanish": 1.0}, "PE": {"spanish": 1.0}, "NG": {"westafrican_en": 1.0}, "GH": {"westafrican_en": 1.0},
    "CM": {"westafrican_fr": 1.0}, "SN": {"westafrican_fr": 1.0}, "CI": {"westafrican_fr": 1.0},
    "ML": {"westafrican_fr": 1.0}, "MA": {"arabic": 1.0}, "DZ": {"arabic": 1.0}, "TN": {"arabic": 1.0},
    "EG": {"arabic": 1.0}, "JP": {"japanese": 1.0}, "KR": {"korean": 1.0}, "CN": {"chinese": 1.0},
    "IN": {"indian": 1.0}, "IL": {"hebrew": 1.0},
}

# Cultures whose part lists are rich in diacritics (used to plant diacritic names in the shipped sample).
DIACRITIC_CULTURES = ("german", "polish", "nordic", "czech", "turkish", "spanish")

_SPLIT = {c: tuple(tuple(p.split()) for p in parts) for c, parts in _PARTS.items()}


def _compose(culture: str, female: bool, rng: np.random.Generator) -> tuple[str, str]:
    male_given, female_given, roots, endings = _SPLIT[culture]
    given_pool = female_given if female else male_given
    given = given_pool[rng.integers(len(given_pool))]
    root = roots[rng.integers(len(roots))]
    ending = endings[rng.integers(len(endings))]
    surname = root + ending
    if culture == "korean":  # "Seo" + "-gang" -> given "Ji-ho", family "Seo": Western order, family last
        surname = root
        given = given if rng.random() < 0.7 else given.split("-")[0] + ending
    elif culture == "dutch" and rng.random() < 0.4:
        surname = ("van " if rng.random() < 0.6 else "de ") + surname
    elif culture == "arabic" and rng.random() < 0.35:
        surname = ("El " if rng.random() < 0.5 else "Ben ") + surname
    elif culture == "spanish" and rng.random() < 0.25:
        surname = surname + " " + roots[rng.integers(len(roots))] + endings[rng.integers(len(endings))]
    return given, surname


def draw_name(culture: str, female: bool, rng: np.random.Generator, taken: set[str]) -> tuple[str, str]:
    """A (given, family) pair whose full name is not in `taken` (the name is added to it)."""
    for _ in range(30):
        given, family = _compose(culture, female, rng)
        if f"{given} {family}" not in taken:
            break
    else:  # crowded culture: a middle initial keeps names unique
        letters = "ABCDEFGHJKLMNPRSTVW"
        while f"{given} {family}" in taken:
            given = f"{given.split(' ')[0]} {letters[rng.integers(len(letters))]}."
    taken.add(f"{given} {family}")
    return given, family


def pick_culture(country: str, rng: np.random.Generator) -> str:
    options = CULTURES_BY_COUNTRY[country]
    names = list(options)
    p = np.array([options[c] for c in names], dtype=float)
    return names[rng.choice(len(names), p=p / p.sum())]
