"""The ticket schema every stage agrees on (``DataError``, raised when an input does not fit it,
is defined in ``errors`` with the package's other errors and reached here too).

A prepared split is a table with these columns (optional ones only when the data has them):

    ticket_id   string             unique per ticket
    title       string             may be empty if body has text
    body        string             may be empty if title has text
    tags        list<string>       optional; lower-cased, de-duplicated
    priority    float32 in [0, 1]  optional; categorical labels are mapped through config
    department  string             optional; one class per ticket
    difficulty  string             optional; the 3-class label of the feature-extraction head
"""

from ticket_triage.errors import DataError  # noqa: F401  (the readers raise schema.DataError)

TICKET_ID = "ticket_id"
TITLE = "title"
BODY = "body"
TAGS = "tags"
PRIORITY = "priority"
DEPARTMENT = "department"
DIFFICULTY = "difficulty"

REQUIRED = (TICKET_ID, TITLE, BODY)
OPTIONAL = (TAGS, PRIORITY, DEPARTMENT, DIFFICULTY)
ALL_COLUMNS = REQUIRED + OPTIONAL
TEXT_COLUMNS = (TITLE, BODY)
LABEL_COLUMNS = (DEPARTMENT, DIFFICULTY)

# Model input and head names, as in the chapter; the data pipeline and the models both use them.
INPUT_TITLE = "title"
INPUT_BODY = "text_body"
INPUT_TAGS = "tags"
INPUT_COLUMNS = {INPUT_TITLE: TITLE, INPUT_BODY: BODY, INPUT_TAGS: TAGS}  # what each input reads
TAG_SEPARATOR = "\x1f"  # a ticket's tags travel to the model as one string, joined by this
HEAD_PRIORITY = "priority"
HEAD_DEPARTMENT = "department"
HEAD_DIFFICULTY = "difficulty"

# Files ``prepare`` writes beside the splits: token vocabularies (train split only) and label lists.
VOCABULARY_FILES = {
    TITLE: "vocab_title.txt",
    BODY: "vocab_body.txt",
    TAGS: "vocab_tags.txt",
    DEPARTMENT: "departments.txt",
    DIFFICULTY: "difficulties.txt",
}
# vocab.output_mode=tf_idf: each title/body token's inverse document frequency in the train split,
# one a line, in the order of its vocabulary file
IDF_FILES = {TITLE: "idf_title.txt", BODY: "idf_body.txt"}
