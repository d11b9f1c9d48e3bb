"""The staff back office on the web: residences, pop-up shops and events, content gaps and
the content's translation status, for staff who log in with a one-time link from the bot."""
