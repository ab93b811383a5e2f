# SEPs, authors, status history: built by the SEP issue.
