# Meetings, series, agenda items, notes, attendance: built by the meetings issue.
