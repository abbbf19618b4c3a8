"""Fixed catalogue keys the analysis relies on, in one place.

The analysis is generic over questions, but a few questions carry structure it needs: who the
respondent is (sector, provider type, districts), the offers (for the coverage matrix) and the
partner roster (for the network). Their keys are stable across survey waves.
"""

SECTOR = "akteur.sektor"
PROVIDER_TYPE = "akteur.traegerart"
DISTRICTS = "akteur.stadtteile"

OFFERS = "angebote.angebote"
OFFER_NAME = "name"
OFFER_PHASES = "lebensphasen"
OFFER_TARGET_GROUPS = "zielgruppen"
OFFER_DISTRICTS = "stadtteile"
OFFER_SETTING = "setting"
OFFER_COST = "kosten"
OFFER_STATUS = "status"  # a follow-up wave marks offers that ended
OFFER_ENDED = "beendet"

PARTNERS = "kooperation.partner"
PARTNER_ACTOR = "actor"
PARTNER_NAME = "name"
PARTNER_KIND = "art"
PARTNER_FREQUENCY = "haeufigkeit"

SUBMITTED = "submitted"
IN_PROGRESS = "in_progress"

# How answers a planner entered on behalf of an organisation reached the Kommune (the response's
# `entered_source`; the "entered_on_behalf" column of the response export).
ON_BEHALF_SOURCES = {"paper": "Papierfragebogen", "phone": "Telefon", "other": "E-Mail/Sonstiges"}
