"""The bounds of what a case takes in (DESIGN 5: bad input is a clear error
naming the field, never a 500 and never a notice that cannot be printed).

The services enforce them; the API's serializers and the web forms read the
same numbers, so the schema, the forms and the services agree. Text bounds
follow the columns they are stored in, or, for text kept in an event's data
and printed on a notice, what a notice can reasonably carry (the PDF wraps it
onto as many pages as it needs).
"""

APPLICANT_NAME_MAX = 100  # Case.applicant_name
ID_NUMBER_MAX = 32  # Case.applicant_id_number
PHONE_MAX = 20  # Case.applicant_phone
TEXT_MAX = 2000  # an opinion, the reasons of a decision, a reason
REFER_TO_MAX = 200  # the organ to apply to instead (art. 32)
PAUSE_REASON_MAX = 300  # Pause.reason
CORRECTION_ITEMS_MAX = 50  # lines of one correction notice
CORRECTION_MATERIAL_MAX = 200  # a material's name (catalog Material.name)
CORRECTION_PROBLEM_MAX = 500  # what is wrong with it
SHORT_TEXT_MAX = 64  # certificate and receipt numbers, who signed for a delivery
# Working days of one special procedure (art. 45 sets no limit; a year of
# working days bounds a typo, supervision flags procedures longer than the
# promised time).
SUSPENSION_DAYS_MAX = 250
EXTENSION_DAYS_MAX = 10  # 行政许可法 art. 42
AMOUNT_MAX_DIGITS = 10  # a fee in yuan: up to 99,999,999.99
