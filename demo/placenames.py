"""Made-up school names and postcodes: the words the GIAS sample (scripts/make_gias_sample.py)
and the generated network (demo/vocabulary.py) both draw from.

Plain Python with no Django import, so that a script can use it without settings.
"""

PLACES = (
    "Oakfield", "Meadowbank", "Riverside", "Hillcrest", "Brookside", "Ashgrove", "Willowbrook",
    "Elmwood", "Beechwood", "Hazelmere", "Fernhill", "Larkrise", "Kingfisher", "Highfield",
    "Greenacres", "Millbrook", "Foxhill", "Southgate", "Northfield", "Westbury", "Eastfield",
    "Church Lane", "Park View", "Woodside", "Lakeside", "Heathfield", "Orchard", "Thornbury",
    "Stonebridge", "Springfield", "Cherry Tree", "Rowan", "Holly Bank", "Moorland", "Castle Hill",
    "Harbour View", "Mill Lane", "Queensway", "Victoria Park", "Linden", "Redwood", "Bluebell",
    "Sandfield", "Clayfield", "Whitecross", "Blackthorn", "Silverdale", "Primrose Hill",
)  # fmt: skip
SAINTS = ("St Mary's", "St John's", "St Anne's", "St Peter's", "St Joseph's", "Holy Trinity",
          "Christ Church", "St Aidan's", "St Bede's", "St Michael's", "All Saints")  # fmt: skip
PRIMARY_KINDS = ("Primary School", "Primary School", "Primary Academy", "Infant School",
                 "Junior School", "Community Primary School", "CE Primary School",
                 "Catholic Primary School")  # fmt: skip
SECONDARY_KINDS = ("Academy", "High School", "School", "Community College", "Secondary School")

# Postcode areas by GIAS region letter (GOR code): England's nine, Wales and overseas.
POSTCODE_AREAS = {
    "A": ("NE", "DH", "SR", "TS", "DL"),
    "B": ("M", "L", "WA", "PR", "BL", "OL", "CH", "LA", "CA", "WN", "SK", "BB", "FY"),
    "D": ("LS", "BD", "S", "HU", "YO", "HD", "HX", "WF", "DN", "HG"),
    "E": ("NG", "DE", "LE", "LN", "NN"),
    "F": ("B", "CV", "WV", "WS", "DY", "ST", "WR", "HR", "SY", "TF"),
    "G": ("CB", "NR", "IP", "CM", "SS", "LU", "MK", "PE", "SG", "CO"),
    "H": ("E", "N", "SE", "SW", "W", "NW", "BR", "CR", "HA", "IG", "RM", "TW", "UB", "EN"),
    "J": ("RG", "OX", "GU", "BN", "ME", "CT", "TN", "SO", "PO", "HP", "SL", "RH"),
    "K": ("BS", "BA", "EX", "PL", "TR", "TQ", "GL", "SN", "BH", "DT", "TA"),
    "W": ("CF", "SA", "LL", "NP", "LD"),
    "Z": ("BF",),
}
# The letters a postcode's inward code may end with.
INWARD_LETTERS = "ABDEFGHJLNPQRSTUWXYZ"
