"""The long-tailed variant of the synthetic tickets (``data.long_tail=true``): ten departments with
Zipf-like sizes and mostly low priorities, as real helpdesk exports have.

Real exports are nothing like the balanced four-department default: one queue holds most tickets
(69% in a real 9-class IT helpdesk export), a few hold under 1%, and most tickets are not urgent.
This variant keeps the four default departments and their phrasing and adds six small ones
(English only). Department sizes follow ``1 / rank**2``: the smallest three get 0.6-1% of the
tickets each, so in 20,000 tickets their test split holds a dozen tickets or so.

Example:
    >>> round(sum(DEPARTMENT_SHARE), 6), len(DEPARTMENTS)
    (1.0, 10)
"""

DEPARTMENTS = (  # largest first
    "technical",
    "billing",
    "account",
    "shipping",
    "security",
    "hardware",
    "legal",
    "partnerships",
    "accessibility",
    "data_privacy",
)
_ZIPF = tuple(1 / rank**2 for rank in range(1, len(DEPARTMENTS) + 1))
DEPARTMENT_SHARE = tuple(weight / sum(_ZIPF) for weight in _ZIPF)
URGENCY_BETA = (1.6, 3.5)  # most tickets calm, a few urgent (the default corpus uses 2.0, 2.5)

TITLES = {
    "security": (
        "Suspicious login from another country",
        "Phishing email pretending to be you",
        "Report a vulnerability in the {product}",
        "Someone accessed my account",
        "API key leaked on a public repo",
        "Unknown device in my session list",
        "Security questionnaire for our vendor review",
        "Password found in a data breach",
        "Strange redirect on the login page",
        "Request for your penetration test report",
    ),
    "hardware": (
        "{product} will not power on",
        "Battery drains overnight",
        "Screen flickers on the {product}",
        "Charger stopped working",
        "Buttons on the {product} are stuck",
        "Device overheats while charging",
        "Bluetooth pairing keeps dropping",
        "Replacement part for the {product}",
        "Firmware update bricked the device",
        "Warranty repair request",
    ),
    "legal": (
        "Question about your terms of service",
        "Request for a signed contract copy",
        "Data processing agreement needed",
        "Trademark use in our marketing",
        "Subpoena for account records",
        "Copyright complaint about shared content",
        "Change the legal entity on our contract",
        "Liability clause in the enterprise agreement",
        "Export control question",
        "Notice of contract termination",
    ),
    "partnerships": (
        "Becoming a reseller",
        "Affiliate program payout",
        "Co-marketing proposal",
        "Integration partner listing",
        "Referral commission missing",
        "Partner portal access",
        "Wholesale pricing for the {product}",
        "Joint webinar idea",
        "Channel partner agreement renewal",
        "Marketplace listing review",
    ),
    "accessibility": (
        "Screen reader cannot read the menu",
        "Need larger text in the {product}",
        "Keyboard navigation skips buttons",
        "Captions missing on tutorial videos",
        "Color contrast too low",
        "Voice control does not work",
        "Accessible invoice format needed",
        "Focus trap in the checkout dialog",
        "Alt text missing on product images",
        "Request a VPAT document",
    ),
    "data_privacy": (
        "Request a copy of my personal data",
        "Opt out of data sharing",
        "Which cookies do you set",
        "Right to be forgotten request",
        "Where is my data stored",
        "Stop using my data for ads",
        "Correct personal data you hold",
        "Data retention period question",
        "Consent withdrawal",
        "Privacy policy change notice",
    ),
}

SENTENCES = {
    "security": (
        "I got an alert about a sign-in from a country I have never visited.",
        "An email with your logo asked me to confirm my card details on a strange site.",
        "I think I found a cross-site scripting bug on the {product} search page.",
        "Someone changed my recovery phone number without my permission.",
        "One of our developers pushed an API key to a public repository by mistake.",
        "My session list shows a device I do not own.",
        "Our security team needs your answers to a vendor risk questionnaire.",
        "A breach notification site lists my password for your service.",
        "The login page redirected me to an address that is not yours.",
        "Please share your latest penetration test summary under NDA.",
    ),
    "hardware": (
        "The {product} does not turn on even after charging all night.",
        "The battery goes from full to empty overnight while the device is idle.",
        "The display flickers and shows green lines on the {product}.",
        "The charging cable gets warm and the light stays off.",
        "Two buttons on the side are stuck and do not click anymore.",
        "The device gets too hot to hold while it charges.",
        "The Bluetooth connection drops every few minutes.",
        "I need a replacement hinge for the {product}.",
        "After the firmware update the device shows only a black screen.",
        "The device is still under warranty and needs a repair.",
    ),
    "legal": (
        "Our lawyers have questions about section 7 of your terms of service.",
        "Please send a countersigned copy of our enterprise contract.",
        "We need a data processing agreement before we can sign.",
        "May we show your trademark in our marketing material?",
        "We received a court order asking for records of an account.",
        "A user shared content that infringes our copyright.",
        "Our company changed its legal name and the contract must be updated.",
        "We would like to negotiate the liability cap in the agreement.",
        "Is the {product} subject to export control regulations?",
        "This is our formal notice that we will not renew the contract.",
    ),
    "partnerships": (
        "We would like to resell the {product} in our region.",
        "My affiliate payout for last quarter has not arrived.",
        "We propose a joint marketing campaign for the spring launch.",
        "Please list our integration in your partner directory.",
        "A customer I referred signed up but I got no commission.",
        "I cannot log in to the partner portal with my reseller account.",
        "What are your wholesale prices for orders of 500 units?",
        "We would love to host a joint webinar with your team.",
        "Our channel partner agreement expires next month.",
        "Our marketplace listing has been waiting for review for weeks.",
    ),
    "accessibility": (
        "My screen reader announces the menu items as unlabeled buttons.",
        "The text in the {product} is too small and cannot be enlarged.",
        "Pressing tab skips the save button entirely.",
        "The tutorial videos have no captions for deaf users.",
        "The grey text on white is very hard to read with low vision.",
        "Voice control does not recognise the buttons on the settings page.",
        "I need my invoices in an accessible PDF format.",
        "Keyboard focus gets trapped inside the checkout dialog.",
        "Product images have no alternative text.",
        "Our procurement team requires a VPAT for the {product}.",
    ),
    "data_privacy": (
        "Under GDPR I request a copy of all personal data you hold about me.",
        "I do not want my data shared with third parties.",
        "Please tell me which cookies your site sets and why.",
        "I want you to erase all my personal data.",
        "In which country are my files stored?",
        "Please stop using my browsing data for advertising.",
        "You have my old address on file, please correct it.",
        "How long do you keep support conversations?",
        "I withdraw my consent to marketing emails.",
        "I noticed a change in your privacy policy and have questions.",
    ),
}

TAGS = {
    "security": ("security", "phishing", "breach", "vulnerability", "suspicious", "api-key"),
    "hardware": ("hardware", "battery", "screen", "charger", "warranty", "firmware"),
    "legal": ("legal", "contract", "terms", "dpa", "trademark", "copyright"),
    "partnerships": (
        "partner",
        "reseller",
        "affiliate",
        "commission",
        "marketplace",
        "co-marketing",
    ),
    "accessibility": ("a11y", "screen-reader", "captions", "contrast", "keyboard", "vpat"),
    "data_privacy": ("privacy", "gdpr", "cookies", "erasure", "consent", "data-request"),
}
