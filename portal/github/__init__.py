"""Live sync with the specification repository on GitHub (the top layer: it may use groups, meetings
and seps; nothing below imports it). The client reads GitHub's REST API, the sync run hands each
changed file to its app's own importer, the webhook queues a sync when the repository changes."""
