"""Ticket exports to triage, written byte by byte, with rows that cannot be used among good ones."""

import csv
import io

BAD_ROWS = {  # position among the records -> a raw CSV line, and the reason it is rejected
    2: (b"X-empty,,,bug,billing", "no text"),
    5: (b"X-fields,a,b,c,d,e,f", "malformed CSV record"),
    9: (b"X-bytes,Caf\xff au lait,Charged twice,,billing", "undecodable bytes"),
}
# Where the rejects say they are: the record's position in the file (the unparsable record on
# line 7 counts, so X-bytes, the ninth record parsed, is row 10), or the file's line (header =
# line 1) for a record that could not be parsed.
BAD_ROW_PLACES = {"X-empty": ("row", 3), "X-bytes": ("row", 10), "X-fields": ("line", 7)}


def write_export_with_bad_rows(path, tickets):
    """A UTF-8 CSV export of ``tickets`` (prepared tickets) with the three ``BAD_ROWS`` among them.

    Returns:
        The path; the good tickets keep their order and ids.
    """
    good = io.StringIO()
    writer = csv.writer(good, lineterminator="\n")
    for ticket in tickets.itertuples():
        writer.writerow([ticket.ticket_id, ticket.title, ticket.body, ",".join(ticket.tags), ""])
    lines = [line.encode() for line in good.getvalue().splitlines()]
    for position, (raw, _) in sorted(BAD_ROWS.items()):
        lines.insert(position, raw)
    path.write_bytes(b"ticket_id,title,body,tags,department\n" + b"\n".join(lines) + b"\n")
    return path
