"""What's on near residents: pop-up recycling shops and cultural events, their places, the
"can I bring this?" item list, calendar files, reminders and iCalendar imports."""
