"""Drafting a plan file from a policy document (issue 19, docs/drafting.md): Django-free.

read_document (reading.py) gives the text of a text, Word, PDF or HTML file; draft (extract.py) finds
the header, the outline, the tasks with their units, the targets and the places, each with its
verbatim sentence and a confidence; write_draft (writer.py) writes it as a planwatch/plan@1 file with
`review:` markers; score (scoring.py) compares a draft with a hand-made plan file."""
