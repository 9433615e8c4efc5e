"""Turn audit results into memos and the batch index.

``view`` prepares everything a template shows (labels, verdicts, locations, numbers as text);
``env`` loads and renders the Jinja templates. Templates never compute.
"""
